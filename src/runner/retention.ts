import type { JobStore } from '../store/job-store';

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
