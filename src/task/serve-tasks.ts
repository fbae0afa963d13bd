import * as Comlink from 'comlink';
import { deserializeError, InvalidJobError, serializeError, type SerializedError } from '../errors';
import { findUncloneable } from '../job/find-uncloneable';
import {
  averageRunMs,
  isRecallMessage,
  isRunBatchMessage,
  QUICK_RUN_MS,
  unpackRuns,
  type DoneMessage,
  type ProgressMessage,
  type ProgressSink,
  type RunRequest,
  type RunResponse,
  type WorkerApi,
  type WorkerHello,
} from '../protocol';
import { jobFetch } from './job-fetch';
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
    const message: ProgressMessage = { type: 'offthread:progress', runId, progress: value };
    scope.postMessage(message);
  };
  const api = createWorkerApi(tasks, progress);
  const line = new RunLine(api, (message, transfers) => scope.postMessage(message, transfers));
  scope.addEventListener('message', (event) => {
    if (isRunBatchMessage(event.data)) line.push(unpackRuns(event.data.runs));
    else if (isRecallMessage(event.data)) line.recall(event.data.runIds);
  });
  Comlink.expose({ ...api, abort: (runId: string, reason: SerializedError) => line.abort(runId, reason) } satisfies WorkerApi);
  // A rejection nobody handles means some run went wrong out of sight: raise it as an uncaught error,
  // which the pool sees as this worker crashing, rather than leave a job hanging.
  globalThis.addEventListener?.('unhandledrejection', (event: PromiseRejectionEvent) => {
    const reason: unknown = event.reason;
    setTimeout(() => {
      throw reason instanceof Error ? reason : new Error(`Unhandled rejection: ${String(reason)}`);
    });
  });
}

/** The worker's side of the protocol, apart from comlink so it can run in any thread. */
export function createWorkerApi(tasks: TaskMap, sink: ProgressSink): WorkerApi {
  const manifest = manifestOf(tasks);
  const controllers = new Map<string, AbortController>();

  return {
    async hello(lockName: string | undefined): Promise<WorkerHello> {
      if (lockName && typeof navigator !== 'undefined' && navigator.locks) await holdUntilDeath(lockName);
      return { tasks: manifest };
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
          const problem = findUncloneable(value, 'progress');
          if (problem) throw new TypeError(`ctx.progress() needs a structured-cloneable value: ${problem.path} ${problem.reason}`);
          if (!controller.signal.aborted) sink(request.runId, value);
        },
        fetch: (input, init) => jobFetch(input, init, controller.signal),
      };
      try {
        return respond(await handler(request.data, ctx));
      } catch (error) {
        return { ok: false, error: serializeError(error) };
      } finally {
        controllers.delete(request.runId);
      }
    },

    abort(runId: string, reason: SerializedError): void {
      controllers.get(runId)?.abort(deserializeError(reason));
    },
  };
}

function respond(value: unknown): RunResponse {
  const transferables = takeTransferables(value);
  const problem = findUncloneable(value, 'result', { allowClassInstances: true });
  if (problem) {
    const error = new TypeError(`The task's result cannot be sent to the page: ${problem.path} ${problem.reason}`);
    return { ok: false, error: serializeError(error) };
  }
  const response: RunResponse = { ok: true, value };
  // Marked for whoever posts it: comlink for a single call, the run line for a batch.
  return transferables ? transfer(response, transferables) : response;
}

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
  /** Flat: runId, ok, value or error, and how long the run took (ms), for each run ended since the last message. */
  #results: unknown[] = [];
  #transfers: Transferable[] = [];
  #running = false;
  #lastFlush = 0;
  /** Per task: how long its runs take here, on average. */
  readonly #taskMs = new Map<string, number>();

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
    this.#results.push(runId, false, reason, undefined);
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
      const averageMs = this.#taskMs.get(request.name) ?? Infinity;
      if (request.timeoutMs !== undefined || !(averageMs < QUICK_RUN_MS)) this.#flush();
      const startedAt = performance.now();
      const response = await this.#api.run(request);
      const took = performance.now() - startedAt;
      this.#taskMs.set(request.name, averageRunMs(averageMs, took));
      const transferables = takeTransferables(response);
      if (transferables) this.#transfers.push(...transferables);
      this.#results.push(request.runId, response.ok, response.ok ? response.value : response.error, took);
      if (this.#line.length === 0 || performance.now() - this.#lastFlush >= FLUSH_MS) this.#flush();
    }
    this.#running = false;
  }

  #flush(recalled?: string[]): void {
    if (this.#results.length === 0 && !recalled) return;
    this.#post(recalled ? { type: 'offthread:done', results: this.#results, recalled } : { type: 'offthread:done', results: this.#results }, this.#transfers);
    this.#results = [];
    this.#transfers = [];
    this.#lastFlush = performance.now();
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
