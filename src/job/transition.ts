import type { SerializedError } from '../errors';
import { backoffDelay } from './backoff';
import { MAX_TIME_MS } from './job-options';
import { HISTORY_LENGTH, isFinalState, type AttemptRecord, type JobRecord } from './job';

/** Every change a job's state can go through. Stores apply them, and only through {@link transition}. */
export type JobAction =
  /** A delayed job is due: it joins the waiting line. */
  | { type: 'promote' }
  /**
   * A runner takes the job for a run. `at`: when it took it, if not now (a claim written after its run began,
   * see `ClaimRequest.defer`); `expect`: the job's attempt and runAt when it was taken: if they changed since
   * (the job was cancelled and retried meanwhile), the claim does not apply.
   */
  | {
      type: 'claim';
      token: string;
      owner: string;
      leaseUntil: number;
      ranBy: string;
      at?: number | undefined;
      expect?: { attempt: number; runAt: number } | undefined;
    }
  /** The owner of the run extends its lease. */
  | { type: 'renew'; token: string; leaseUntil: number }
  | { type: 'progress'; token: string; progress: unknown }
  /** `at`: when the run ended, if not now (writes are batched, so they may come a little later). */
  | { type: 'complete'; token: string; result: unknown; at?: number | undefined }
  /**
   * The run threw. `unrecoverable` skips the attempts left. `unanswered`: a network job's request got no answer
   * (it keeps `unansweredSince`, which any other outcome clears).
   */
  | { type: 'fail'; token: string; error: SerializedError; unrecoverable: boolean; at?: number | undefined; unanswered?: boolean }
  /**
   * The run's owner (tab or worker) died. Fails the job once it has stalled more than `maxStalls` times.
   * With a `token`, applies only to that run; `error` says how it died.
   */
  | { type: 'stall'; maxStalls: number; token?: string | undefined; error?: SerializedError | undefined; at?: number | undefined }
  /** The job goes back unrun or unfinished through no fault of its own (a forced close, the network gone): the attempt is not counted. */
  | {
      type: 'release';
      token: string;
      error?: SerializedError | undefined;
      /** It waits for the network from now on. */
      needsNetwork?: boolean;
      /** Its request got no answer while the browser said online: `unansweredSince` is set, if it was not. */
      unanswered?: boolean;
    }
  | { type: 'cancel'; error: SerializedError }
  /** A user retries a failed or cancelled job. */
  | { type: 'retry' }
  /**
   * A user changes a job that has not started (`waiting` or `delayed`): its data, its priority, or when it runs
   * (`runAt`: it is `delayed` while that is later than now). `onlyDelayed`: refused unless the job is `delayed`
   * (a promote).
   */
  | { type: 'change'; data?: unknown; priority?: number | undefined; runAt?: number | undefined; onlyDelayed?: boolean | undefined };

/** What a transition may use besides the job: the time, and randomness for backoff jitter. */
export interface TransitionEnv {
  now: number;
  random: () => number;
}

/**
 * The one place a job's state changes. Returns the job after `action`, or `null` when the action does not
 * apply: a write from a stale attempt (its token no longer current), or a move the job's state does not allow.
 * Never mutates `job`.
 */
