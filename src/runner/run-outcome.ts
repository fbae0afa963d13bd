import { serializeError, type SerializedError } from '../errors';
import type { JobRecord } from '../job/job';
import type { JobAction } from '../job/transition';
import type { RunResponse } from '../protocol';

/** What a run's end means: the job's action, what its queue is told once it is recorded, and what it showed of the network. */
export interface RunOutcome {
  action: JobAction;
  /** `settled` (completed, failed, or back in line for a retry), `stalled` (its worker died), or nothing (it never began). */
  told: 'settled' | 'stalled' | undefined;
  /**
   * A network job's run that got an answer (`answered`: the network works) or whose requests got none although
   * the browser said it was online (`unanswered`); undefined when it tells nothing of the network.
   */
  network?: 'answered' | 'unanswered' | undefined;
}

/** What the outcome depends on besides the run. */
export interface RunOutcomeContext {
  /** When the run ended, by the runner's clock. */
  now: number;
  /** Runs a job may lose to a dying tab or worker before it fails. */
  maxStalls: number;
  /** How long a network job's requests may go unanswered while online before its attempts are spent. */
  unansweredGraceMs: number;
}

/** The job action for a run of `job` (attempt id `token`) that ended with `response`. */
export function runOutcome(job: JobRecord, token: string, response: RunResponse, context: RunOutcomeContext): RunOutcome {
  const at = context.now;
  if (response.ok) {
    return { action: { type: 'complete', token, result: response.value, at }, told: 'settled', network: job.requiresNetwork ? 'answered' : undefined };
  }
  const { error } = response;
  // It waited in a worker that went away before it began: it goes back in line, its attempt not spent.
  if (response.notStarted) return { action: { type: 'release', token }, told: undefined };
  // A worker that died mid-run is a stall, as a closed tab is: it does not spend the job's attempts, and
  // the stall cap stops a job that kills every worker it lands on.
  if (isCrash(response)) return { action: { type: 'stall', token, maxStalls: context.maxStalls, error, at }, told: 'stalled' };
  // Offline, or no answer at all: not the job's fault. It waits for the network with its attempt given back.
  // `ctx.fetch` finding the browser offline shows that the job needs the network, whatever it was added with
  // (a tab without workers may not know the task's `requiresNetwork`): from then on it is a network job.
  if (error.code === 'ERR_OFFLINE') return { action: { type: 'release', token, error, needsNetwork: true }, told: 'settled' };
  const unrecoverable = error.code === 'ERR_UNRECOVERABLE' || error.code === 'ERR_INVALID_JOB';
  if (job.requiresNetwork && isNetworkFailure(error)) {
    // No answer, for longer than the grace: an ordinary failure, but the wait goes on being counted.
    const action: JobAction =
      at - (job.unansweredSince ?? at) >= context.unansweredGraceMs
        ? { type: 'fail', token, error, unrecoverable, at, unanswered: true }
        : { type: 'release', token, error, needsNetwork: true, unanswered: true };
    return { action, told: 'settled', network: 'unanswered' };
  }
  return { action: { type: 'fail', token, error, unrecoverable, at }, told: 'settled' };
}

/**
 * The action that records a run whose result storage refused to clone (`error`, a `DataCloneError`, maybe as
 * the cause of the library's error): the job fails, for good, saying why. Undefined for any other write or error.
 */
export function unstorableResult(action: JobAction, error: unknown): JobAction | undefined {
  if (action.type !== 'complete' || !isDataCloneError(error)) return undefined;
  const failure = new TypeError(`The job's result cannot be stored in IndexedDB: ${String((error as Error).message)}`);
  return { type: 'fail', token: action.token, error: serializeError(failure), unrecoverable: true };
}

/** What `ctx.fetch` throws when no answer came: offline, or a request that never reached a server. */
export function isNetworkFailure(error: SerializedError): boolean {
  return error.code === 'ERR_OFFLINE' || (error.code === 'ERR_FETCH' && error.status === undefined);
}

/** Whether the run's worker died under it (the pool's `WorkerCrashedError`). */
export function isCrash(response: RunResponse): response is { ok: false; error: SerializedError } {
  return !response.ok && response.error.name === 'WorkerCrashedError';
}

/** Whether `error` (or its cause) is the `DataCloneError` of a value storage cannot clone. */
export function isDataCloneError(error: unknown): boolean {
  const cause = error instanceof Error && error.cause instanceof DOMException ? error.cause : error;
  return cause instanceof DOMException && cause.name === 'DataCloneError';
}

/** The event a run's end is told as, by its job's state once it is recorded. */
export function endEvent(job: JobRecord): 'completed' | 'failed' | 'retrying' {
  return job.state === 'completed' ? 'completed' : job.state === 'failed' ? 'failed' : 'retrying';
}
