import * as Comlink from 'comlink';
import { serializeError, type SerializedError } from '../errors';
import { findUncloneable } from '../job/find-uncloneable';
import { averageRunMs, QUICK_RUN_MS } from '../pool/run-stats';
import {
  packDone,
  packHello,
  packProgress,
  unpackAbort,
  unpackRecall,
  unpackRuns,
  type DoneMessage,
  type ProgressSink,
  type RunRequest,
  type RunResponse,
  type RunResult,
  type WorkerApi,
  type WorkerHello,
} from '../protocol';
import type { TaskMap } from './task';
import { createTaskHost, unsendable, type TaskHost } from './task-host';
import { takeTransferables } from './transfer';

/**
 * Serves `tasks` to the page's worker pool. Call it once, at the top level of the worker module.
 * @example
 * // tasks.worker.ts
 * import { serveTasks } from 'offthread/worker';
 * import { tasks } from './tasks';
 * serveTasks(tasks);
 */
export function serveTasks(tasks: TaskMap): void {
  serveTasksOn(globalThis as unknown as TaskEndpoint, tasks);
  // A rejection nobody handles means some run went wrong out of sight: raise it as an uncaught error,
  // which the pool sees as this worker crashing, rather than leave a job hanging.
  globalThis.addEventListener?.('unhandledrejection', (event: PromiseRejectionEvent) => {
    const reason: unknown = event.reason;
    setTimeout(() => {
      throw reason instanceof Error ? reason : new Error(`Unhandled rejection: ${serializeError(reason).message}`);
    });
  });
}

/** Where {@link serveTasksOn} talks to the page: a worker's global scope, or one end of a `MessageChannel`. */
export type TaskEndpoint = Comlink.Endpoint;

/**
 * Serves `tasks` on `endpoint`: what `serveTasks` does in a worker, on any port (the inline queue of
 * `offthread/testing` serves its tasks so, in the page's own thread).
 */
export function serveTasksOn(endpoint: TaskEndpoint, tasks: TaskMap): void {
  const scope = endpoint as unknown as {
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
  const host = createTaskHost(tasks, progress);
  const line = new RunLine(host, (message, transfers) => scope.postMessage(message, transfers));
  scope.addEventListener('message', (event) => {
    const runs = unpackRuns(event.data);
    if (runs) return line.push(runs);
    const recalled = unpackRecall(event.data);
    if (recalled) line.recall(recalled);
  });
  // Runs travel on the port above; comlink carries the rare calls only. What comes through it is checked too.
  const api: WorkerApi = {
    async hello(lockName: unknown): Promise<WorkerHello> {
      if (typeof lockName === 'string' && typeof navigator !== 'undefined' && navigator.locks) await holdUntilDeath(lockName);
      return packHello(host.manifest);
    },
    abort(runId: unknown, reason: unknown): void {
      const call = unpackAbort(runId, reason);
      if (call) line.abort(call.runId, call.reason);
    },
  };
  Comlink.expose(api, endpoint);
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
  readonly #host: TaskHost;
  readonly #post: (message: DoneMessage, transfers: Transferable[]) => void;
  readonly #line: RunRequest[] = [];
  /** The runs ended since the last message, with what each one's value transfers. */
  #results: Ended[] = [];
  /** All that `#results` transfer. */
  #transfers: Transferable[] = [];
  #running = false;
  #lastFlush = 0;
  /**
   * Per task: how long its runs take here, on average. Only that: the pool's RunStats, which sizes lines too,
   * would weigh on every worker's bundle for nothing.
   */
  readonly #taskMs = new Map<string, number>();

  constructor(host: TaskHost, post: (message: DoneMessage, transfers: Transferable[]) => void) {
    this.#host = host;
    this.#post = post;
  }

  push(requests: RunRequest[]): void {
    this.#line.push(...requests);
    if (!this.#running) void this.#drain();
  }

  /** Aborts a run: drops it if it has not started, else aborts its signal. */
  abort(runId: string, reason: SerializedError): void {
    const at = this.#line.findIndex((request) => request.runId === runId);
    if (at === -1) return this.#host.abort(runId, reason);
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
      const averageMs = this.#taskMs.get(request.name) ?? Infinity;
      if (request.timeoutMs !== undefined || !(averageMs < QUICK_RUN_MS)) this.#flush();
      const startedAt = performance.now();
      let response: RunResponse;
      try {
        response = await this.#host.run(request);
      } catch (error) {
        // `run` resolves whatever the handler does; should it not, the line must not stop here.
        response = { ok: false, error: serializeError(error) };
      }
      const tookMs = performance.now() - startedAt;
      this.#taskMs.set(request.name, averageRunMs(averageMs, tookMs));
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
