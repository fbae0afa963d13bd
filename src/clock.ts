/** A handle to a timer set through a {@link Clock}. */
export type TimerHandle = unknown;

/**
 * Where the library gets the time and sets timers. Injected so that delays, backoff, leases and
 * schedules can be tested without waiting (Playwright's fake clock does not reach workers).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real time and timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};
