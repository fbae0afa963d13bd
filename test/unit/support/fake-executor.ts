import type { SerializedError } from '../../../src/errors';
import type { RunRequest, RunResponse } from '../../../src/protocol';
import type { Executor, ExecutorRun } from '../../../src/runner/executor';

/** One call of `executor.run`, settled by the test. */
export interface FakeRun {
  request: RunRequest;
  timeoutMs: number | undefined;
  onProgress: (progress: unknown) => void;
  /** Whether the test has settled it. */
  ended: boolean;
  respond(response: RunResponse): void;
  succeed(value?: unknown): void;
  fail(error: SerializedError): void;
}

/**
 * An {@link Executor} whose runs end when the test says, with the response it gives. With `autoRespond`,
 * each run ends at once (in a microtask) with what that function returns.
 */
export class FakeExecutor implements Executor {
  /** Every run started, in order. */
  readonly runs: FakeRun[] = [];
  readonly aborts: Array<{ runId: string; reason: Error; graceMs: number }> = [];
  /** The most runs in flight at once. */
  maxInFlight = 0;
  /** What the pool says it takes at once (it lines up short jobs); `concurrency` when undefined. */
  capacity: number | undefined;
  closed = false;
  #inFlight = 0;
  readonly #autoRespond: ((request: RunRequest) => RunResponse) | undefined;

  constructor(autoRespond?: (request: RunRequest) => RunResponse) {
    this.#autoRespond = autoRespond;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Runs not yet settled, oldest first. */
  get open(): FakeRun[] {
    return this.runs.filter((run) => !run.ended);
  }

  /** Job ids in the order their runs started. */
  get started(): string[] {
    return this.runs.map((run) => run.request.jobId);
  }

  /** The open run of job `jobId`. */
  runOf(jobId: string): FakeRun {
    const run = this.open.find((r) => r.request.jobId === jobId);
    if (!run) throw new Error(`No open run of job ${jobId}; open: ${this.open.map((r) => r.request.jobId).join(', ') || 'none'}`);
    return run;
  }

  start(request: ExecutorRun): void {
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    const run: FakeRun = {
      request,
      timeoutMs: request.timeoutMs,
      onProgress: (progress) => request.progress(progress),
      ended: false,
      respond: (response) => {
        if (run.ended) throw new Error(`Run of job ${request.jobId} already ended`);
        run.ended = true;
        this.#inFlight--;
        request.ended(response);
      },
      succeed: (value) => run.respond({ ok: true, value }),
      fail: (error) => run.respond({ ok: false, error }),
    };
    this.runs.push(run);
    // As a real executor: the outcome is never told before `start` returns.
    const autoRespond = this.#autoRespond;
    if (autoRespond) queueMicrotask(() => run.respond(autoRespond(request)));
  }

  abort(runId: string, reason: Error, graceMs: number): void {
    this.aborts.push({ runId, reason, graceMs });
  }

  close(): void {
    this.closed = true;
  }
}
