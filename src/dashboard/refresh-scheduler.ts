/** Timers the scheduler uses; the browser's unless a test gives its own. */
export interface RefreshTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Waits for the next frame: never fires while the page is hidden, which is what keeps a hidden dashboard idle. */
  nextFrame(callback: () => void): unknown;
  cancelFrame(handle: unknown): void;
}

const browserTimers: RefreshTimers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
  nextFrame: (callback) => globalThis.requestAnimationFrame(() => callback()),
  cancelFrame: (handle) => globalThis.cancelAnimationFrame(handle as number),
};

/**
 * Turns a burst of "something changed" into one refresh: at most one runs at a time, the next waits for
 * an animation frame and for `minGapMs` after the previous one ended (or twice as long as it took, when
 * reading the store got slow), and requests made meanwhile are folded into it.
 * @example
 * const refresh = new RefreshScheduler(() => view.reload(), 250);
 * queue.on('completed', () => refresh.request());
 */
export class RefreshScheduler {
  readonly #run: () => Promise<void>;
  readonly #minGapMs: number;
  readonly #timers: RefreshTimers;
  #gapMs: number;
  #lastEnd = -Infinity;
  #timer: unknown;
  #frame: unknown;
  #running: Promise<void> | undefined;
  #dirty = false;
  #disposed = false;

  constructor(run: () => Promise<void>, minGapMs = 250, timers: RefreshTimers = browserTimers) {
    this.#run = run;
    this.#minGapMs = minGapMs;
    this.#gapMs = minGapMs;
    this.#timers = timers;
  }

  /** Asks for a refresh, soon: folded with the other requests until the next one runs. */
  request(): void {
    if (this.#disposed) return;
    this.#dirty = true;
    if (this.#running || this.#timer !== undefined || this.#frame !== undefined) return;
    const wait = Math.max(0, this.#lastEnd + this.#gapMs - this.#timers.now());
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#frame = this.#timers.nextFrame(() => {
        this.#frame = undefined;
        void this.#go();
      });
    }, wait);
  }

  /** Refreshes at once (after the one running, if any), as after the reader's own action; resolves when done. */
  async now(): Promise<void> {
    while (this.#running) await this.#running.catch(() => undefined);
    if (this.#disposed) return;
    this.#cancelPending();
    await this.#go();
  }

  dispose(): void {
    this.#disposed = true;
    this.#cancelPending();
  }

  #cancelPending(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    if (this.#frame !== undefined) this.#timers.cancelFrame(this.#frame);
    this.#timer = this.#frame = undefined;
  }

  #go(): Promise<void> {
    if (this.#disposed) return Promise.resolve();
    this.#dirty = false;
    const start = this.#timers.now();
    const running = (async () => {
      try {
        await this.#run();
      } finally {
        const end = this.#timers.now();
        this.#gapMs = Math.max(this.#minGapMs, 2 * (end - start));
        this.#lastEnd = end;
        this.#running = undefined;
        if (this.#dirty) this.request();
      }
    })();
    this.#running = running;
    return running;
  }
}
