import { TestClock } from '../../../src/testing/test-clock';

/** Lets every promise reaction queued so far (and those they queue) run. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A {@link TestClock} (the clock of `offthread/testing`) for the runner's unit tests, starting on 1 January 2030:
 * `advance(ms)` fires the timers that fall due within `ms`, earliest first (in the order they were set when due
 * together), with the time set to each one's due time when it fires; it lets promise reactions settle after each,
 * so timers set by async work in that window fire too.
 */
export class FakeClock extends TestClock {
  constructor(start = Date.UTC(2030, 0, 1)) {
    super(start, flushMicrotasks);
  }
}
