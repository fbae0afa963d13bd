import type { Clock, TimerHandle } from '../clock';
import { JobTimeoutError, serializeError, type SerializedError } from '../errors';
import type { RunResponse } from '../protocol';
import type { Executor, ExecutorRun } from '../runner/executor';
import { createTaskHost } from '../task/task-host';
import type { TaskMap } from '../task/task';

/**
 * Runs handlers in this thread (a service worker cannot make workers). A timeout or an abort aborts the
 * handler's `ctx.signal` and ends the run at once; synchronous code that ignores it cannot be stopped
 * here, but its late result is refused (its attempt id is stale by then).
 */
export class InThreadExecutor implements Executor {
  readonly #api;
  readonly #clock: Clock;
  /** Runs not ended yet, with their timeout timers. */
  readonly #runs = new Map<string, { run: ExecutorRun; timer: TimerHandle | undefined }>();
  /** Handlers still running, ended or not as runs. */
  readonly #handlers = new Set<Promise<void>>();

  constructor(tasks: TaskMap, clock: Clock) {
    // Results are checked by a clone here: nothing else would find one that IndexedDB cannot store before it is stored.
    this.#api = createTaskHost(tasks, (runId, progress) => this.#runs.get(runId)?.run.progress(progress), { cloneResults: true });
    this.#clock = clock;
  }

  start(run: ExecutorRun): void {
    const { runId, timeoutMs } = run;
    const timer =
      timeoutMs === undefined
        ? undefined
        : this.#clock.setTimeout(() => {
            const error = serializeError(new JobTimeoutError(`Job ${run.jobId} (${run.name}) ran over its timeout of ${timeoutMs} ms in the service worker`));
            this.#stop(runId, error);
          }, timeoutMs);
    this.#runs.set(runId, { run, timer });
    // The handler starts now, but its outcome is told no sooner than a microtask later (`then`), after `start` returns.
    const end = (response: RunResponse) => this.#end(runId, response);
    const handler = this.#api.run(run).then(end, (error: unknown) => end({ ok: false, error: serializeError(error) }));
    this.#handlers.add(handler);
    void handler.finally(() => this.#handlers.delete(handler));
  }

  /**
   * Aborts every run's `ctx.signal` and ends the runs at once; resolves when their handlers have really
   * returned, or after `graceMs` (code that ignores its signal cannot be stopped in this thread).
   */
  async abortAll(reason: Error, graceMs: number): Promise<void> {
    const error = serializeError(reason);
    for (const runId of [...this.#runs.keys()]) this.#stop(runId, error);
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
    return [...this.#runs.keys()];
  }

  close(): void {}

  #stop(runId: string, error: SerializedError): void {
    this.#api.abort(runId, error);
    this.#end(runId, { ok: false, error });
  }

  /** Tells a run's outcome, the first time only: a run stopped early refuses its handler's late result. */
  #end(runId: string, response: RunResponse): void {
    const entry = this.#runs.get(runId);
    if (!entry) return;
    this.#runs.delete(runId);
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    entry.run.ended(response);
  }
}
