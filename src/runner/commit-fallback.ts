import type { Clock } from '../clock';
import type { JobRecord } from '../job/job';
import type { JobStore } from '../store/job-store';
import type { PendingUpdate } from './run';
import { unstorableResult } from './run-outcome';
import { Timer } from './timer';

/** How long the loop waits before trying again after storage failed. */
export const STORAGE_RETRY_MS = 1_000;

/** Options of a {@link CommitFallback}. */
export interface CommitFallbackOptions {
  store: JobStore;
  clock: Clock;
  /** Storage failed: time to try again (STORAGE_RETRY_MS later). */
  retry(): void;
  /** Told once per run of failures, not at every retry. */
  error(error: unknown): void;
}

/**
 * What the turn loop does when its batched commit failed. One bad update (a result IndexedDB cannot store, say)
 * must not sink the others: they are written one by one, and the job of an update that still fails is recorded
 * as failed with why. If storage itself is failing (or there was nothing but the claim), it says so once, and
 * the loop tries again later.
 */
export class CommitFallback {
  readonly #o: CommitFallbackOptions;
  readonly #retry: Timer;
  #failing = false;

  constructor(options: CommitFallbackOptions) {
    this.#o = options;
    this.#retry = new Timer(options.clock);
  }

  /** A commit went through: storage works. */
  succeeded(): void {
    this.#failing = false;
  }

  /**
   * Writes `pending` one by one, after `batchError` sank them together. Resolves `undefined` once all are
   * written; else what is left unwritten, for the loop to put back and try again after STORAGE_RETRY_MS, or,
   * when `givingUp` (closing), an empty list: the writes are given up, so that close() ends.
   */
  async commitOneByOne(pending: PendingUpdate[], batchError: unknown, givingUp: boolean): Promise<PendingUpdate[] | undefined> {
    const storageFailing = () => {
      if (givingUp) {
        // The jobs stay `active` under this runner, whose owner lock goes with it: the next runner takes them back.
        this.#o.error(batchError);
        return [];
      }
      if (!this.#failing) this.#o.error(batchError);
      this.#failing = true;
      this.#retry.set(STORAGE_RETRY_MS, () => this.#o.retry());
      return pending;
    };
    if (pending.length === 0) return storageFailing();
    while (pending.length > 0) {
      const p = pending[0]!;
      let job: JobRecord | null;
      try {
        job = (await this.#o.store.commit([p.update])).updated[0] ?? null;
      } catch (error) {
        const fail = unstorableResult(p.update.action, error);
        if (!fail) return storageFailing();
        try {
          job = (await this.#o.store.commit([{ id: p.update.id, action: fail }])).updated[0] ?? null;
        } catch {
          return storageFailing();
        }
      }
      pending.shift();
      p.done?.(job);
    }
    this.#failing = false;
    return undefined;
  }

  close(): void {
    this.#retry.clear();
  }
}
