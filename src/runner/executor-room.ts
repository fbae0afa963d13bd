import type { Admission } from './admission';
import type { Executor } from './executor';

/** Options of an {@link ExecutorRoom}. */
export interface ExecutorRoomOptions {
  executor: Executor;
  concurrency: number;
  /** See `RunnerOptions.claimAhead`. */
  claimAhead?: number | undefined;
  /** Runs in progress now. */
  running(): number;
}

/**
 * The room in the executor, as an {@link Admission}: its capacity (`concurrency`, or more when the pool lines up
 * short jobs) less the runs in progress, plus, while jobs are short, the jobs taken ahead to wait here (`claimAhead`).
 */
export class ExecutorRoom implements Admission {
  readonly #o: ExecutorRoomOptions;

  constructor(options: ExecutorRoomOptions) {
    this.#o = options;
  }

  room(): number {
    const { executor, concurrency, claimAhead = 0 } = this.#o;
    return (executor.capacity ?? concurrency) + (this.isShort() ? claimAhead * concurrency : 0) - this.#o.running();
  }

  /** Whether jobs are short now: the pool lines them up, taking more than one per worker. */
  isShort(): boolean {
    return (this.#o.executor.capacity ?? 0) > this.#o.concurrency;
  }
}
