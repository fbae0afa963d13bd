import type { Clock, TimerHandle } from '../clock';
import { describe } from '../job/job-options';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A {@link Clock} whose time moves only when a test says: `advance(ms)` fires, earliest first, the timers
 * that fall due on the way, with `now()` at each one's due time as it fires. Before each timer, and at the
 * end, it lets the queue settle (the runs that can go on without time passing do), so a retry's backoff
 * timer set by a run that ends meanwhile fires in the same `advance`.
 * @example
 * const job = await queue.add('flaky', 1, { attempts: 2, backoff: 1_000 });
 * await queue.clock.advance(1_000); // the retry runs
 */
export class TestClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];
  readonly #settle: () => Promise<void>;

  /**
   * @param start Epoch milliseconds (or a `Date`) to start at.
   * @param settle What to wait for before each timer fires: by default, a turn of the event loop.
   */
  constructor(start: number | Date = Date.now(), settle: () => Promise<void> = nextTurn) {
    const at = start instanceof Date ? start.getTime() : start;
    if (!Number.isFinite(at)) throw new TypeError(`Expected the clock's start to be a Date or epoch milliseconds, got ${describe(start)}`);
    this.#now = at;
    this.#settle = settle;
  }

  /** The clock's time, in epoch milliseconds. */
  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.#now + (ms > 0 ? ms : 0), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== handle);
  }

  /** Timers set and neither fired nor cleared. */
  get pending(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing what falls due on the way (also timers set by what fired). Resolves
   * once the queue has settled at the new time.
   */
  async advance(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !(ms >= 0) || ms === Infinity) {
      throw new TypeError(`Expected clock.advance() to be given a finite number of milliseconds >= 0, got ${describe(ms)}`);
    }
    const end = this.#now + ms;
    await this.#settle();
    for (let next = this.#due(end); next; next = this.#due(end)) {
      this.#timers = this.#timers.filter((timer) => timer !== next);
      this.#now = next.at;
      next.callback();
      await this.#settle();
    }
    this.#now = end;
    await this.#settle();
  }

  /** Lets the queue settle, and fires the timers due now (`advance(0)`). */
  async tick(): Promise<void> {
    await this.advance(0);
  }

  /** The first timer due at `end` or before (the first set, of timers due together). */
  #due(end: number): Timer | undefined {
    let first: Timer | undefined;
    for (const timer of this.#timers) if (timer.at <= end && (!first || timer.at < first.at)) first = timer;
    return first;
  }
}

/**
 * A macrotask later: every promise reaction queued so far (and those they queue) has run. `setImmediate` where
 * there is one (Node: no 1 ms floor), else a message to ourselves; both taken when this module loads, so that a
 * test's fake timers (`vi.useFakeTimers()`) do not stop the queue settling.
 */
export const nextTurn: () => Promise<void> = ((realSetImmediate) =>
  typeof realSetImmediate === 'function'
    ? () => new Promise<void>((resolve) => realSetImmediate(resolve))
    : ((Channel) => () =>
        new Promise<void>((resolve) => {
          const { port1, port2 } = new Channel();
          port1.onmessage = () => {
            port1.close();
            resolve();
          };
          port2.postMessage(null);
        }))(MessageChannel))((globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate);
