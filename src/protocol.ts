/**
 * The wire format between the page's pool and a worker: each message, with the one function that packs it and
 * the one that unpacks it. Runs, their outcomes and their progress travel on the worker's own port, so that a
 * burst of jobs costs a message per batch; the rare calls (hello, abort) go through comlink ({@link WorkerApi}).
 * Outcomes are `{ ok, value } | { ok: false, error }` rather than comlink's throw handling, which drops the
 * error's class and fields; errors travel in plain-data form and are rebuilt on the page.
 *
 * Each unpack checks the shape of what it reads and returns `undefined` for anything else: a handler can post
 * anything on its worker's port (`self.postMessage`), comlink's messages share it, and what reaches either side
 * there must never throw in its listener.
 */
import { isSerializedError, serializeError, type SerializedError } from './errors';
import { describe } from './job/job-options';
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

/** The outcome of one run, as a worker tells it. */
export interface RunResult {
  runId: string;
  response: RunResponse;
  /** How long the run took (ms) as the worker measured it; `undefined` if it never started. */
  tookMs: number | undefined;
}

// Page to worker ------------------------------------------------------------------------------------------

/**
 * Runs for a worker, several per message when jobs are tiny. The worker runs them one at a time, in order,
 * and answers with {@link DoneMessage}s.
 *
 * `runs` is flat, {@link RUN_FIELDS} values per run (runId, jobId, name, data, attempt, timeoutMs): structured
 * clone writes a flat array of values much faster than as many small objects, each with its keys.
 */
export interface RunBatchMessage {
  type: 'offthread:run';
  runs: unknown[];
}

export const RUN_FIELDS = 6;

export function packRuns(requests: readonly RunRequest[]): RunBatchMessage {
  const runs: unknown[] = [];
  for (const request of requests) runs.push(request.runId, request.jobId, request.name, request.data, request.attempt, request.timeoutMs);
  return { type: 'offthread:run', runs };
}

/** The runs of a {@link RunBatchMessage}; a run whose fields are not what they should be is left out. */
export function unpackRuns(data: unknown): RunRequest[] | undefined {
  if (!hasType<RunBatchMessage>(data, 'offthread:run') || !Array.isArray(data.runs) || data.runs.length % RUN_FIELDS !== 0) return undefined;
  const { runs } = data;
  const requests: RunRequest[] = [];
  for (let i = 0; i < runs.length; i += RUN_FIELDS) {
    // Read in place, not sliced: a burst of tiny jobs is read here, one array fewer per run.
    const runId = runs[i];
    const jobId = runs[i + 1];
    const name = runs[i + 2];
    const attempt = runs[i + 4];
    const timeoutMs = runs[i + 5];
    if (typeof runId !== 'string' || typeof jobId !== 'string' || typeof name !== 'string' || typeof attempt !== 'number' || !isNumberOrNot(timeoutMs)) continue;
    requests.push({ runId, jobId, name, data: runs[i + 3], attempt, ...(timeoutMs !== undefined && { timeoutMs }) });
  }
  return requests;
}

/**
 * The page asks for runs back that wait in this worker's line behind a longer one, for a worker that went idle.
 * The worker hands back those that have not started (`DoneMessage.recalled`) and ignores the rest.
 */
export interface RecallMessage {
  type: 'offthread:recall';
  runIds: string[];
}

export function packRecall(runIds: string[]): RecallMessage {
  return { type: 'offthread:recall', runIds };
}

/** The runIds of a {@link RecallMessage}. */
export function unpackRecall(data: unknown): string[] | undefined {
  return hasType<RecallMessage>(data, 'offthread:recall') && isStrings(data.runIds) ? data.runIds : undefined;
}

// Worker to page ------------------------------------------------------------------------------------------

/**
 * Outcomes of runs, gathered while the worker was busy, sent together. `results` is flat, {@link DONE_FIELDS}
 * values per run: its runId, whether it succeeded, its value or its error in plain-data form, and its
 * {@link RunResult.tookMs}. The pool sizes its batches by that time: measured on the page, it would include
 * the page's own busy time.
 */
export interface DoneMessage {
  type: 'offthread:done';
  results: unknown[];
  /** Runs handed back unstarted, as a {@link RecallMessage} asked. */
  recalled?: string[];
}

