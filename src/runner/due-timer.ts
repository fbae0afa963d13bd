import type { Clock } from '../clock';
import { Timer } from './timer';

/** A far due time is reached in hops of at most this. */
const LONGEST_TIMER_MS = 3_600_000;

/** Wakes the runner when the next delayed job of the line falls due (as the store last said). */
export class DueTimer {
  readonly #clock: Clock;
  readonly #timer: Timer;
  readonly #due: () => void;

  constructor(clock: Clock, due: () => void) {
    this.#clock = clock;
    this.#timer = new Timer(clock);
    this.#due = due;
  }

  /** Sets it for `nextRunAt` (epoch ms), or clears it when nothing is delayed. */
  arm(nextRunAt: number | undefined): void {
    if (nextRunAt === undefined) return this.#timer.clear();
    this.#timer.set(Math.min(Math.max(0, nextRunAt - this.#clock.now()), LONGEST_TIMER_MS), this.#due);
  }

  close(): void {
    this.#timer.clear();
  }
}
