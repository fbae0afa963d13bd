import type { JobInfo, JobState } from '../job/job';

/** What a handle asks of its queue. */
export interface JobSource {
  info(id: string): Promise<JobInfo | undefined>;
  result(id: string): Promise<unknown>;
  onProgress(id: string, listener: (progress: unknown) => void): () => void;
  cancel(id: string): Promise<boolean>;
}

/**
 * A job as the page holds it: its id, and ways to follow it. Any tab can make one for any job with
 * `queue.getJob(id)`, also after a reload.
 */
export class JobHandle<Result = unknown, Data = unknown, Name extends string = string> {
  /** The job's id: `jobId` if one was given. */
  readonly id: string;
  /** The task's name: on a handle from `getJob(id)`, check it to narrow `result` and `info()` to that task's. */
  readonly name: Name;
  readonly #source: JobSource;
  #result: Promise<Result> | undefined;

  /** @internal Made by the queue. */
  constructor(id: string, name: Name, source: JobSource) {
    this.id = id;
    this.name = name;
    this.#source = source;
  }

  /**
   * Resolves with the handler's value once the job completes. Rejects with `JobFailedError` (its `cause` the
   * last attempt's error, rebuilt as its class) when it ends `failed`, and with `JobCancelledError` when cancelled.
   * @example
   * const job = await queue.add('fib', 40);
   * const value = await job.result;
   */
  get result(): Promise<Result> {
    this.#result ??= this.#source.result(this.id) as Promise<Result>;
    return this.#result;
  }

  /** The job's state now; `undefined` once it has been removed. */
  async state(): Promise<JobState | undefined> {
    return (await this.#source.info(this.id))?.state;
  }

  /** The job's stored record, as plain data; `undefined` once removed. */
  info(): Promise<JobInfo<Data, Result> | undefined> {
    return this.#source.info(this.id) as Promise<JobInfo<Data, Result> | undefined>;
  }

  /**
   * Calls `listener` with each value the handler passes to `ctx.progress`. Returns a function that stops it.
   * @example
   * job.onProgress((p) => (bar.value = Number(p)));
   */
  onProgress(listener: (progress: unknown) => void): () => void {
    return this.#source.onProgress(this.id, listener);
  }

  /** Cancels the job if it has not finished: see `queue.cancel`. */
  cancel(): Promise<boolean> {
    return this.#source.cancel(this.id);
  }
}
