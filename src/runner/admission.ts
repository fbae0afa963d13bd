import type { JobRecord } from '../job/job';

/**
 * A scheduling policy the turn loop consults: how many more jobs it lets the runner start now. The loop claims
 * no more than the least room of its policies, and starts no more than that of what a claim brings back (the
 * rest goes back in line). A policy that limits starts (a rate limit, a cap per group) counts them in `started`,
 * keeps its own timers, and calls the runner's `wake()` when room opens again.
 */
export interface Admission {
  /** How many more jobs may start now: 0 holds every claim; `Infinity` when this policy sets no limit. */
  room(): number;
  /** A job was claimed and handed to the executor. */
  started?(job: JobRecord): void;
}

/**
 * The runner's own policy: nothing starts while it is paused, while its page is leaving (`pagehide`), or once it
 * is closing. Runs in progress go on.
 */
export class Hold implements Admission {
  paused = false;
  /** The page is going away (`pagehide`): it starts no job it could not finish. */
  leaving = false;

  room(): number {
    return this.paused || this.leaving ? 0 : Infinity;
  }
}
