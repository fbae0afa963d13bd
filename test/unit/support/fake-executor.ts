import type { SerializedError } from '../../../src/errors';
import type { RunRequest, RunResponse } from '../../../src/protocol';
import type { Executor } from '../../../src/runner/runner';

/** One call of `executor.run`, settled by the test. */
export interface FakeRun {
  request: RunRequest;
  timeoutMs: number | undefined;
  onProgress: ((progress: unknown) => void) | undefined;
  /** Whether the test has settled it. */
  ended: boolean;
  respond(response: RunResponse): void;
  succeed(value?: unknown): void;
  fail(error: SerializedError): void;
}

/**
 * An {@link Executor} whose runs end when the test says, with the response it gives. With `autoRespond`,
 * each run resolves at once (in a microtask) with what that function returns.
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

  run(request: RunRequest, options: { timeoutMs?: number | undefined; onProgress?: (progress: unknown) => void }): Promise<RunResponse> {
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    return new Promise<RunResponse>((resolve) => {
      const run: FakeRun = {
        request,
        timeoutMs: options.timeoutMs,
        onProgress: options.onProgress,
        ended: false,
        respond: (response) => {
          if (run.ended) throw new Error(`Run of job ${request.jobId} already ended`);
          run.ended = true;
          this.#inFlight--;
          resolve(response);
        },
        succeed: (value) => run.respond({ ok: true, value }),
        fail: (error) => run.respond({ ok: false, error }),
      };
      this.runs.push(run);
      if (this.#autoRespond) run.respond(this.#autoRespond(request));
    });
  }

  abort(runId: string, reason: Error, graceMs: number): void {
    this.aborts.push({ runId, reason, graceMs });
  }

  close(): void {
    this.closed = true;
  }
}
