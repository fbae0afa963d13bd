import type { Clock } from '../clock';
import type { Run } from './run';
import { Timer } from './timer';

/**
 * Short jobs (the pool lines several up per worker: their runs take under a few ms) are claimed without
 * writing the claim: the job stays `waiting` in the store, and the claim is written together with the run's
 * outcome, one write instead of two, if the run ends within this time, or on its own once it has been running
 * this long. If the tab dies in between, such a job is run again as the same attempt (it never counted),
 * as a job lined up in a worker that died before it began.
 */
export const CLAIM_WRITE_MS = 50;

/** Options of {@link DeferredClaims}. */
export interface DeferredClaimsOptions {
  clock: Clock;
  /** The runs in progress. */
  runs(): Iterable<Run>;
  /** Queues the write of `run`'s claim. */
  write(run: Run): void;
  /** Claims were queued for writing: a turn should write them. */
  wrote(): void;
}

/** Writes the claims of deferred runs once they have gone on for CLAIM_WRITE_MS, on a timer of its own. */
export class DeferredClaims {
  readonly #o: DeferredClaimsOptions;
  readonly #timer: Timer;

  constructor(options: DeferredClaimsOptions) {
    this.#o = options;
    this.#timer = new Timer(options.clock);
  }

  /** A run began with its claim unwritten. */
  started(): void {
    this.#timer.soon(CLAIM_WRITE_MS, () => this.#writeLong());
  }

  close(): void {
    this.#timer.clear();
  }

  /** Writes the claims of deferred runs that have gone on for CLAIM_WRITE_MS; comes back for the others. */
  #writeLong(): void {
    const now = this.#o.clock.now();
    let next = Infinity;
    let wrote = false;
    for (const run of this.#o.runs()) {
      if (run.written) continue;
      if (now - run.since >= CLAIM_WRITE_MS) (this.#o.write(run), (wrote = true));
      else next = Math.min(next, run.since + CLAIM_WRITE_MS - now);
    }
    if (next < Infinity) this.#timer.set(next, () => this.#writeLong());
    if (wrote) this.#o.wrote();
  }
}
