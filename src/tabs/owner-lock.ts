/**
 * Owner liveness by Web Locks: each runner holds a lock named after itself for as long as it lives, so
 * whether a job's owner is alive is a question the browser answers, and a lease expiry is only the backstop.
 * One lock manager serves an origin's pages, workers and service worker alike.
 */

import type { OwnerLocks } from '../runner/owner-watch';

/** Whether this context has Web Locks. */
export function hasLocks(): boolean {
  // happy-dom says `null`.
  return typeof navigator !== 'undefined' && navigator.locks != null;
}

/** The lock a runner holds while it lives. */
export function ownerLockName(queue: string, owner: string): string {
  return `offthread:${queue}:owner:${owner}`;
}

/**
 * Takes the owner lock and holds it until `release` is called (or this context dies).
 * Resolves once held; resolves at once where Web Locks are missing.
 */
export function holdOwnerLock(queue: string, owner: string): Promise<() => void> {
  if (!hasLocks()) return Promise.resolve(() => {});
  return new Promise((held) => {
    void navigator.locks.request(ownerLockName(queue, owner), () => new Promise<void>((release) => held(release)));
  });
}

/**
 * The owners of `queue` whose lock is held now; `undefined` where Web Locks are missing (then only lease
 * expiry tells). An owner takes its lock before it claims anything, so an owner seen on a job before this
 * call and missing from its answer is dead.
 */
export async function liveOwners(queue: string): Promise<Set<string> | undefined> {
  if (!hasLocks()) return undefined;
  const snapshot = await navigator.locks.query();
  const prefix = ownerLockName(queue, '');
  const owners = new Set<string>();
  for (const lock of snapshot.held ?? []) {
    if (lock.name?.startsWith(prefix)) owners.add(lock.name.slice(prefix.length));
  }
  return owners;
}

/** Calls `onDeath` once `owner`'s lock is free (at once if it is free now). */
export function watchOwner(queue: string, owner: string, onDeath: () => void): void {
  if (!hasLocks()) return;
  void navigator.locks.request(ownerLockName(queue, owner), async () => onDeath());
}

/** The owner locks of `queue`'s runners, by Web Locks (where they are missing, only lease expiry tells). */
export function ownerLocks(queue: string): OwnerLocks {
  return {
    hold: (owner) => holdOwnerLock(queue, owner),
    live: () => liveOwners(queue),
    watch: (owner, onDeath) => watchOwner(queue, owner, onDeath),
  };
}

/** The lock held by the one runner of a queue in an origin (a tab, or the service worker). */
export function runnerLockName(queue: string): string {
  return `offthread:${queue}:runner`;
}

/**
 * Waits to become the queue's runner: resolves once this context holds the runner lock, which it keeps
 * until `release` is called or it dies. Where Web Locks are missing, every tab runs (claims are still safe).
 * `signal` gives up waiting.
 */
export function becomeRunner(queue: string, signal: AbortSignal): Promise<(() => void) | undefined> {
  if (!hasLocks()) return Promise.resolve(() => {});
  return new Promise((resolve) => {
    navigator.locks
      .request(runnerLockName(queue), { signal }, () => new Promise<void>((release) => resolve(release)))
      .catch(() => resolve(undefined));
  });
}
