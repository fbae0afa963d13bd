import { ownerLocks } from '../tabs/owner-lock';
import { CANCEL_GRACE_MS, LEASE_MS, MAX_STALLS, PROGRESS_FLUSH_MS, RECLAIM_INTERVAL_MS } from './constants';
import { Runner } from './runner';
import type { RunnerOptions } from './runner-options';

type Defaulted = 'leaseMs' | 'maxStalls' | 'cancelGraceMs';

/** Options of {@link createRunner}: a {@link Runner}'s, less what every browser context sets alike. */
export interface CreateRunnerOptions
  extends Omit<RunnerOptions, Defaulted | 'locks' | 'isOnline' | 'reclaimIntervalMs' | 'progressFlushMs'>,
    Partial<Record<Defaulted, number | undefined>> {
  /** The queue's name: its runners' owner locks are named after it. */
  queue: string;
}

/**
 * The runner of a queue in a browser context, a page's or the service worker's: owner liveness by Web Locks,
 * the network as `navigator.onLine` says, and the defaults of `constants.ts`.
 */
export function createRunner({ queue, leaseMs, maxStalls, cancelGraceMs, ...options }: CreateRunnerOptions): Runner {
  return new Runner({
    ...options,
    leaseMs: leaseMs ?? LEASE_MS,
    maxStalls: maxStalls ?? MAX_STALLS,
    cancelGraceMs: cancelGraceMs ?? CANCEL_GRACE_MS,
    reclaimIntervalMs: RECLAIM_INTERVAL_MS,
    progressFlushMs: PROGRESS_FLUSH_MS,
    isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
    locks: ownerLocks(queue),
  });
}
