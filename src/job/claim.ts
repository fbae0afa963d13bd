import type { JobRecord } from './job';
import type { JobAction } from './transition';

/** A runner taking one job for one run, as a store applies it through `transition`. */
export type ClaimAction = Extract<JobAction, { type: 'claim' }>;

/** Who takes jobs, and for how long: the same for every claim one runner makes. */
export interface Claimant {
  owner: string;
  /** Which context runs the jobs, as recorded in `ranBy`. */
  ranBy: string;
  leaseMs: number;
}

/** Which waiting jobs a claim may take (see {@link eligibility}). */
export interface ClaimFilter {
  /** When false, jobs that need the network are left waiting. */
  online: boolean;
  /** Only jobs of these tasks (all when undefined): a service worker runs only the tasks it may. */
  names?: ReadonlySet<string> | undefined;
  /**
   * Jobs this runner holds and has not written yet (taken with `defer`, or run as soon as they were added): they
   * are still `waiting` in the store, and must not be handed out again.
   */
  skip?: readonly JobRecord[] | undefined;
}

/** A runner asking for up to `max` ready jobs, leased to `owner` for `leaseMs`. */
export interface ClaimRequest extends Claimant, ClaimFilter {
  max: number;
  /** A fresh attempt id for each job claimed. */
  token: () => string;
  /**
   * Return the claimed jobs (as `active`, with their attempt id) without writing the claim: the runner writes
   * it later (see {@link lateClaimAction}), together with the run's outcome if the run is over by then. Only for
   * a runner that holds the queue's runner lock, so that no other runner can take the same jobs meanwhile.
   */
  defer?: boolean | undefined;
}

/** What a store asks of a claim about the jobs in its line. */
export interface Eligibility {
  /** Whether the claim may take this job. */
  admits(job: JobRecord): boolean;
  /** Whether it may take jobs that need the network (a store may keep those in a part of the line of their own). */
  network: boolean;
  /**
   * Whether it turns away waiting jobs for what they are, beyond their need of the network: a store that reads
   * its line in order then walks past the jobs it turns away, rather than reading the head of the line.
   */
  narrow: boolean;
}

/**
 * The one test of whether a claim may take a job, for every store and the runner. A new rule about which jobs
 * a claim may take (a group's turn, a task's concurrency) goes here, and every store follows it.
 */
export function eligibility({ online, names, skip }: ClaimFilter): Eligibility {
  const skipped = skip?.length ? new Set(skip.map((job) => job.id)) : undefined;
  return {
    admits: (job) =>
      job.state === 'waiting' && (online || !job.requiresNetwork) && (names === undefined || names.has(job.name)) && !skipped?.has(job.id),
    network: online,
    narrow: names !== undefined,
  };
}

/** The claim of a job taken now with `token`, its lease running from `now`. */
export function claimAction(claimant: Claimant, token: string, now: number): ClaimAction {
  return { type: 'claim', token, owner: claimant.owner, leaseUntil: now + claimant.leaseMs, ranBy: claimant.ranBy };
}

/**
 * The claim of a job taken earlier without being written (`taken`, as the claim returned it, under its attempt id
 * `token`), written `now`: it keeps the run's start, and applies only if the job is still as it was when taken.
 */
export function lateClaimAction(claimant: Claimant, token: string, taken: JobRecord, now: number): ClaimAction {
  return { ...claimAction(claimant, token, now), at: taken.startedAt, expect: { attempt: taken.attempt - 1, runAt: taken.runAt } };
}
