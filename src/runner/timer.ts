import type { Clock, TimerHandle } from '../clock';

/** One timer on a clock, kept by the part of the runner it serves: set, set if not set yet, cleared. */
export class Timer {
  readonly #clock: Clock;
  #handle: TimerHandle | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Whether it is set and has not fired. */
  get isSet(): boolean {
    return this.#handle !== undefined;
  }

  /** Calls `fire` in `ms`, replacing what it was set to. */
  set(ms: number, fire: () => void): void {
    this.clear();
    this.#handle = this.#clock.setTimeout(() => {
      this.#handle = undefined;
      fire();
    }, ms);
  }

  /** Calls `fire` in `ms`, unless it is set already (then that stands). */
  soon(ms: number, fire: () => void): void {
    if (!this.isSet) this.set(ms, fire);
  }

  clear(): void {
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
  }
}
