import type { JobRecord } from '../job/job';
import type { RunResponse } from '../protocol';
import type { JobUpdate } from '../store/job-store';
import type { ExecutorRun } from './executor';

/** Where a {@link Run} tells what happens to it: one object per runner, not closures per run. */
export interface RunEvents {
  progress(run: Run, value: unknown): void;
  ended(run: Run, response: RunResponse): void;
}

/** A write the next turn's commit makes. */
export interface PendingUpdate {
  update: JobUpdate;
  /** Told the job after the update; `null` if the update was refused (stale). */
  done?: (job: JobRecord | null) => void;
}

/** A run of a runner: the request its executor runs, and the runner's record of it. */
export class Run implements ExecutorRun {
  /** The attempt id: the job's claim token. */
  readonly runId: string;
  readonly jobId: string;
  readonly name: string;
  readonly data: unknown;
  readonly attempt: number;
  readonly timeoutMs: number | undefined;
  /** Progress told since it was last written. */
  unwritten: { value: unknown } | undefined = undefined;
  readonly #events: RunEvents;

  constructor(
    readonly job: JobRecord,
    /** Whether its claim is in the store. A deferred claim is written with the outcome, or after CLAIM_WRITE_MS. */
    public written: boolean,
    /** When it was dispatched, by the runner's clock. */
    readonly since: number,
    events: RunEvents,
  ) {
    this.runId = job.token!;
    this.jobId = job.id;
    this.name = job.name;
    this.data = job.data;
    this.attempt = job.attempt;
    this.timeoutMs = job.timeout;
    this.#events = events;
  }

  progress(value: unknown): void {
    this.#events.progress(this, value);
  }

  ended(response: RunResponse): void {
    this.#events.ended(this, response);
  }
}
