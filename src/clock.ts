/** A handle to a timer set through a {@link Clock}. */
export type TimerHandle = unknown;

/**
 * Where the library gets the time and sets timers. Injected so that delays, backoff, leases and
 * schedules can be tested without waiting (Playwright's fake clock does not reach workers).
 * Its `setTimeout` may be as limited as the browser's (2^31 − 1 ms at most): the library sets longer
 * timers in hops.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The longest delay a browser's `setTimeout` takes (2^31 − 1 ms, about 24.8 days); a longer one overflows and
 * fires at once.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer longer than {@link MAX_TIMER_MS}, set as a chain of hops: the handle of the hop under way. */
class LongTimer {
  current: TimerHandle;
  constructor(current: TimerHandle) {
    this.current = current;
  }
}

/**
 * `clock`, with timers of any length: a delay past {@link MAX_TIMER_MS} is waited in hops of at most that,
 * re-armed one after the other, so it never fires early. Shorter timers are the clock's own, untouched.
 * The hops count the delay down by what they waited, not by `now()`, as `setTimeout` itself does: a change of
 * the wall clock neither shortens nor stretches them. Wrapping a wrapped clock again changes nothing.
 */
export function withLongTimers(clock: Clock): Clock {
  return {
    now: () => clock.now(),
    setTimeout(callback, ms) {
      if (!(ms > MAX_TIMER_MS)) return clock.setTimeout(callback, ms);
      let left = ms;
      const timer = new LongTimer(undefined);
      const hop = (): void => {
        if (left <= MAX_TIMER_MS) {
          timer.current = clock.setTimeout(callback, left);
          return;
        }
        left -= MAX_TIMER_MS;
        timer.current = clock.setTimeout(hop, MAX_TIMER_MS);
      };
      hop();
      return timer;
    },
    clearTimeout(handle) {
      clock.clearTimeout(handle instanceof LongTimer ? handle.current : handle);
    },
  };
}

/** The real time and timers (of any length). */
export const systemClock: Clock = withLongTimers({
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
});
