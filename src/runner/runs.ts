import { lateClaimAction } from '../job/claim';
import type { JobRecord } from '../job/job';
import type { JobAction } from '../job/transition';
import type { RunResponse } from '../protocol';
import { UNANSWERED_GRACE_MS } from './constants';
import type { RunOutcome } from './run-outcome';
import { endEvent, runOutcome } from './run-outcome';
import { Run, type PendingUpdate, type RunEvents } from './run';
import type { RunnerOptions } from './runner-options';
import { Timer } from './timer';

/** Options of {@link Runs}: the runner's, and what it is told. */
export interface RunsOptions extends Pick<
  RunnerOptions,
  'label' | 'leaseMs' | 'cancelGraceMs' | 'maxStalls' | 'unansweredGraceMs' | 'progressFlushMs' | 'clock' | 'executor' | 'listener'
> {
  /** The runner's owner id, written with each claim. */
  owner: string;
  /** A run began (its claim written or not). */
  started(run: Run): void;
  /** A run ended and its outcome is queued for writing (`outcome`), or, taken unwritten and never begun, its job is still in line (undefined). */
  ended(outcome: RunOutcome | undefined): void;
  /** Writes were queued (progress): a turn should make them. */
  wrote(): void;
}

/**
 * A runner's runs in progress, by job id: each started on the executor, its progress and its end turned into
 * the writes the next turn's commit makes, and told once written.
 */
export class Runs {
  readonly #o: RunsOptions;
  readonly #byJob = new Map<string, Run>();
  readonly #progress: Timer;
  readonly #events: RunEvents = {
    progress: (run, value) => this.#onProgress(run, value),
    ended: (run, response) => this.#onEnded(run, response),
  };
  /** Writes for the next commit, in order. */
  pending: PendingUpdate[] = [];

  constructor(options: RunsOptions) {
    this.#o = options;
    this.#progress = new Timer(options.clock);
  }

  /** Starts a run of `job` (claimed: its claim in the store if `written`) on the executor. */
  start(job: JobRecord, written: boolean): void {
    const run = new Run(job, written, this.#o.clock.now(), this.#events);
    this.#byJob.set(job.id, run);
    this.#o.started(run);
    this.#o.listener.job('active', job);
    this.#o.executor.start(run);
  }

  /** Stops the run of `jobId`, if there is one: its signal aborts now, its worker is killed after the grace period. */
  cancel(jobId: string, reason: Error): boolean {
    const run = this.#byJob.get(jobId);
    if (!run) return false;
    this.#byJob.delete(jobId);
    this.#o.executor.abort(run.runId, reason, this.#o.cancelGraceMs);
    return true;
  }

  get size(): number {
    return this.#byJob.size;
  }

  /** Whether nothing runs and nothing is left to write. */
  get isIdle(): boolean {
    return this.#byJob.size === 0 && this.pending.length === 0;
  }

  values(): IterableIterator<Run> {
    return this.#byJob.values();
  }

  /** Takes the writes queued so far, for a commit. */
  take(): PendingUpdate[] {
    const pending = this.pending;
    this.pending = [];
    return pending;
  }

  /** The jobs claimed and not written: still `waiting` in the store, so the next claim must pass them. */
  unwritten(): JobRecord[] | undefined {
    let jobs: JobRecord[] | undefined;
    for (const run of this.#byJob.values()) if (!run.written) (jobs ??= []).push(run.job);
    return jobs;
  }

  /** Queues the write of a deferred claim, ahead of whatever is written next for the run. */
  writeClaim(run: Run): void {
    if (run.written) return;
    run.written = true;
    const { job } = run;
    const action = lateClaimAction({ owner: this.#o.owner, ranBy: this.#o.label, leaseMs: this.#o.leaseMs }, run.runId, job, this.#o.clock.now());
    this.pending.push({
      update: { id: job.id, action },
      // Refused: the job changed in the store meanwhile (cancelled or removed from another tab): stop the run.
      done: (written) => {
        if (written || this.#byJob.get(job.id) !== run) return;
        this.#byJob.delete(job.id);
        this.#o.executor.abort(run.runId, new Error(`Job ${job.id} changed in storage while it ran`), this.#o.cancelGraceMs);
      },
    });
  }

  /** Queues the write of the progress `run` told since its last write, if any (and of its claim first, if deferred). */
  writeProgress(run: Run): void {
    if (!run.unwritten) return;
    this.writeClaim(run);
    this.pending.push({ update: { id: run.jobId, action: { type: 'progress', token: run.runId, progress: run.unwritten.value } } });
    run.unwritten = undefined;
  }

  /** Queues the renewal of the leases of runs whose claims are written, to `leaseUntil`. */
  renew(leaseUntil: number): void {
    for (const run of this.#byJob.values()) {
      if (run.written) this.pending.push({ update: { id: run.jobId, action: { type: 'renew', token: run.runId, leaseUntil } } });
    }
  }

  /** Queues the release of a job claimed (attempt id `token`) and not run: back in line, its attempt not counted. */
  release(jobId: string, token: string): void {
    this.pending.push({ update: { id: jobId, action: { type: 'release', token } } });
  }

  /** Forgets every run, handing back to the store the jobs of those whose claims are written. */
  handBack(): void {
    // A claim never written has nothing to give back: the job is still waiting in the store.
    for (const run of this.#byJob.values()) if (run.written) this.release(run.jobId, run.runId);
    this.#byJob.clear();
  }

  /** Stops every run at once (`reason`), and forgets what was to be written. */
  drop(reason: Error): void {
    const runs = [...this.#byJob.values()];
    this.#byJob.clear();
    for (const run of runs) this.#o.executor.abort(run.runId, reason, 0);
    this.pending = [];
  }

  /** Stops its timer. */
  close(): void {
    this.#progress.clear();
  }

  #onProgress(run: Run, progress: unknown): void {
    if (this.#byJob.get(run.jobId) !== run) return;
    run.unwritten = { value: progress };
    this.#o.listener.progress(run.job, progress);
    this.#progress.soon(this.#o.progressFlushMs, () => {
      for (const r of this.#byJob.values()) this.writeProgress(r);
      this.#o.wrote();
    });
  }

  #onEnded(run: Run, response: RunResponse): void {
    // A run that was cancelled or handed back is no longer ours to record.
    if (this.#byJob.get(run.jobId) !== run) return;
    this.#byJob.delete(run.jobId);
    // Taken, never written, never begun: it is still waiting in the store, with nothing to write or tell.
    if (!run.written && !response.ok && response.notStarted) return this.#o.ended(undefined);
    this.writeClaim(run);
    // Progress told since the last write goes in with the outcome: the job keeps the last value its run reported.
    this.writeProgress(run);
    const { clock, maxStalls, unansweredGraceMs = UNANSWERED_GRACE_MS, listener } = this.#o;
    const outcome = runOutcome(run.job, run.runId, response, { now: clock.now(), maxStalls, unansweredGraceMs });
    this.pending.push({
      update: { id: run.jobId, action: outcome.action },
      done: (job) => {
        // A run that never began is back in line with nothing to tell.
        if (!job || !outcome.told) return;
        if (outcome.told === 'stalled') listener.job('stalled', job);
        else listener.job(endEvent(job), job, response.ok ? response.value : undefined);
      },
    });
    this.#o.ended(outcome);
  }
}
