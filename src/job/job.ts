import type { SerializedError } from '../errors';

/**
 * Where a job is in its life. `completed`, `failed` and `cancelled` are final. `corrupt` is outside its life:
 * a stored record found malformed, put aside (its stored form kept in `quarantine`) so that it blocks nothing.
 */
export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'cancelled' | 'corrupt';

/** The states of a job's life: every state but `corrupt`. */
export type LifeState = Exclude<JobState, 'corrupt'>;

/** Every state of a job's life, in the order a job usually passes through them (`corrupt` is not one). */
export const JOB_STATES: readonly LifeState[] = ['waiting', 'delayed', 'active', 'completed', 'failed', 'cancelled'];

/** What was found wrong with a stored record that was put aside (state `corrupt`), and what was stored. */
export interface Quarantine {
  /** What was wrong, naming the field: `state is 'bogus', expected one of waiting, delayed, ...`. */
  reason: string;
  /** The record as it was stored, untouched (index keys and all). */
  stored: unknown;
  /** When it was put aside (epoch ms). */
  at: number;
}

/** Whether a job in this state will not change again (unless retried by hand). */
export function isFinalState(state: JobState): boolean {
  return state === 'completed' || state === 'failed' || state === 'cancelled';
}

/** How long to wait before the next attempt of a job that threw. */
export interface BackoffOptions {
  /** `fixed` waits `delay` each time; `exponential` waits `delay * 2^(retry - 1)`. */
  type: 'fixed' | 'exponential';
  /** Milliseconds before the first retry. */
  delay: number;
  /**
   * The longest wait, in milliseconds.
   * @default 3_600_000 (one hour)
   */
  maxDelay?: number;
  /**
   * Share of the wait that is random, from 0 (none) to 1 (anywhere from 0 to the full wait), so that
   * jobs that failed together do not all retry in the same instant.
   * @default 0.25
   */
  jitter?: number;
}

/** How one run of a job ended. */
export interface AttemptRecord {
  /** 1 for the first run. */
  attempt: number;
  outcome: 'completed' | 'failed' | 'stalled' | 'cancelled';
  startedAt: number | undefined;
  finishedAt: number;
  /** Why it did not complete. */
  error?: SerializedError | undefined;
}

/** Runs kept in a job's history: the latest ones. */
export const HISTORY_LENGTH = 25;

/** A job as stored. Internal: users see {@link JobInfo}. */
export interface JobRecord {
  id: string;
  name: string;
  data: unknown;
  state: JobState;
  /** Higher runs first. */
  priority: number;
  /** Order of adding, assigned by the store: FIFO within a priority. */
  seq: number;
  /** Runs started so far (1 during the first run). */
  attempt: number;
  /** Runs the handler may have before the job fails. */
  attempts: number;
  /** Runs lost because their owner (tab or worker) died. They do not spend `attempts`. */
  stalls: number;
  backoff: BackoffOptions | undefined;
  /** Milliseconds a run may take before its worker is terminated. */
  timeout: number | undefined;
  /** Waits while the browser is offline. */
  requiresNetwork: boolean;
  /** When the job is (or was) due to run. */
  runAt: number;
  progress: unknown;
  result: unknown;
  error: SerializedError | undefined;
  createdAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  /** The attempt id of the current run; writes that carry another are refused. */
  token: string | undefined;
  /** The runner that owns the current run. */
  owner: string | undefined;
  /** When the current run's lease expires if its owner does not renew it. */
  leaseUntil: number | undefined;
  /** How the latest runs ended, oldest first. */
  history: AttemptRecord[];
  /** Which context ran (or runs) the latest run: `tab:<id>` or `service-worker`. */
  ranBy: string | undefined;
  /**
   * A network job: since when its requests have got no answer although the browser said it was online (see
   * `UNANSWERED_GRACE_MS` in the runner); cleared by a run that got one.
   */
  unansweredSince?: number | undefined;
  /** Only for a `corrupt` job: what was wrong with its stored record, and that record. */
  quarantine?: Quarantine | undefined;
}

