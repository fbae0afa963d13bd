import * as Comlink from 'comlink';
import { deserializeError, InvalidJobError, serializeError, type SerializedError } from '../errors';
import { findUncloneable } from '../job/find-uncloneable';
import type { ProgressMessage, ProgressSink, RunRequest, RunResponse, WorkerApi, WorkerHello } from '../protocol';
import { jobFetch } from './job-fetch';
import { splitDefinition, type TaskContext, type TaskManifest, type TaskMap } from './task';
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
  const progress: ProgressSink = (runId, value) => {
    const message: ProgressMessage = { type: 'offthread:progress', runId, progress: value };
    (globalThis as unknown as { postMessage(message: unknown): void }).postMessage(message);
  };
  Comlink.expose(createWorkerApi(tasks, progress));
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
  const names = Object.keys(tasks);
  const manifest: TaskManifest = Object.fromEntries(names.map((name) => [name, splitDefinition(tasks[name]!).options]));
  const controllers = new Map<string, AbortController>();

  return {
    async hello(lockName: string | undefined): Promise<WorkerHello> {
      if (lockName && typeof navigator !== 'undefined' && navigator.locks) await holdUntilDeath(lockName);
      return { tasks: manifest };
    },

    async run(request: RunRequest): Promise<RunResponse> {
      const definition = Object.hasOwn(tasks, request.name) ? tasks[request.name] : undefined;
      if (definition === undefined) {
        const error = new InvalidJobError(`Unknown task "${request.name}": this worker serves ${names.join(', ') || 'no tasks'}`);
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
        const value = await handler(request.data, ctx);
        return respond(value);
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
  return transferables ? Comlink.transfer(response, transferables) : response;
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
