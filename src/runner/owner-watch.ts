import type { Clock, TimerHandle } from '../clock';
import { serializeError } from '../errors';
import type { JobRecord } from '../job/job';
import type { JobStore } from '../store/job-store';

/**
 * Owner liveness, as the runner needs it: Web Locks in a browser (see `ownerLocks` in the tabs module), a
 * fake in tests. Each runner holds a lock named after itself for as long as it lives.
 */
export interface OwnerLocks {
  /** Takes `owner`'s lock and holds it until the returned function is called; resolves once held. */
  hold(owner: string): Promise<() => void>;
  /**
   * The owners whose lock is held now; `undefined` where there is no telling (then only lease expiry tells). An
   * owner takes its lock before it claims anything, so one seen on a job before this call and missing from it is dead.
   */
  live(): Promise<ReadonlySet<string> | undefined>;
  /** Calls `onDeath` once `owner`'s lock is free (at once if it is free now); never, where there is no telling. */
  watch(owner: string, onDeath: () => void): void;
}

/** Options of an {@link OwnerWatch}. */
export interface OwnerWatchOptions {
  /** This runner's owner id. */
  owner: string;
  store: JobStore;
  clock: Clock;
  locks: OwnerLocks;
  /** A run's lease: renewed every third of it. */
  leaseMs: number;
  /** How often other owners' runs are checked for a dead owner. */
  reclaimIntervalMs: number;
  /** Runs a job may lose to a dying owner before it fails. */
  maxStalls: number;
  /** Time to renew the leases of this owner's runs, to `leaseUntil`. */
  renew(leaseUntil: number): void;
  /** Jobs of dead owners, stalled: each back in line, or failed at the stall cap. */
  stalled(jobs: readonly JobRecord[]): void;
  /** A periodic check for dead owners is over (found some or not). */
  checked(): void;
  /** A check failed (storage); the next one tries again. */
  error(error: unknown): void;
}

/**
 * This runner's life as an owner: it holds its owner lock, renews the leases of its runs, and takes back the
 * runs of owners that died (their lock is free or, with no locks to tell, their lease expired), as stalls.
 */
export class OwnerWatch {
  readonly #o: OwnerWatchOptions;
  /** Owners whose death is awaited through their lock. */
  readonly #watched = new Set<string>();
  #release: (() => void) | undefined;
  #leaseTimer: TimerHandle | undefined;
  #reclaimTimer: TimerHandle | undefined;
  #closed = false;

  constructor(options: OwnerWatchOptions) {
    this.#o = options;
  }

  /** Takes this owner's lock, before anything is claimed; let go at once if closed meanwhile. */
  async hold(): Promise<void> {
    const release = await this.#o.locks.hold(this.#o.owner);
    if (this.#closed) release();
    else this.#release = release;
  }

  /** Starts renewing leases (every third of `leaseMs`) and checking for dead owners (every `reclaimIntervalMs`). */
  start(): void {
    const renew = () => {
      this.#o.renew(this.#o.clock.now() + this.#o.leaseMs);
      this.#leaseTimer = this.#o.clock.setTimeout(renew, this.#o.leaseMs / 3);
    };
    this.#leaseTimer = this.#o.clock.setTimeout(renew, this.#o.leaseMs / 3);
    const check = () => {
      this.reclaim()
        .catch((error: unknown) => this.#o.error(error))
        .finally(() => {
          if (this.#closed) return;
          this.#o.checked();
          this.#reclaimTimer = this.#o.clock.setTimeout(check, this.#o.reclaimIntervalMs);
        });
    };
    this.#reclaimTimer = this.#o.clock.setTimeout(check, this.#o.reclaimIntervalMs);
  }

  /**
   * Finds runs whose owner died and puts their jobs back in line, or fails them at the stall cap. Owners found
   * alive are watched: their death reclaims at once.
   */
  async reclaim(): Promise<void> {
    const { owner: self, store, locks, clock } = this.#o;
    const active = await store.list({ state: 'active', limit: 100_000 });
    const others = active.filter((job) => job.owner !== self);
    if (others.length === 0) return;
    const live = await locks.live();
    const now = clock.now();
    const dead = new Set<string>();
    for (const job of others) {
      const owner = job.owner ?? '';
      const isDead = live ? !live.has(owner) : (job.leaseUntil ?? 0) < now;
      if (isDead) dead.add(owner);
      else if (live && !this.#watched.has(owner)) {
        this.#watched.add(owner);
        locks.watch(owner, () => {
          this.#watched.delete(owner);
          if (!this.#closed) this.reclaim().catch((error: unknown) => this.#o.error(error));
        });
      }
    }
    if (dead.size === 0) return;
    const stalled = await store.updateActive((job) => dead.has(job.owner ?? ''), {
      type: 'stall',
      maxStalls: this.#o.maxStalls,
      error: serializeError(new Error('The tab or thread running this job went away mid-run')),
    });
    if (stalled.length > 0) this.#o.stalled(stalled);
  }

  /** Stops its timers and lets go of the owner lock: the next runner finds this owner's runs dead. */
  close(): void {
    this.#closed = true;
    for (const timer of [this.#leaseTimer, this.#reclaimTimer]) if (timer !== undefined) this.#o.clock.clearTimeout(timer);
    this.#leaseTimer = this.#reclaimTimer = undefined;
    this.#release?.();
    this.#release = undefined;
  }
}
