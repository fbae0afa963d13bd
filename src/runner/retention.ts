import type { Clock } from '../clock';
import type { JobRecord } from '../job/job';
import type { JobStore } from '../store/job-store';
import { Timer } from './timer';

/** How long finished jobs of one state are kept: `false` keeps them until cleaned by hand. */
export type Retention = false | { /** Milliseconds after finishing. */ age?: number; /** The newest this many. */ count?: number };

/** How long finished jobs are kept, per final state. */
export interface RetentionOptions {
  /** @default { age: 86_400_000, count: 1_000 } (a day, and the latest thousand) */
  completed?: Retention;
  /** Kept longer than completed ones, for review and retry. @default { age: 604_800_000, count: 10_000 } (a week) */
  failed?: Retention;
  /** @default { age: 86_400_000, count: 1_000 } */
  cancelled?: Retention;
}

export const DEFAULT_RETENTION: Required<RetentionOptions> = {
  completed: { age: 86_400_000, count: 1_000 },
  failed: { age: 604_800_000, count: 10_000 },
  cancelled: { age: 86_400_000, count: 1_000 },
};

/** Jobs deleted per transaction while sweeping IndexedDB (a memory store has no transaction to keep short). */
const SWEEP_BATCH = 500;

/** Deletes the finished jobs that `retention` no longer keeps; returns how many. */
export async function sweep(store: JobStore, retention: Required<RetentionOptions>, now: number): Promise<number> {
  let removed = 0;
  const batch = store.kind === 'memory' ? Infinity : SWEEP_BATCH;
  for (const state of ['completed', 'failed', 'cancelled'] as const) {
    const rule = retention[state];
    if (rule === false) continue;
    for (;;) {
      const ids = await store.clean({
        state,
        finishedBefore: rule.age === undefined ? undefined : now - rule.age,
        keep: rule.count,
        limit: batch,
      });
      removed += ids.length;
      if (ids.length < batch) break;
    }
  }
  return removed;
}

/**
 * Retention sweeps are housekeeping, done when the queue is quiet: one follows a drain (nothing running, nothing
 * ready) once this many jobs have finished since the last, after {@link SWEEP_QUIET_MS} without new runs.
 * Deleting a job costs IndexedDB about as much as writing it, so a sweep during a burst would slow the burst.
 */
export const SWEEP_EVERY_FINISHED = 500;
export const SWEEP_QUIET_MS = 1_000;
/** Under steady load the queue never drains: a sweep runs anyway after this many finished jobs. */
export const SWEEP_BUSY_FINISHED = 10_000;
/** And one runs hourly whatever happens (retention by age). */
export const SWEEP_INTERVAL_MS = 3_600_000;

/** Options of a {@link RetentionSweeper}. */
export interface RetentionSweeperOptions {
  store: () => Promise<JobStore>;
  retention: Required<RetentionOptions>;
  clock: Clock;
  /** Jobs running now: a sweep after a drain waits while runs have started again. */
  running: () => Promise<number>;
  /** A sweep failed (the next one tries again). */
  error(error: unknown): void;
}

/** When retention sweeps run: soon after the runner starts, after a drain that follows many finished jobs, and hourly. */
export class RetentionSweeper {
  readonly #o: RetentionSweeperOptions;
  readonly #timer: Timer;
  #at = Infinity;
  #finished = 0;
  #closed = false;

  constructor(options: RetentionSweeperOptions) {
    this.#o = options;
    this.#timer = new Timer(options.clock);
  }

  /** The runner started: a first sweep now. */
  start(): void {
    this.#soon(0);
  }

  /** A job's run ended: one more finished, if it finished for good. */
  finished(job: JobRecord): void {
    if (job.finishedAt !== undefined && ++this.#finished >= SWEEP_BUSY_FINISHED) this.#soon(0);
  }

  /** The runner drained. */
  drained(): void {
    if (this.#finished >= SWEEP_EVERY_FINISHED) this.#soon(SWEEP_QUIET_MS, true);
  }

  close(): void {
    this.#closed = true;
    this.#timer.clear();
  }

  #soon(delayMs: number, ifQuiet = false): void {
    const at = this.#o.clock.now() + delayMs;
    // A sweep already due sooner will do.
    if (this.#closed || (this.#timer.isSet && this.#at <= at)) return;
    this.#at = at;
    this.#timer.set(delayMs, () => void this.#sweep(ifQuiet));
  }

  async #sweep(ifQuiet: boolean): Promise<void> {
    const running = await this.#o.running();
    if (this.#closed) return;
    // Runs started again since the drain: the next drain (or the busy cap) sweeps.
    if (ifQuiet && running > 0 && this.#finished < SWEEP_BUSY_FINISHED) return this.#soon(SWEEP_INTERVAL_MS);
    this.#finished = 0;
    try {
      await sweep(await this.#o.store(), this.#o.retention, this.#o.clock.now());
    } catch (error) {
      if (!this.#closed) this.#o.error(error);
    }
    this.#soon(SWEEP_INTERVAL_MS);
  }
}
