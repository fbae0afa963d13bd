import type { ClaimRequest } from '../job/claim';
import type { JobCounts, JobRecord, JobState } from '../job/job';
import type { NewJob } from '../job/job-options';
import type { JobAction } from '../job/transition';
import type { ScheduleRecord } from '../schedule/schedule';

export type { ClaimRequest } from '../job/claim';

/** One action on one stored job. */
export interface JobUpdate {
  id: string;
  action: JobAction;
}

/** What one commit did. */
export interface CommitResult {
  /** Each update's job after it, in the order given; `null` where it was refused (a stale attempt). */
  updated: Array<JobRecord | null>;
  /** The jobs claimed, best first: priority, then order of becoming ready. */
  claimed: JobRecord[];
  /** When the earliest delayed job is due, if any; only looked up when claiming. */
  nextRunAt: number | undefined;
}

/** A page of the stored jobs. */
export interface ListQuery {
  state?: JobState | undefined;
  /** @default 50 */
  limit?: number | undefined;
  /** @default 0 */
  offset?: number | undefined;
  /**
   * `desc` is newest first.
   * @default 'desc'
   */
  order?: 'asc' | 'desc' | undefined;
}

/** Which finished jobs `clean` deletes. */
export interface CleanQuery {
  state: 'completed' | 'failed' | 'cancelled';
  /** Deletes those that finished before this time (epoch ms). */
  finishedBefore?: number | undefined;
  /** Deletes all but the newest `keep`. */
  keep?: number | undefined;
  /** Deletes at most this many (one transaction stays short). */
  limit: number;
}

/** What a store needs besides its data: the time, and randomness for backoff jitter. */
export interface StoreEnv {
  now(): number;
  random(): number;
}

/**
 * Where jobs live. Every change goes through `transition`, and every method is one transaction, so
 * several tabs can share a store: claims are a compare-and-set, and a write from a stale attempt is refused.
 */
export interface JobStore {
  readonly kind: 'indexeddb' | 'memory';
  /**
   * Stores the jobs, all or none. A job whose id is already stored is not added: its stored record is
   * returned, with `created: false`.
   */
  add(jobs: readonly NewJob[]): Promise<Array<{ job: JobRecord; created: boolean }>>;
  /**
   * Applies `updates` in order, then (if asked) moves due delayed jobs to `waiting` and claims up to
   * `claim.max` of the best ready jobs: all in one transaction.
   */
  commit(updates: readonly JobUpdate[], claim?: ClaimRequest): Promise<CommitResult>;
  /** Applies `action` (as `stall`) to each `active` job for which `select` is true, in one transaction. */
  updateActive(select: (job: JobRecord) => boolean, action: JobAction): Promise<JobRecord[]>;
  get(id: string): Promise<JobRecord | undefined>;
  /** Deletes jobs whatever their state; returns those it found. */
  remove(ids: readonly string[]): Promise<JobRecord[]>;
  /** Deletes finished jobs, oldest first; returns their ids. */
  clean(query: CleanQuery): Promise<string[]>;
  list(query?: ListQuery): Promise<JobRecord[]>;
  counts(): Promise<JobCounts>;
  putSchedule(schedule: ScheduleRecord): Promise<void>;
  /** Resolves false if there was no such schedule. */
  deleteSchedule(id: string): Promise<boolean>;
  listSchedules(): Promise<ScheduleRecord[]>;
  /**
   * Turns due slots of a schedule into jobs and moves the schedule on, in one transaction, if the schedule
   * still expects `expectedNextRunAt` (another runner may have done it first). Slot jobs have ids of their
   * own, so adding one twice adds it once. Resolves with the jobs created, or `null` if it did nothing.
   */
  materialize(
    id: string,
    expectedNextRunAt: number,
    jobs: readonly NewJob[],
    next: { nextRunAt: number | undefined; lastRunAt: number | undefined },
  ): Promise<JobRecord[] | null>;
  /** A small value about the queue as a whole (such as whether it is paused). */
  getMeta(key: string): Promise<unknown>;
  setMeta(key: string, value: unknown): Promise<void>;
  close(): void;
}
