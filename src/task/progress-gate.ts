import type { ProgressSink } from '../protocol';

/**
 * While one turn of a handler goes on (a synchronous loop, or one awaiting only microtasks), at most one
 * progress report per this many milliseconds leaves at once; the others wait, and only the latest of them is
 * sent, when the turn is over or the run ends. Reports made in separate turns each go.
 */
export const PROGRESS_GAP_MS = 16;

interface RunProgress {
  /** When a report of this run last went (performance.now()). */
  sentAt: number;
  /** The latest report not sent yet. */
  held: { value: unknown } | undefined;
}

/**
 * Coalesces `ctx.progress` reports in the thread that runs handlers, so that a handler calling it 100,000
 * times in a loop sends a few dozen messages, not 100,000, and the last value reported is always the last sent.
 */
export class ProgressGate {
  readonly #sink: ProgressSink;
  readonly #runs = new Map<string, RunProgress>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(sink: ProgressSink) {
    this.#sink = sink;
  }

  report(runId: string, value: unknown): void {
    let run = this.#runs.get(runId);
    if (!run) this.#runs.set(runId, (run = { sentAt: -Infinity, held: undefined }));
    const now = performance.now();
    if (now - run.sentAt >= PROGRESS_GAP_MS) {
      run.held = undefined;
      run.sentAt = now;
      return this.#sink(runId, value);
    }
    run.held = { value };
    // A timer's turn comes after this one: what is held then goes.
    this.#timer ??= setTimeout(() => this.#sendHeld(), 0);
  }

  /** The run ended: sends what it holds (before its result goes), or drops it (`send: false`), and forgets it. */
  end(runId: string, send: boolean): void {
    const run = this.#runs.get(runId);
    if (!run) return;
    this.#runs.delete(runId);
    if (send && run.held) this.#sink(runId, run.held.value);
  }

  #sendHeld(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const [runId, run] of this.#runs) {
      if (!run.held) continue;
      const { value } = run.held;
      run.held = undefined;
      run.sentAt = now;
      this.#sink(runId, value);
    }
  }
}
