import type { TaskOptions } from '../job/task-options';
import type { TaskManifest } from '../protocol';

// Task code and the page name these types by the task they come with.
export type { TaskManifest, TaskOptions };

/** What a task handler gets besides its data. */
export interface TaskContext {
  /** The job's id. */
  readonly jobId: string;
  /** 1 on the first run; higher on retries and after a tab or worker died mid-run. Handlers should be idempotent. */
  readonly attempt: number;
  /** Aborted when the job is cancelled or times out: stop soon after, or the worker is terminated. */
  readonly signal: AbortSignal;
  /**
   * Reports progress: any structured-cloneable value (a number from 0 to 1 suits progress bars).
   * It reaches `job.onProgress` and the queue's `progress` event, in every tab.
   */
  progress(value: unknown): void;
  /**
   * Adds a line to the job's log, where the one running it keeps a log: on a BullMQ server
   * (`offthread/bullmq`) it is `job.log`, and the line reaches the job's followers. Browsers' workers and
   * the service worker keep no log: there it is `undefined`, hence `ctx.log?.(line)`.
   */
  readonly log?: (line: string) => void;
  /**
   * `fetch`, bound to the job: aborted with it, and throwing so that the queue retries what is worth retrying.
   * A network failure or an HTTP 5xx or 429 throws a retryable `FetchError` (a 429's or 503's `Retry-After`
   * sets the wait); any other 4xx throws `UnrecoverableError`. While the browser is offline, a network job
   * waits for the network without spending an attempt. A request waits for its answer as long as the job
   * may run: to stop waiting sooner, give it `signal: AbortSignal.timeout(ms)`; a request that times out so
   * got no answer, a retryable `FetchError` too. Aborted by a signal of the handler's for another reason, it
   * throws that reason.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}

/** A task's code: takes the job's data (and a context), returns or resolves to the result. */
export type TaskHandler<Data, Result> = (data: Data, ctx: TaskContext) => Result | Promise<Result>;

/** A task: its handler, or its handler (`run`) with defaults. */
export type TaskDefinition =
  | ((data: never, ctx: TaskContext) => unknown)
  | ({ run: (data: never, ctx: TaskContext) => unknown } & TaskOptions);

/** A set of named tasks, as given to `defineTasks`. */
export type TaskMap = Record<string, TaskDefinition>;

/** The names of a task map's tasks. */
export type TaskName<Tasks extends TaskMap> = Extract<keyof Tasks, string>;

/** The handler of a task definition. */
export type HandlerOf<Definition> = Definition extends { run: infer Handler extends (...args: never[]) => unknown }
  ? Handler
  : Definition extends (...args: never[]) => unknown
    ? Definition
    : never;

/**
 * The data a task takes: `undefined` for a handler with no parameter, and `unknown` for a queue made
 * without its tasks' type (`createQueue({ ... })` with no type argument).
 */
export type TaskData<Tasks extends TaskMap, Name extends TaskName<Tasks>> = Parameters<HandlerOf<Tasks[Name]>> extends []
  ? undefined
  : [Parameters<HandlerOf<Tasks[Name]>>[0]] extends [never]
    ? unknown
    : Parameters<HandlerOf<Tasks[Name]>>[0];

/** What a task's job resolves with. */
export type TaskResult<Tasks extends TaskMap, Name extends TaskName<Tasks>> = Awaited<ReturnType<HandlerOf<Tasks[Name]>>>;

/** The manifest of `tasks`, as a worker says it at hello (and a service worker stores it). */
export function manifestOf(tasks: TaskMap): TaskManifest {
  return Object.fromEntries(Object.keys(tasks).map((name) => [name, splitDefinition(tasks[name]!).options]));
}

/** The handler and the defaults of one task definition. */
export function splitDefinition(definition: TaskDefinition): { run: (data: unknown, ctx: TaskContext) => unknown; options: TaskOptions } {
  if (typeof definition === 'function') return { run: definition as (data: unknown, ctx: TaskContext) => unknown, options: {} };
  const { run, ...options } = definition;
  return { run: run as (data: unknown, ctx: TaskContext) => unknown, options };
}
