import type { Clock } from '../clock';
import { JobTimeoutError, serializeError, type SerializedError } from '../errors';
import type { RunRequest, RunResponse } from '../protocol';
import type { Executor } from '../runner/runner';
import { createWorkerApi } from '../task/serve-tasks';
import type { TaskMap } from '../task/task';

/**
 * Runs handlers in this thread (a service worker cannot make workers). A timeout or an abort aborts the
 * handler's `ctx.signal` and ends the run at once; synchronous code that ignores it cannot be stopped
 * here, but its late result is refused (its attempt id is stale by then).
 */
export class InThreadExecutor implements Executor {
  readonly #api;
  readonly #clock: Clock;
  readonly #progress = new Map<string, (progress: unknown) => void>();
  readonly #endings = new Map<string, (response: RunResponse) => void>();
  /** Handlers still running, ended or not as runs. */
  readonly #handlers = new Set<Promise<void>>();

  constructor(tasks: TaskMap, clock: Clock) {
    this.#api = createWorkerApi(tasks, (runId, progress) => this.#progress.get(runId)?.(progress));
    this.#clock = clock;
  }

  run(request: RunRequest, options: { timeoutMs?: number | undefined; onProgress?: (progress: unknown) => void }): Promise<RunResponse> {
    return new Promise((resolve) => {
      const end = (response: RunResponse) => {
        if (!this.#endings.delete(request.runId)) return;
        this.#progress.delete(request.runId);
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        resolve(response);
      };
      this.#endings.set(request.runId, end);
      if (options.onProgress) this.#progress.set(request.runId, options.onProgress);
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : this.#clock.setTimeout(() => {
              const error = serializeError(
                new JobTimeoutError(`Job ${request.jobId} (${request.name}) ran over its timeout of ${options.timeoutMs} ms in the service worker`),
              );
              this.#stop(request.runId, error);
            }, options.timeoutMs);
      const handler = this.#api.run(request).then(end, (error: unknown) => end({ ok: false, error: serializeError(error) }));
      this.#handlers.add(handler);
      void handler.finally(() => this.#handlers.delete(handler));
    });
  }

  /**
   * Aborts every run's `ctx.signal` and ends the runs at once; resolves when their handlers have really
   * returned, or after `graceMs` (code that ignores its signal cannot be stopped in this thread).
   */
  async abortAll(reason: Error, graceMs: number): Promise<void> {
    const error = serializeError(reason);
    for (const runId of [...this.#endings.keys()]) this.#stop(runId, error);
    if (this.#handlers.size === 0) return;
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    await Promise.race([
      Promise.allSettled([...this.#handlers]),
      new Promise<void>((resolve) => (timer = this.#clock.setTimeout(resolve, graceMs))),
    ]);
    this.#clock.clearTimeout(timer);
  }

  abort(runId: string, reason: Error, graceMs: number): void {
    const error = serializeError(reason);
    this.#api.abort(runId, error);
    this.#clock.setTimeout(() => this.#stop(runId, error), graceMs);
  }

  /** Runs still going. */
  get running(): string[] {
    return [...this.#endings.keys()];
  }

  close(): void {}

  #stop(runId: string, error: SerializedError): void {
    this.#api.abort(runId, error);
    this.#endings.get(runId)?.({ ok: false, error });
  }
}