export const DONE_FIELDS = 4;

export function packDone(results: readonly RunResult[], recalled?: string[]): DoneMessage {
  const flat: unknown[] = [];
  for (const { runId, response, tookMs } of results) flat.push(runId, response.ok, response.ok ? response.value : response.error, tookMs);
  return { type: 'offthread:done', results: flat, ...(recalled && { recalled }) };
}

/** The results and the recalled runs of a {@link DoneMessage}; a result whose fields are not what they should be is left out. */
export function unpackDone(data: unknown): { results: RunResult[]; recalled: string[] } | undefined {
  if (!hasType<DoneMessage>(data, 'offthread:done')) return undefined;
  const { results, recalled } = data;
  if (!Array.isArray(results) || results.length % DONE_FIELDS !== 0 || (recalled !== undefined && !isStrings(recalled))) return undefined;
  const unpacked: RunResult[] = [];
  for (let i = 0; i < results.length; i += DONE_FIELDS) {
    const runId = results[i];
    const ok = results[i + 1];
    const outcome = results[i + 2];
    const tookMs = results[i + 3];
    const response: RunResponse | undefined = ok === true ? { ok, value: outcome } : ok === false && isSerializedError(outcome) ? { ok, error: outcome } : undefined;
    if (response && typeof runId === 'string' && isNumberOrNot(tookMs)) unpacked.push({ runId, response, tookMs });
  }
  return { results: unpacked, recalled: recalled ?? [] };
}

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

export function packProgress(runId: string, progress: unknown): ProgressMessage {
  return { type: 'offthread:progress', runId, progress };
}

/** A {@link ProgressMessage}, checked. */
export function unpackProgress(data: unknown): ProgressMessage | undefined {
  return hasType<ProgressMessage>(data, 'offthread:progress') && typeof data.runId === 'string' ? (data as ProgressMessage) : undefined;
}

/** Receives `ctx.progress` values of a run. */
export type ProgressSink = (runId: string, progress: unknown) => void;

// Calls through comlink -----------------------------------------------------------------------------------

/** What a worker says of its tasks: their names, and each one's defaults (plain data). */
export type TaskManifest = Record<string, Omit<TaskOptions, never>>;

/** What a worker tells the pool when it starts. */
export interface WorkerHello {
  /** The tasks this worker serves, with their defaults. */
  tasks: TaskManifest;
}

export function packHello(tasks: TaskManifest): WorkerHello {
  return { tasks };
}

/** A {@link WorkerHello}, checked: throws a `TypeError` that says what came instead. */
export function unpackHello(value: unknown): WorkerHello {
  const tasks = isRecord(value) ? value.tasks : undefined;
  if (!isRecord(tasks) || !Object.values(tasks).every(isRecord)) {
    throw new TypeError(`Expected the worker's hello to be { tasks: { name: defaults } }, got ${describe(isRecord(value) ? tasks : value)}`);
  }
  return { tasks: tasks as TaskManifest };
}

/** What `serveTasks` exposes to the pool through comlink: the control plane (runs go on the port, as messages above). */
export interface WorkerApi {
  /**
   * Called once, first. The worker takes the Web Lock `lockName` and holds it while it lives, so the
   * pool notices its death (even `self.close()`) when the lock is released.
   */
  hello(lockName: string | undefined): Promise<WorkerHello>;
  /** Aborts `ctx.signal` of a run, with `reason`. */
  abort(runId: string, reason: SerializedError): void;
}

/** The arguments of {@link WorkerApi.abort}, checked; the reason is read as any thrown value is (an error in plain-data form comes back as it went). */
export function unpackAbort(runId: unknown, reason: unknown): { runId: string; reason: SerializedError } | undefined {
  return typeof runId === 'string' ? { runId, reason: serializeError(reason) } : undefined;
}

// ---------------------------------------------------------------------------------------------------------

function hasType<Message extends { type: string }>(data: unknown, type: Message['type']): data is { [Key in keyof Message]: unknown } & { type: Message['type'] } {
  return isRecord(data) && data.type === type;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumberOrNot(value: unknown): value is number | undefined {
  return value === undefined || typeof value === 'number';
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