export function transition(job: JobRecord, action: JobAction, env: TransitionEnv): JobRecord | null {
  const now = 'at' in action && action.at !== undefined ? action.at : env.now;
  switch (action.type) {
    case 'promote':
      return job.state === 'delayed' ? { ...job, state: 'waiting' } : null;

    case 'claim':
      if (job.state !== 'waiting') return null;
      if (action.expect && (job.attempt !== action.expect.attempt || job.runAt !== action.expect.runAt)) return null;
      return {
        ...job,
        state: 'active',
        attempt: job.attempt + 1,
        token: action.token,
        owner: action.owner,
        leaseUntil: action.leaseUntil,
        ranBy: action.ranBy,
        // A new attempt starts from nothing: the last one's progress is not this one's.
        progress: undefined,
        startedAt: now,
        finishedAt: undefined,
      };

    case 'renew':
      return isCurrentRun(job, action.token) ? { ...job, leaseUntil: action.leaseUntil } : null;

    case 'progress':
      return isCurrentRun(job, action.token) ? { ...job, progress: action.progress } : null;

    case 'complete':
      if (!isCurrentRun(job, action.token)) return null;
      return {
        ...job,
        ...RUN_ENDED,
        history: historyAfter(job, now, 'completed'),
        state: 'completed',
        result: action.result,
        error: undefined,
        finishedAt: now,
        unansweredSince: undefined,
      };

    case 'fail': {
      if (!isCurrentRun(job, action.token)) return null;
      const handlerRuns = job.attempt - job.stalls;
      const failed = {
        ...job,
        ...RUN_ENDED,
        history: historyAfter(job, now, 'failed', action.error),
        error: action.error,
        unansweredSince: action.unanswered ? job.unansweredSince : undefined,
      };
      if (action.unrecoverable || handlerRuns >= job.attempts) return { ...failed, state: 'failed', finishedAt: now };
      // Kept to a time a Date holds (a backoff near the longest taken, or a server's huge Retry-After).
      const runAt = Math.min(now + Math.max(backoffDelay(job.backoff, handlerRuns, env.random), action.error.retryAfterMs ?? 0), MAX_TIME_MS);
      return { ...failed, state: runAt > now ? 'delayed' : 'waiting', runAt };
    }

    case 'stall': {
      if (job.state !== 'active' || (action.token !== undefined && job.token !== action.token)) return null;
      const stalls = job.stalls + 1;
      if (stalls > action.maxStalls) {
        const error: SerializedError = {
          name: 'WorkerCrashedError',
          code: 'ERR_WORKER_CRASHED',
          message:
            `Job ${job.id} (${job.name}) stalled ${stalls === 1 ? 'once' : `${stalls} times`}: the tab or worker running it kept dying, ` +
            `more than maxStalls (${action.maxStalls}) allows`,
          cause: action.error,
        };
        return { ...job, ...RUN_ENDED, history: historyAfter(job, now, 'stalled', action.error), stalls, state: 'failed', error, finishedAt: now };
      }
      // Keeps its runAt, so it keeps its place at the front of the line.
      return { ...job, ...RUN_ENDED, history: historyAfter(job, now, 'stalled', action.error), stalls, state: 'waiting', error: action.error ?? job.error };
    }

    case 'release':
      if (!isCurrentRun(job, action.token)) return null;
      return {
        ...job,
        ...RUN_ENDED,
        state: 'waiting',
        attempt: job.attempt - 1,
        startedAt: undefined,
        error: action.error ?? job.error,
        requiresNetwork: job.requiresNetwork || !!action.needsNetwork,
        unansweredSince: action.unanswered ? (job.unansweredSince ?? now) : job.unansweredSince,
      };

    case 'cancel':
      // A corrupt record is not a job that can move: only remove() takes it away.
      if (isFinalState(job.state) || job.state === 'corrupt') return null;
      return {
        ...job,
        ...RUN_ENDED,
        history: job.state === 'active' ? historyAfter(job, now, 'cancelled', action.error) : job.history,
        state: 'cancelled',
        error: action.error,
        finishedAt: now,
      };

    case 'retry':
      if (job.state !== 'failed' && job.state !== 'cancelled') return null;
      return {
        ...job,
        state: 'waiting',
        attempt: 0,
        stalls: 0,
        runAt: now,
        progress: undefined,
        error: undefined,
        startedAt: undefined,
        finishedAt: undefined,
        unansweredSince: undefined,
      };

    case 'change': {
      if (job.state !== 'delayed' && (action.onlyDelayed || job.state !== 'waiting')) return null;
      const runAt = action.runAt ?? job.runAt;
      return {
        ...job,
        data: 'data' in action ? action.data : job.data,
        priority: action.priority ?? job.priority,
        runAt,
        state: action.runAt === undefined ? job.state : runAt > now ? 'delayed' : 'waiting',
      };
    }
  }
}

function isCurrentRun(job: JobRecord, token: string): boolean {
  return job.state === 'active' && job.token === token;
}

/** What a job whose run ended no longer has: a token, an owner, a lease. */
const RUN_ENDED = { token: undefined, owner: undefined, leaseUntil: undefined } as const;

/** The job's history with the run that just ended (`outcome`) added, the oldest dropped past HISTORY_LENGTH. */
function historyAfter(job: JobRecord, now: number, outcome: AttemptRecord['outcome'], error?: SerializedError): AttemptRecord[] {
  const entry: AttemptRecord = { attempt: job.attempt, outcome, startedAt: job.startedAt, finishedAt: now };
  if (error) entry.error = error;
  const history = job.history ? job.history.slice(1 - HISTORY_LENGTH) : [];
  history.push(entry);
  return history;
}
