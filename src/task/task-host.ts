import { deserializeError, InvalidJobError, serializeError, type SerializedError } from '../errors';
import { findUncloneable, type CloneProblem } from '../job/find-uncloneable';
import type { ProgressSink, RunRequest, RunResponse, TaskManifest } from '../protocol';
import { jobFetch } from './job-fetch';
import { ProgressGate } from './progress-gate';
import { manifestOf, splitDefinition, type TaskContext, type TaskMap } from './task';
import { takeTransferables, transfer } from './transfer';

/** Options of {@link createTaskHost}. */
export interface TaskHostOptions {
  /**
   * Clone each result once to check it (finding a Proxy, which only a clone refuses), where nothing else would
   * before it is stored: in the service worker. A worker's results are checked by the message that carries them.
   */
  cloneResults?: boolean;
}

/** Where handlers run, in whichever thread made it. */
export interface TaskHost {
  /** The tasks it serves, with their defaults. */
  readonly manifest: TaskManifest;
  /** Runs one job's handler. Resolves whatever the handler does. */
  run(request: RunRequest): Promise<RunResponse>;
  /** Aborts `ctx.signal` of a run, with `reason`. */
  abort(runId: string, reason: SerializedError): void;
}

/**
 * The one place where handlers run, in a worker (behind `serveTasks`) and in the service worker alike. Whatever
 * a handler does, `run` resolves: a throw of anything, or a result that cannot be sent, is the run's failure,
 * never the thread's.
 */
export function createTaskHost(tasks: TaskMap, sink: ProgressSink, options: TaskHostOptions = {}): TaskHost {
  const manifest = manifestOf(tasks);
  const controllers = new Map<string, AbortController>();
  const progress = new ProgressGate(sink);
  const cloneResults = options.cloneResults ?? false;

  return {
    manifest,

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
export function unsendable(problem: CloneProblem): SerializedError {
  const error = new TypeError(`The task's result cannot be sent to the page: ${problem.path} ${problem.reason}`, { cause: problem.cause });
  return serializeError(error);
}

function respond(value: unknown, clone: boolean): RunResponse {
  const transferables = takeTransferables(value);
  const problem = findUncloneable(value, 'result', { allowClassInstances: true, clone: clone && !transferables });
  if (problem) return { ok: false, error: unsendable(problem) };
  const response: RunResponse = { ok: true, value };
  // Marked for whoever posts it: the worker's run line.
  return transferables ? transfer(response, transferables) : response;
}
