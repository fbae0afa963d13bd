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
   * It reaches `job.onProgress` and the queue's `progress` event.
   */
  progress(value: unknown): void;
}

/** A task's code: takes the job's data (and a context), returns or resolves to the result. */
export type TaskHandler<Data, Result> = (data: Data, ctx: TaskContext) => Result | Promise<Result>;

/** A set of named task handlers, as given to `defineTasks`. */
export type TaskMap = Record<string, (data: never, ctx: TaskContext) => unknown>;

/** The names of a task map's tasks. */
export type TaskName<Tasks extends TaskMap> = Extract<keyof Tasks, string>;

/** The data a task takes (`undefined` for a handler with no parameter). */
export type TaskData<Tasks extends TaskMap, Name extends TaskName<Tasks>> = Parameters<Tasks[Name]> extends []
  ? undefined
  : Parameters<Tasks[Name]>[0];

/** What a task's job resolves with. */
export type TaskResult<Tasks extends TaskMap, Name extends TaskName<Tasks>> = Awaited<ReturnType<Tasks[Name]>>;
