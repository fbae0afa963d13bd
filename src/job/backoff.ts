import type { BackoffOptions } from './job';

/** Used when a job has `attempts > 1` and no `backoff`. */
export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  type: 'exponential',
  delay: 1_000,
  maxDelay: 3_600_000,
  jitter: 0.25,
};

/**
 * Milliseconds to wait before retry number `retry` (1 for the first retry): fixed or exponential,
 * capped at `maxDelay`, then jittered downwards by up to `jitter` of itself, so the cap holds.
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(options: BackoffOptions | undefined, retry: number, random: () => number): number {
  const { type, delay, maxDelay, jitter } = { ...DEFAULT_BACKOFF, ...options };
  const base = type === 'fixed' ? delay : delay * 2 ** Math.max(0, retry - 1);
  const capped = Math.min(base, maxDelay);
  return Math.round(capped * (1 - jitter * random()));
}
