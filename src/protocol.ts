/**
 * The wire protocol between the page's pool and a worker, carried by comlink. Results come back as
 * `{ ok, value } | { ok: false, error }` rather than through comlink's throw handling, which drops the
 * error's class and fields; errors travel in plain-data form and are rebuilt on the page.
 */
import { isSerializedError, type SerializedError } from './errors';
import type { TaskOptions } from './job/task-options';

/** One run of one job. */
export interface RunRequest {
  /** The attempt id: unique to this run. */
  runId: string;
  jobId: string;
  name: string;
  data: unknown;
  /** 1 for the first run. */
  attempt: number;
  /** The run's timeout, if it has one: the worker tells the page when such a run starts. */
  timeoutMs?: number | undefined;
}

export type RunResponse =
  | { ok: true; value: unknown }
  /** `notStarted`: the run never began (its worker went away while it waited there); it is not the job's fault. */
  | { ok: false; error: SerializedError; notStarted?: true };

/**
 * Runs for a worker, several per message when jobs are tiny. The worker runs them one at a time, in order,
 * and answers with {@link DoneMessage}s. Posted on the worker's own port, beside comlink's messages (which
 * carry the rare calls: hello, abort), so that a burst of jobs costs one message per batch.
 *
 * `runs` is flat, {@link RUN_FIELDS} values per run (runId, jobId, name, data, attempt, timeoutMs): structured
 * clone writes a flat array of values much faster than as many small objects, each with its keys.
 */
export interface RunBatchMessage {
  type: 'offthread:run';
  runs: unknown[];
}

export const RUN_FIELDS = 6;

/** Writes `request` at the end of a flat `runs` array. */
export function packRun(runs: unknown[], request: RunRequest): void {
  runs.push(request.runId, request.jobId, request.name, request.data, request.attempt, request.timeoutMs);
}

/** Reads the runs of a flat `runs` array. */
export function unpackRuns(runs: unknown[]): RunRequest[] {
  const requests: RunRequest[] = [];
  for (let i = 0; i < runs.length; i += RUN_FIELDS) {
    const timeoutMs = runs[i + 5] as number | undefined;
    const request: RunRequest = { runId: runs[i] as string, jobId: runs[i + 1] as string, name: runs[i + 2] as string, data: runs[i + 3], attempt: runs[i + 4] as number };
    if (timeoutMs !== undefined) request.timeoutMs = timeoutMs;
    requests.push(request);
  }
  return requests;
}

/**
 * Outcomes of runs, gathered while the worker was busy, sent together. `results` is flat, {@link DONE_FIELDS}
 * values per run: its runId, whether it succeeded, its value or its error in plain-data form, and how long it
 * ran in milliseconds as the worker measured it (`undefined` if it never started). The pool sizes its batches
 * by that time: measured on the page, it would include the page's own busy time.
 */
export interface DoneMessage {
  type: 'offthread:done';
  results: unknown[];
  /** Runs handed back unstarted, as a {@link RecallMessage} asked. */
  recalled?: string[];
}

/**
 * The page asks for runs back that wait in this worker's line behind a longer one, for a worker that went idle.
 * The worker hands back those that have not started (`DoneMessage.recalled`) and ignores the rest.
 */
export interface RecallMessage {
  type: 'offthread:recall';
  runIds: string[];
}

export function isRecallMessage(data: unknown): data is RecallMessage {
  return typeof data === 'object' && data !== null && (data as RecallMessage).type === 'offthread:recall' && Array.isArray((data as RecallMessage).runIds);
}

export const DONE_FIELDS = 4;

// The checks below see to the shape of a message, not only its type: a handler can post anything on its
// worker's port (`self.postMessage`), and what reaches the page there must never throw in its listener.

export function isRunBatchMessage(data: unknown): data is RunBatchMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as RunBatchMessage).type === 'offthread:run' &&
    Array.isArray((data as RunBatchMessage).runs) &&
    (data as RunBatchMessage).runs.length % RUN_FIELDS === 0
  );
}

/** A {@link DoneMessage} by its shape; each of its results is checked as it is read ({@link isDoneResult}). */
export function isDoneMessage(data: unknown): data is DoneMessage {
  if (typeof data !== 'object' || data === null || (data as DoneMessage).type !== 'offthread:done') return false;
  const { results, recalled } = data as DoneMessage;
  return (
    Array.isArray(results) &&
    results.length % DONE_FIELDS === 0 &&
    (recalled === undefined || (Array.isArray(recalled) && recalled.every((runId) => typeof runId === 'string')))
  );
}

/** Whether the result at `i` of a done message's `results` has the shape of one: runId, ok, value or error, time. */
export function isDoneResult(results: unknown[], i: number): boolean {
  const took = results[i + 3];
  return (
    typeof results[i] === 'string' &&
    typeof results[i + 1] === 'boolean' &&
    (took === undefined || typeof took === 'number') &&
    (results[i + 1] === true || isSerializedError(results[i + 2]))
  );
}

/** Receives `ctx.progress` values of a run. */
export type ProgressSink = (runId: string, progress: unknown) => void;

/**
 * A progress report, posted by the worker on its own port rather than through a comlink proxy: a proxy
 * has a channel of its own, so its messages could arrive after the run's result, and the last progress
 * would be lost. On the worker's port, every progress of a run arrives before its result.
 */
export interface ProgressMessage {
  type: 'offthread:progress';
  runId: string;
  progress: unknown;
}

export function isProgressMessage(data: unknown): data is ProgressMessage {
  return typeof data === 'object' && data !== null && (data as ProgressMessage).type === 'offthread:progress' && typeof (data as ProgressMessage).runId === 'string';
}

/** What a worker says of its tasks: their names, and each one's defaults (plain data). */
export type TaskManifest = Record<string, Omit<TaskOptions, never>>;

/** What a worker tells the pool when it starts. */
export interface WorkerHello {
  /** The tasks this worker serves, with their defaults. */
  tasks: TaskManifest;
}

/** What `serveTasks` exposes to the pool. */
export interface WorkerApi {
  /**
   * Called once, first. The worker takes the Web Lock `lockName` and holds it while it lives, so the
   * pool notices its death (even `self.close()`) when the lock is released.
   */
  hello(lockName: string | undefined): Promise<WorkerHello>;
  run(request: RunRequest): Promise<RunResponse>;
  /** Aborts `ctx.signal` of a run, with `reason`. */
  abort(runId: string, reason: SerializedError): void;
}
