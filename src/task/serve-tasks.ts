import * as Comlink from 'comlink';
import { deserializeError, InvalidJobError, serializeError, type SerializedError } from '../errors';
import { findUncloneable, type CloneProblem } from '../job/find-uncloneable';
import { RunStats } from '../pool/run-stats';
import {
  packDone,
  packHello,
  packProgress,
  unpackAbort,
  unpackRecall,
  unpackRuns,
  type DoneMessage,
  type ProgressSink,
  type RunResult,
  type RunRequest,
  type RunResponse,
  type WorkerApi,
  type WorkerHello,
} from '../protocol';
import { jobFetch } from './job-fetch';
import { ProgressGate } from './progress-gate';
import { manifestOf, splitDefinition, type TaskContext, type TaskMap } from './task';
import { takeTransferables, transfer } from './transfer';

/**
 * Serves `tasks` to the page's worker pool. Call it once, at the top level of the worker module.
 * @example
 * // tasks.worker.ts
 * import { serveTasks } from 'offthread/worker';
 * import { tasks } from './tasks';
 * serveTasks(tasks);
 */
export function serveTasks(tasks: TaskMap): void {
  const scope = globalThis as unknown as {
    postMessage(message: unknown, transfer?: Transferable[]): void;
    addEventListener(type: 'message', listener: (event: MessageEvent<unknown>) => void): void;
  };
  const progress: ProgressSink = (runId, value) => {
    try {
      scope.postMessage(packProgress(runId, value));
    } catch {
      // ctx.progress() refuses what does not clone; should anything slip through, the run goes on without it.
    }
  };
  const api = createWorkerApi(tasks, progress);
  const line = new RunLine(api, (message, transfers) => scope.postMessage(message, transfers));
  scope.addEventListener('message', (event) => {
    const runs = unpackRuns(event.data);
    if (runs) return line.push(runs);
    const recalled = unpackRecall(event.data);
    if (recalled) line.recall(recalled);
  });
  const abort = (runId: unknown, reason: unknown): void => {
    const call = unpackAbort(runId, reason);
    if (call) line.abort(call.runId, call.reason);
  };
  Comlink.expose({ ...api, abort } satisfies WorkerApi);
  // A rejection nobody handles means some run went wrong out of sight: raise it as an uncaught error,
  // which the pool sees as this worker crashing, rather than leave a job hanging.
  globalThis.addEventListener?.('unhandledrejection', (event: PromiseRejectionEvent) => {
    const reason: unknown = event.reason;
    setTimeout(() => {
      throw reason instanceof Error ? reason : new Error(`Unhandled rejection: ${serializeError(reason).message}`);
    });
  });
}

/** Options of {@link createWorkerApi}. */
export interface WorkerApiOptions {
  /**
   * Clone each result once to check it (finding a Proxy, which only a clone refuses), where nothing else would
   * before it is stored: in the service worker. A worker's results are checked by the message that carries them.
   */
  cloneResults?: boolean;
}

/**
 * The worker's side of the protocol, apart from comlink so it can run in any thread: the one place where
 * handlers run, in a worker and in the service worker alike. Whatever a handler does, `run` resolves: a
 * throw of anything, or a result that cannot be sent, is the run's failure, never the thread's.
 */
export function createWorkerApi(tasks: TaskMap, sink: ProgressSink, options: WorkerApiOptions = {}): WorkerApi {
  const manifest = manifestOf(tasks);
  const controllers = new Map<string, AbortController>();
  const progress = new ProgressGate(sink);
  const cloneResults = options.cloneResults ?? false;

  return {
    async hello(lockName: string | undefined): Promise<WorkerHello> {
      if (lockName && typeof navigator !== 'undefined' && navigator.locks) await holdUntilDeath(lockName);
      return packHello(manifest);
    },

    async run(request: RunRequest): Promise<RunResponse> {
      const definition = Object.hasOwn(tasks, request.name) ? tasks[request.name] : undefined;
      if (definition === undefined) {
        const error = new InvalidJobError(`Unknown task "${request.name}": this worker serves ${Object.keys(manifest).join(', ') || 'no tasks'}`);
        return { ok: false, error: serializeError(error) };
      }
      const handler = splitDefinition(definition).run;
      const controller = new AbortController();
      controllers.set(request.runId, controller);
      const ctx: TaskContext = {
        jobId: request.jobId,
        attempt: request.attempt,
        signal: controller.signal,
        progress(value: unknown) {
          // Cloned once if it is an object (a Proxy passes any walk): a bad value throws here, in the handler.
          const problem = findUncloneable(value, 'progress', { clone: true });
          if (problem) throw new TypeError(`ctx.progress() needs a structured-cloneable value: ${problem.path} ${problem.reason}`, { cause: problem.cause });
          // After the run ended (a timer of the handler's), or once it is aborted, a report goes nowhere.
          if (!controller.signal.aborted && controllers.has(request.runId)) progress.report(request.runId, value);
        },
        fetch: (input, init) => jobFetch(input, init, controller.signal),
      };
      let response: RunResponse;
      try {
        response = respond(await handler(request.data, ctx), cloneResults);
      } catch (error) {
        response = { ok: false, error: serializeError(error) };
      }
      // The last progress reported goes before the result.
      progress.end(request.runId, !controller.signal.aborted);
      controllers.delete(request.runId);
      return response;
    },

    abort(runId: string, reason: SerializedError): void {
      controllers.get(runId)?.abort(deserializeError(reason));
    },
  };
}