/** A job as users see it: plain data, safe to keep and to send anywhere. */
export interface JobInfo<Data = unknown, Result = unknown> {
  /** The job's id (`jobId` when it was added with one). */
  id: string;
  /** The task's name. */
  name: string;
  /** The data it was added with. */
  data: Data;
  /** Where it is now. */
  state: JobState;
  /** Runs started so far (1 during the first run). */
  attempt: number;
  /** Runs the handler may have before the job fails. */
  attempts: number;
  /** Higher runs first. */
  priority: number;
  /** Waits while the browser is offline. */
  requiresNetwork: boolean;
  /** The last value the handler passed to `ctx.progress`. */
  progress: unknown;
  /** The handler's value, once `completed`. */
  result: Result | undefined;
  /** The last attempt's error, in plain-data form. */
  error: SerializedError | undefined;
  /** When the job is (or was) due to run. */
  runAt: number;
  /** When it was added, in epoch milliseconds. */
  createdAt: number;
  /** When its latest run started, in epoch milliseconds. */
  startedAt: number | undefined;
  /** When it ended `completed`, `failed` or `cancelled`, in epoch milliseconds. */
  finishedAt: number | undefined;
  /** How its latest runs ended (up to 25), oldest first: the attempt history of a failed job. */
  history: AttemptRecord[];
  /**
   * Which context ran (or runs) its latest run: `tab:<id>` (compare with `queue.contextId` to tell this
   * tab from another) or `service-worker`.
   */
  ranBy: string | undefined;
  /**
   * Only for a `corrupt` job (a stored record found malformed and put aside): what was wrong with it, and the
   * record as it was stored. Its `error` says the same as a `StorageError` (`ERR_STORAGE_CORRUPT`).
   */
  quarantine?: Quarantine;
}

/** The user-facing view of a stored job. */
export function toJobInfo<Data = unknown, Result = unknown>(job: JobRecord): JobInfo<Data, Result> {
  return {
    id: job.id,
    name: job.name,
    data: job.data as Data,
    state: job.state,
    attempt: job.attempt,
    attempts: job.attempts,
    priority: job.priority,
    requiresNetwork: job.requiresNetwork,
    progress: job.progress,
    result: job.result as Result | undefined,
    error: job.error,
    runAt: job.runAt,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    history: job.history,
    ranBy: job.ranBy,
    ...(job.quarantine && { quarantine: job.quarantine }),
  };
}

/**
 * How many jobs are in each state. `corrupt` is there only when some stored record was found malformed
 * and put aside (see `JobInfo.quarantine`).
 */
export interface JobCounts {
  /** Jobs due now, not yet running. */
  waiting: number;
  /** Jobs due later: a `delay`, a `runAt`, or a backoff before the next attempt. */
  delayed: number;
  /** Jobs running now. */
  active: number;
  /** Jobs whose handler returned, kept as `retention` says. */
  completed: number;
  /** Jobs that ended `failed`, kept as `retention` says. */
  failed: number;
  /** Jobs cancelled while queued or running. */
  cancelled: number;
  /** Records found malformed and put aside; present only when there are some. */
  corrupt?: number;
}

/** A zeroed {@link JobCounts}. */
export function emptyCounts(): JobCounts {
  return { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0, cancelled: 0 };
}

/** A new job's record, as it is stored at `now`. */
export function createJobRecord(
  job: Pick<JobRecord, 'name' | 'data' | 'priority' | 'runAt' | 'attempts' | 'backoff' | 'timeout' | 'createdAt' | 'requiresNetwork'>,
  id: string,
  seq: number,
  now: number,
): JobRecord {
  return {
    id,
    name: job.name,
    data: job.data,
    state: job.runAt > now ? 'delayed' : 'waiting',
    priority: job.priority,
    seq,
    attempt: 0,
    attempts: job.attempts,
    stalls: 0,
    backoff: job.backoff,
    timeout: job.timeout,
    requiresNetwork: job.requiresNetwork,
    runAt: job.runAt,
    progress: undefined,
    result: undefined,
    error: undefined,
    createdAt: job.createdAt,
    startedAt: undefined,
    finishedAt: undefined,
    token: undefined,
    owner: undefined,
    leaseUntil: undefined,
    history: [],
    ranBy: undefined,
  };
}

/** Orders ready jobs: higher priority first, then earlier `runAt`, then earlier added. */
export function compareReady(a: JobRecord, b: JobRecord): number {
  return b.priority - a.priority || a.runAt - b.runAt || a.seq - b.seq;
}

/** Orders delayed jobs: earlier due first. */
export function compareDue(a: JobRecord, b: JobRecord): number {
  return a.runAt - b.runAt || a.seq - b.seq;
}
