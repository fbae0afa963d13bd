import { JobCancelledError, JobFailedError } from '../errors';
import type { JobInfo, JobState } from '../job/job';
import { describe } from '../job/job-options';
import { callListener } from './emitter';

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

  /**
   * Calls `listener` with the handler's value once the job completes: the callback form of `result`. Returns a
   * function that stops it. Like `result`, it works from any tab, and for a job that completed already.
   * @example
   * job.onCompleted((value) => render(value));
   */
  onCompleted(listener: (result: Result) => void): () => void {
    return this.#whenEnded('onCompleted', listener, true);
  }

  /**
   * Calls `listener` once the job ends without a result, with what `result` rejects with: `JobFailedError` (its
   * `cause` the last attempt's error) when it failed, `JobCancelledError` when it was cancelled. Not called when
   * this tab closes its queue first. Returns a function that stops it.
   * @example
   * job.onFailed((error) => showError(error.message));
   */
  onFailed(listener: (error: JobFailedError | JobCancelledError) => void): () => void {
    return this.#whenEnded('onFailed', listener, false);
  }

  /** Calls `listener` when `result` settles one way (`completed`: fulfilled, or else rejected by the job's end). */
  #whenEnded<T>(method: string, listener: (value: T) => void, completed: boolean): () => void {
    if (typeof listener !== 'function') throw new TypeError(`Expected ${method}() to be given a function, got ${describe(listener)}`);
    let on = true;
    const call = (value: unknown, fulfilled: boolean) => {
      if (!on || fulfilled !== completed) return;
      // Not the job's end: the queue closed in this tab first.
      if (!fulfilled && !(value instanceof JobFailedError || value instanceof JobCancelledError)) return;
      callListener(listener, value as T);
    };
    this.result.then(
      (value) => call(value, true),
      (error: unknown) => call(error, false),
    );
    return () => void (on = false);
  }

  /** Cancels the job if it has not finished: see `queue.cancel`. */
  cancel(): Promise<boolean> {
    return this.#source.cancel(this.id);
  }
}