/** Why a result cannot be sent, as the run's error (an ordinary failure: retried while attempts are left). */
function unsendable(problem: CloneProblem): SerializedError {
  const error = new TypeError(`The task's result cannot be sent to the page: ${problem.path} ${problem.reason}`, { cause: problem.cause });
  return serializeError(error);
}

function respond(value: unknown, clone: boolean): RunResponse {
  const transferables = takeTransferables(value);
  const problem = findUncloneable(value, 'result', { allowClassInstances: true, clone: clone && !transferables });
  if (problem) return { ok: false, error: unsendable(problem) };
  const response: RunResponse = { ok: true, value };
  // Marked for whoever posts it: comlink for a single call, the run line for a batch.
  return transferables ? transfer(response, transferables) : response;
}

/** A run's outcome waiting to be sent, with what its value transfers. */
type Ended = RunResult & { transferables?: Transferable[] | undefined };

/** Results are sent at least this often while a batch of runs goes on. */
const FLUSH_MS = 2;

/**
 * The worker's line of runs: run one at a time, in the order they came; results gathered and sent
 * together when the line empties, every few milliseconds, or before a run that may be long, so tiny jobs
 * cost a message per batch.
 */
class RunLine {
  readonly #api: WorkerApi;
  readonly #post: (message: DoneMessage, transfers: Transferable[]) => void;
  readonly #line: RunRequest[] = [];
  /** The runs ended since the last message, with what each one's value transfers. */
  #results: Ended[] = [];
  /** All that `#results` transfer. */
  #transfers: Transferable[] = [];
  #running = false;
  #lastFlush = 0;
  /** How long runs take here. */
  readonly #stats = new RunStats();

  constructor(api: WorkerApi, post: (message: DoneMessage, transfers: Transferable[]) => void) {
    this.#api = api;
    this.#post = post;
  }

  push(requests: RunRequest[]): void {
    this.#line.push(...requests);
    if (!this.#running) void this.#drain();
  }

  /** Aborts a run: drops it if it has not started, else aborts its signal. */
  abort(runId: string, reason: SerializedError): void {
    const at = this.#line.findIndex((request) => request.runId === runId);
    if (at === -1) return this.#api.abort(runId, reason);
    this.#line.splice(at, 1);
    this.#results.push({ runId, response: { ok: false, error: reason }, tookMs: undefined });
    if (!this.#running) this.#flush();
  }

  /** Hands back the runs of `runIds` that have not started, for the page to run elsewhere. */
  recall(runIds: string[]): void {
    const recalled = runIds.filter((runId) => {
      const at = this.#line.findIndex((request) => request.runId === runId);
      if (at !== -1) this.#line.splice(at, 1);
      return at !== -1;
    });
    if (recalled.length > 0) this.#flush(recalled);
  }

  async #drain(): Promise<void> {
    this.#running = true;
    this.#lastFlush = performance.now();
    while (this.#line.length > 0) {
      const request = this.#line.shift()!;
      // The page starts a run's timeout when it hears that the run before it ended: before a run that has
      // one, say what has ended, or a run lined up behind quick ones could spin past its timeout unseen. And
      // before a run that may be long, lest the outcomes of quick runs wait for it.
      if (request.timeoutMs !== undefined || !this.#stats.isQuick(request.name)) this.#flush();
      const startedAt = performance.now();
      let response: RunResponse;
      try {
        response = await this.#api.run(request);
      } catch (error) {
        // `run` resolves whatever the handler does; should it not, the line must not stop here.
        response = { ok: false, error: serializeError(error) };
      }
      const tookMs = performance.now() - startedAt;
      this.#stats.note(request.name, tookMs);
      const transferables = takeTransferables(response);
      if (transferables) this.#transfers.push(...transferables);
      this.#results.push({ runId: request.runId, response, tookMs, transferables });
      if (this.#line.length === 0 || performance.now() - this.#lastFlush >= FLUSH_MS) this.#flush();
    }
    this.#running = false;
  }

  #flush(recalled?: string[]): void {
    if (this.#results.length === 0 && !recalled) return;
    const results = this.#results;
    try {
      this.#post(packDone(results, recalled), this.#transfers);
    } catch {
      // Some result does not clone (a Proxy passes every check but the clone itself), or its transfer list is
      // refused. Nothing was sent nor moved: send them one by one, and fail those that do not go.
      this.#postOneByOne(results, recalled);
    }
    this.#results = [];
    this.#transfers = [];
    this.#lastFlush = performance.now();
  }

  #postOneByOne(results: Ended[], recalled: string[] | undefined): void {
    for (const result of results) {
      try {
        this.#post(packDone([result]), result.transferables ?? []);
        continue;
      } catch (error) {
        const { response } = result;
        const problem = findUncloneable(response.ok ? response.value : response.error, 'result', { allowClassInstances: true, clone: true });
        const failure = unsendable(problem ?? { path: 'result', reason: `was refused with its transfer list (${serializeError(error).message})`, cause: error });
        this.#post(packDone([{ ...result, response: { ok: false, error: failure } }]), []);
      }
    }
    if (recalled) this.#post(packDone([], recalled), []);
  }
}

/** Takes `lockName` and keeps it for the life of this thread; resolves once it is held. */
function holdUntilDeath(lockName: string): Promise<void> {
  return new Promise((granted) => {
    void navigator.locks.request(lockName, () => {
      granted();
      return new Promise<never>(() => {});
    });
  });
}
