import type { Clock } from '../clock';
import type { JobRecord } from '../job/job';
import type { JobStore } from '../store/job-store';
import type { Admission } from './admission';
import type { Executor } from './executor';
import type { OwnerLocks } from './owner-watch';

/**
 * What happened to a job in a runner: it started (`active`), and then its run was recorded as `completed`,
 * `failed`, or `retrying` (back to `delayed` or `waiting`), or its owner died mid-run (`stalled`: waiting
 * again, or failed at the stall cap).
 */
export type RunnerEvent = 'active' | 'completed' | 'failed' | 'retrying' | 'stalled';

/** What the runner tells its queue. */
export interface RunnerListener {
  /** `job` is the job after the event; `value` is the handler's result when it completed. */
  job(event: RunnerEvent, job: JobRecord, value?: unknown): void;
  progress(job: JobRecord, progress: unknown): void;
  /** Nothing is running and nothing is ready. */
  drained(): void;
  /** Storage failed in the background; the runner tries again. */
  error(error: unknown): void;
}

/** Options of a {@link Runner}; `createRunner` gives the defaults the page and the service worker share. */
export interface RunnerOptions {
  store: JobStore;
  executor: Executor;
  clock: Clock;
  listener: RunnerListener;
  concurrency: number;
  /** A run's lease: how long its job stays claimed if its owner stops renewing it (and has no Web Lock). */
  leaseMs: number;
  /** Runs a job may lose to a dying tab or worker before it fails. */
  maxStalls: number;
  /** After a cancel, how long a handler has to stop before its worker is terminated. */
  cancelGraceMs: number;
  /** How often other owners' runs are checked for a dead owner. */
  reclaimIntervalMs: number;
  /** How often stored progress is brought up to date. */
  progressFlushMs: number;
  /** Whether the network is up: jobs that need it wait while it is not. */
  isOnline: () => boolean;
  /** Owner liveness (Web Locks in a browser): see {@link OwnerLocks}. */
  locks: OwnerLocks;
  /** See `UNANSWERED_GRACE_MS`, its default. */
  unansweredGraceMs?: number | undefined;
  /** Only jobs of these tasks (all when undefined). */
  names?: ReadonlySet<string> | undefined;
  /** Which context this is, as recorded in each job's `ranBy`. */
  label: string;
  /** Scheduling policies consulted before each claim, besides the runner's own pause (see {@link Admission}). */
  admissions?: readonly Admission[] | undefined;
  /**
   * Where this runner may defer writing the claims of short jobs (see `CLAIM_WRITE_MS`): `true`, for all
   * it takes; `'offered'`, only for jobs it starts at once when their own context offers them (a store where a
   * write costs nothing, memory, but a turn does). Only where no other runner can take the same jobs meanwhile:
   * it holds the queue's runner lock, or the store is its own.
   */
  deferClaims?: boolean | 'offered' | undefined;
  /**
   * While jobs are short (the executor lines them up), how many jobs per slot (`concurrency`) to take ahead of
   * room in the executor: they wait for it here. For a store where a claim costs a round trip. A worker that ends
   * a run then finds the next one here at once, not a commit away: the commit that writes a run's end and claims
   * the next job (after the one under way, if any) often took longer than the run lined up behind it, and the
   * worker waited. A job of higher priority added meanwhile waits for these too. 0 by default.
   */
  claimAhead?: number | undefined;
}
