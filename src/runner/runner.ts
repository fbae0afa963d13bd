import type { Clock, TimerHandle } from '../clock';
import { serializeError, type SerializedError } from '../errors';
import { claimAction, eligibility, lateClaimAction, type Claimant } from '../job/claim';
import type { JobRecord } from '../job/job';
import { newId } from '../job/new-id';
import { transition, type JobAction } from '../job/transition';
import type { RunRequest, RunResponse } from '../protocol';
import type { JobStore, JobUpdate } from '../store/job-store';
import { holdOwnerLock, liveOwners, watchOwner } from '../tabs/owner-lock';

/**
 * One run handed to an {@link Executor}: what to run, and where its progress and its outcome go. The runner's
 * own record of a run is this object, so that a run costs no options, closures or promise of its own.
 */
export interface ExecutorRun extends RunRequest {
  /** Each `ctx.progress` value, while the run goes on. */
  progress(value: unknown): void;
  /** The run's outcome: told once, and never before `start` has returned. */
  ended(response: RunResponse): void;
}

/** Runs jobs: the worker pool in a page, the thread itself in a service worker. */
export interface Executor {
  /** Starts `run` (stopped past its `timeoutMs`, if it has one); its progress and outcome go to `run`. Never throws. */
  start(run: ExecutorRun): void;
  /** Stops a run: aborts its signal now, and kills it after `graceMs`. */
  abort(runId: string, reason: Error, graceMs: number): void;
  /**
   * How many runs it takes at once now, if not `concurrency`: a pool that lines up tiny jobs in its
   * workers takes more, so that one commit claims a batch of them.
   */
  readonly capacity?: number;
  close(): void;
}

/** What the runner tells its queue. */
export interface RunnerListener {
  active(job: JobRecord): void;
  progress(job: JobRecord, progress: unknown): void;
  /**
   * A run ended and was recorded: `job` is the job after it (`completed`, `failed`, or back to `delayed` or
   * `waiting` for a retry); `value` is the handler's result when it completed.
   */
  settled(job: JobRecord, value: unknown): void;
  /** A job's owner died mid-run; `job` is the job after it (waiting again, or failed at the stall cap). */
  stalled(job: JobRecord): void;
  /** Nothing is running and nothing is ready. */
  drained(): void;
  /** Storage failed in the background; the runner tries again. */
  error(error: unknown): void;
}

/** Options of a {@link Runner}. */
export interface RunnerOptions {
  queue: string;
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
  /** See {@link UNANSWERED_GRACE_MS}, its default. */
  unansweredGraceMs?: number | undefined;
  /** Only jobs of these tasks (all when undefined). */
  names?: ReadonlySet<string> | undefined;
  /** Which context this is, as recorded in each job's `ranBy`. */
  label: string;
  /**
   * Where this runner may defer writing the claims of short jobs (see {@link CLAIM_WRITE_MS}): `true`, for all
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

/** Where a {@link Run} tells what happens to it: one object per runner, not closures per run. */
interface RunEvents {
  progress(run: Run, value: unknown): void;
  ended(run: Run, response: RunResponse): void;
}

/** A run of this runner: the request its executor runs, and the runner's record of it. */
class Run implements ExecutorRun {
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

interface PendingUpdate {
  update: JobUpdate;
  /** Told the job after the update; `null` if the update was refused (stale). */
  done?: (job: JobRecord | null) => void;
}

/** How long the loop waits before trying again after storage failed. */
const STORAGE_RETRY_MS = 1_000;
/**
 * After a network job's request got no answer at all although the browser said it was online (a captive
 * portal, a dead access point, an emulated network), network jobs are held back this long, doubling up to
 * the cap while it keeps happening; an `online` event or an answered request ends the wait.
 */
const NETWORK_PROBE_MS = 1_000;
const NETWORK_PROBE_CAP_MS = 60_000;
/**
 * How long a network job's requests may keep getting no answer while the browser says it is online before
 * that counts as failing: its attempts are spent from then on (with its backoff), so a host that is down, a
 * wrong URL or a CORS refusal ends in the failed set rather than waiting forever. Offline, it waits for good.
 */
export const UNANSWERED_GRACE_MS = 15 * 60_000;
/**
 * Short jobs (the pool lines several up per worker: their runs take under a few ms) are claimed without
 * writing the claim: the job stays `waiting` in the store, and the claim is written together with the run's
 * outcome, one write instead of two, if the run ends within this time, or on its own once it has been running
 * this long. If the tab dies in between, such a job is run again as the same attempt (it never counted),
 * as a job lined up in a worker that died before it began.
 */
export const CLAIM_WRITE_MS = 50;
/** setTimeout's longest delay is 2^31 - 1 ms; a far due time is reached in hops. */
const LONGEST_TIMER_MS = 3_600_000;

/**
 * The loop that claims, dispatches and records. Each turn is one store commit that records every run that
 * ended (and any progress) and claims as many jobs as there are free slots, so a burst of small jobs costs
 * one transaction per batch, not per state change. Knows nothing of pages or service workers: it is given
 * a store and an executor.
 */
export class Runner {
  readonly owner = newId();
  readonly #o: RunnerOptions;
  readonly #runs = new Map<string, Run>();
  #pending: PendingUpdate[] = [];
  #turning = false;
  #again = false;
  #paused = false;
  /** The page is going away (`pagehide`): it starts no job it could not finish. */
  #leaving = false;
  #closed = false;
  /** `close()` has begun: a write that storage refuses is given up, not tried again forever. */
  #closing = false;
  #drained = false;
  /**
   * The last claim found nothing more to take, and nothing that may put jobs in line has happened since: a
   * commit that only records runs makes no claim then (an idle queue's job costs one transaction less).
   */
  #lineEmpty = false;
  /** Something may have put jobs in line since the current turn's claim was asked for. */
  #lineWoken = false;
  /** Woken from outside since the last claim: jobs may have joined the line anywhere in it. */
  #fromStart = true;
  /** A claim has read the line from where the store last found its head, not from its start, since the last that did. */
  #readFromFloor = false;
  /** Wakes from outside so far: a claim made from the start is good for the line as it was before it. */
  #outsideWakes = 0;
  #failing = false;
  #wakeQueued = false;
  #started: Promise<void> | undefined;
  #releaseLock: (() => void) | undefined;
  #dueTimer: TimerHandle | undefined;
  #retryTimer: TimerHandle | undefined;
  #progressTimer: TimerHandle | undefined;
  #leaseTimer: TimerHandle | undefined;
  #reclaimTimer: TimerHandle | undefined;
  #networkTimer: TimerHandle | undefined;
  #claimTimer: TimerHandle | undefined;
  /** Network jobs wait until then (see NETWORK_PROBE_MS); the wait doubles while requests keep failing. */
  #networkDownUntil = 0;
  #networkProbeMs = 0;
  readonly #watched = new Set<string>();
  readonly #idle = new Set<() => void>();
  readonly #unansweredGraceMs: number;
  readonly #runEvents: RunEvents = {
    progress: (run, value) => this.#onProgress(run, value),
    ended: (run, response) => this.#onEnded(run, response),
  };

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#unansweredGraceMs = options.unansweredGraceMs ?? UNANSWERED_GRACE_MS;
  }

  /** Jobs running now. */
  get running(): number {
    return this.#runs.size;
  }

  /** Takes this runner's owner lock, reclaims runs whose owner died, and starts the loop. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      this.#releaseLock = await holdOwnerLock(this.#o.queue, this.owner);
      if (this.#closed) return this.#releaseLock();
      await this.reclaim().catch((error: unknown) => {
        if (!this.#closed) this.#o.listener.error(error);
      });
      if (this.#closed) return;
      this.#scheduleLeaseRenewal();
      this.wake();
    })();
    return this.#started;
  }

  /** Something may be ready: take a turn soon. */
  wake(): void {
    // From outside: jobs may have joined the line anywhere in it.
    this.#fromStart = true;
    this.#outsideWakes++;
    this.#wakeUp();
  }

  /** A wake that may have put jobs in line: from outside (`wake`), or the runner's own (a due or network timer). */
  #wakeUp(): void {
    this.#lineEmpty = false;
    this.#lineWoken = true;
    this.#kick();
  }

  /** Takes a turn (another, if one is under way) for what there is to write; what is known of the line stands. */
  #kick(): void {
    if (this.#closed || !this.#started) return;
    if (this.#turning) {
      this.#again = true;
      return;
    }
    void this.#turn();
  }

  /**
   * Jobs this context has just stored. When the line was empty at the last look, a slot is free for each,
   * and claims may be deferred, they run at once, taken as the store would have given them, without a
   * transaction to find them. Otherwise a turn looks in the store as usual.
   */
  offer(jobs: readonly JobRecord[]): void {
    const { admits: runnable } = eligibility({ online: this.#isOnline(), names: this.#o.names });
    if (!this.#lineEmpty || this.#turning || this.#closed || !this.#started || !this.#o.deferClaims || !this.#short() || jobs.length > this.#free() || !jobs.every(runnable)) {
      return this.wake();
    }
    const now = this.#o.clock.now();
    const env = { now, random: Math.random };
    for (const job of jobs) {
      const claimed = transition(job, claimAction(this.#claimant(), newId(), now), env);
      if (claimed) this.#dispatch(claimed, false);
    }
    this.#drained = false;
  }

  /** How many more jobs this runner may take now: none while paused or leaving. */
  #free(): number {
    if (this.#paused || this.#leaving) return 0;
    return (this.#o.executor.capacity ?? this.#o.concurrency) + this.#spares() - this.#runs.size;
  }

  /** Jobs taken ahead of room in the executor (see `RunnerOptions.claimAhead`). */
  #spares(): number {
    return this.#short() ? (this.#o.claimAhead ?? 0) * this.#o.concurrency : 0;
  }

  /** Whether jobs are short now: the pool lines them up, taking more than one per worker. */
  #short(): boolean {
    return (this.#o.executor.capacity ?? 0) > this.#o.concurrency;
  }

  /** Whether the claims of turns are deferred now (see CLAIM_WRITE_MS). */
  #defers(): boolean {
    return this.#o.deferClaims === true && this.#short();
  }

  /** Stops claiming, and starting what a claim under way brings back; runs in progress go on. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.wake();
  }

  /**
   * The page is going away (`true`, at `pagehide`) or is shown again (`false`, at `pageshow` from the
   * back/forward cache). A page that is leaving claims nothing more: a job it took now would wait for its
   * lease to run out, or run again. Runs in progress go on as long as the page lives. Apart from `pause()`:
   * either one stops claiming.
   */
  leaving(leaving: boolean): void {
    this.#leaving = leaving;
    if (!leaving) this.wake();
  }

  /**
   * The job was cancelled in the store: stop its run here, if it runs here. The handler's `ctx.signal`
   * aborts now and its worker is terminated if it has not stopped after the grace period.
   */
  cancelled(jobId: string, reason: Error): void {
    const run = this.#runs.get(jobId);
    if (!run) return;
    this.#runs.delete(jobId);
    this.#o.executor.abort(run.runId, reason, this.#o.cancelGraceMs);
    this.wake();
  }

  /**
   * Finds runs whose owner died (its Web Lock is free, or, without Web Locks, its lease expired) and puts
   * their jobs back in line, or fails them at the stall cap.
   */
  async reclaim(): Promise<void> {
    const active = await this.#o.store.list({ state: 'active', limit: 100_000 });
    const others = active.filter((job) => job.owner !== this.owner);
    if (others.length === 0) return;
    const live = await liveOwners(this.#o.queue);
    const now = this.#o.clock.now();
    const dead = new Set<string>();
    for (const job of others) {
      const owner = job.owner ?? '';
      const isDead = live ? !live.has(owner) : (job.leaseUntil ?? 0) < now;
      if (isDead) dead.add(owner);
      else if (live && !this.#watched.has(owner)) {
        this.#watched.add(owner);
        watchOwner(this.#o.queue, owner, () => {
          this.#watched.delete(owner);
          if (!this.#closed) this.reclaim().catch((error: unknown) => this.#o.listener.error(error));
        });
      }
    }
    if (dead.size === 0) return;
    const stalled = await this.#o.store.updateActive((job) => dead.has(job.owner ?? ''), {
      type: 'stall',
      maxStalls: this.#o.maxStalls,
      error: serializeError(new Error('The tab or thread running this job went away mid-run')),
    });
    for (const job of stalled) this.#o.listener.stalled(job);
    if (stalled.length > 0) this.wake();
  }

  /**
   * Stops. Without `force`, waits for runs in progress to end and be recorded. With `force`, hands them
   * back to the store unrun (their attempt not counted) and stops at once.
   */
  async close({ force = false }: { force?: boolean } = {}): Promise<void> {
    // Abandoned already (storage taken away): nothing is left to wait for, nor to write.
    if (this.#closed) return this.#releaseLock?.();
    this.#paused = true;
    this.#closing = true;
    if (force) {
      for (const [jobId, run] of this.#runs) {
        // A claim never written has nothing to give back: the job is still waiting in the store.
        if (run.written) this.#pending.push({ update: { id: jobId, action: { type: 'release', token: run.runId } } });
      }
      this.#runs.clear();
    }
    this.wake();
    await this.#whenIdle();
    this.#closed = true;
    for (const timer of [this.#dueTimer, this.#retryTimer, this.#progressTimer, this.#leaseTimer, this.#reclaimTimer, this.#networkTimer, this.#claimTimer]) {
      if (timer !== undefined) this.#o.clock.clearTimeout(timer);
    }
    this.#releaseLock?.();
  }

  /**
   * Lets go at once, writing nothing (storage is gone from under it, as when a newer version took the
   * database): runs are dropped, and the owner lock is released so that the next runner takes their jobs back.
   */
  abandon(): void {
    this.#paused = true;
    this.#closed = true;
    const runs = [...this.#runs.values()];
    this.#runs.clear();
    for (const run of runs) this.#o.executor.abort(run.runId, new Error('The runner let go of the queue'), 0);
    this.#pending = [];
    for (const timer of [this.#dueTimer, this.#retryTimer, this.#progressTimer, this.#leaseTimer, this.#reclaimTimer, this.#networkTimer, this.#claimTimer]) {
      if (timer !== undefined) this.#o.clock.clearTimeout(timer);
    }
    this.#releaseLock?.();
    for (const resolve of this.#idle) resolve();
    this.#idle.clear();
  }

  /**
   * The store came back empty (storage cleared, or the database deleted): the jobs of the runs in progress are
   * gone, so their runs are stopped and nothing of them is written; the line is read again from its start.
   */
  storageLost(reason: Error): void {
    const runs = [...this.#runs.values()];
    this.#runs.clear();
    for (const run of runs) this.#o.executor.abort(run.runId, reason, 0);
    this.#pending = [];
    this.#fromStart = true;
    this.#lineEmpty = false;
    this.wake();
  }

  /** Resolves once no run is in progress and every update is written (or given up, once closing). */
  #whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  #isIdle(): boolean {
    return this.#runs.size === 0 && this.#pending.length === 0 && !this.#turning;
  }

  async #turn(): Promise<void> {
    this.#turning = true;
    // What the last commit has to tell (its runs' ends), told once the next commit is under way: the store
    // works on that one while this thread tells listeners, instead of one waiting for the other.
    let tell: (() => void) | undefined;
    const flush = () => {
      const told = tell;
      tell = undefined;
      told?.();
    };
    try {
      do {
        this.#again = false;
        this.#lineWoken = false;
        const pending = this.#pending;
        this.#pending = [];
        // Nothing to claim when the line was empty at the last look and nothing has put jobs in it since.
        const free = this.#lineEmpty ? 0 : this.#free();
        if (pending.length === 0 && free <= 0) break;
        // Claims of short jobs are deferred (see CLAIM_WRITE_MS): the pool lines them up, so it takes more than one per worker.
        const defer = this.#defers();
        const claim =
          free > 0
            ? {
                ...this.#claimant(),
                max: free,
                token: newId,
                online: this.#isOnline(),
                names: this.#o.names,
                defer,
                skip: this.#unwritten(),
              }
            : undefined;
        const fromStart = this.#fromStart;
        const wakesBefore = this.#outsideWakes;

        let result;
        try {
          const committing = this.#o.store.commit(
            pending.map((p) => p.update),
            claim,
          );
          flush();
          result = await committing;
          this.#failing = false;
        } catch (error) {
          flush();
          // Whatever was written, jobs may have gone back in line: look again.
          this.#lineEmpty = false;
          if (!(await this.#commitOneByOne(pending, error))) return;
          // The updates are written; the claim was not made: make it again.
          this.#again = true;
          continue;
        }
        // The workers first, then the listeners. A claim that comes back once the runner is paused, closing or
        // leaving the page starts nothing: its jobs go back in line (a deferred claim was never written, so they
        // are there still), where `resume()` and `leaving(false)` look again from its start (`wake`).
        const stopped = this.#paused || this.#leaving;
        for (const job of result.claimed) {
          if (!stopped) this.#dispatch(job, !claim?.defer);
          else if (!claim?.defer) this.#pending.push({ update: { id: job.id, action: { type: 'release', token: job.token! } } }), (this.#again = true);
        }

        const { updated } = result;
        tell = () => pending.forEach((p, i) => p.done?.(updated[i] ?? null));
        if (!claim) {
          // A retry (or a job handed back) went into line: look for it, in the next commit.
          if (updated.some((job) => job?.state === 'waiting' || job?.state === 'delayed')) (this.#lineEmpty = false), (this.#again = true);
          else if (this.#lineEmpty) this.#drainedIfIdle(flush, 0);
          continue;
        }

        this.#armDueTimer(result.nextRunAt);
        this.#readFromFloor = !fromStart;
        if (fromStart && this.#outsideWakes === wakesBefore) this.#fromStart = false;
        this.#lineEmpty = result.claimed.length < claim.max && !this.#lineWoken;
        if (result.claimed.length === claim.max) this.#again = true;
        else this.#drainedIfIdle(flush, result.claimed.length);
        if (result.claimed.length > 0) this.#drained = false;
      } while (this.#again);
    } finally {
      flush();
      this.#turning = false;
      if (this.#again) this.#kick();
      else if (this.#isIdle()) for (const resolve of this.#idle) (this.#idle.delete(resolve), resolve());
    }
  }

  /** Tells `drained` if nothing runs and nothing is left to write, once the last ends are told (which may add jobs). */
  #drainedIfIdle(flush: () => void, claimed: number): void {
    if (this.#runs.size > 0 || this.#pending.length > 0) return;
    flush();
    if (this.#runs.size === 0 && this.#pending.length === 0 && !this.#again) this.#noteDrained(claimed);
  }

  /**
   * The batched commit failed. One bad update (a result IndexedDB cannot store, say) must not sink the
   * others: write them one by one, and record the job of an update that still fails as failed with why.
   * If storage itself is failing (or there was nothing but the claim), put everything back, report it once,
   * and try again later: resolves false then.
   */
  async #commitOneByOne(pending: PendingUpdate[], batchError: unknown): Promise<boolean> {
    const storageFailing = () => {
      if (this.#closing) {
        // Closing: the writes are given up, so that close() ends. The jobs stay `active` under this runner,
        // whose owner lock goes with it: the next runner takes them back.
        this.#o.listener.error(batchError);
        return false;
      }
      this.#pending.unshift(...pending);
      // Told once per run of failures, not at every retry.
      if (!this.#failing) this.#o.listener.error(batchError);
      this.#failing = true;
      this.#retryTimer = this.#o.clock.setTimeout(() => this.wake(), STORAGE_RETRY_MS);
      return false;
    };
    if (pending.length === 0) return storageFailing();
    while (pending.length > 0) {
      const p = pending[0]!;
      let job: JobRecord | null;
      try {
        job = (await this.#o.store.commit([p.update])).updated[0] ?? null;
      } catch (error) {
        const action = p.update.action;
        if (action.type !== 'complete' || !isDataCloneError(error)) return storageFailing();
        const failure = new TypeError(`The job's result cannot be stored in IndexedDB: ${String((error as Error).message)}`);
        const fail: JobAction = { type: 'fail', token: action.token, error: serializeError(failure), unrecoverable: true };
        try {
          job = (await this.#o.store.commit([{ id: p.update.id, action: fail }])).updated[0] ?? null;
        } catch {
          return storageFailing();
        }
      }
      pending.shift();
      p.done?.(job);
    }
    this.#failing = false;
    return true;
  }

  #dispatch(job: JobRecord, written: boolean): void {
    const run = new Run(job, written, this.#o.clock.now(), this.#runEvents);
    this.#runs.set(job.id, run);
    if (!written) this.#claimTimer ??= this.#o.clock.setTimeout(() => this.#writeLongClaims(), CLAIM_WRITE_MS);
    this.#o.listener.active(job);
    this.#o.executor.start(run);
  }

  #onProgress(run: Run, progress: unknown): void {
    if (this.#runs.get(run.job.id) !== run) return;
    run.unwritten = { value: progress };
    this.#o.listener.progress(run.job, progress);
    this.#progressTimer ??= this.#o.clock.setTimeout(() => {
      this.#progressTimer = undefined;
      for (const r of this.#runs.values()) {
        if (!r.unwritten) continue;
        this.#writeClaim(r);
        this.#pending.push({ update: { id: r.job.id, action: { type: 'progress', token: r.runId, progress: r.unwritten.value } } });
        r.unwritten = undefined;
      }
      this.#kick();
    }, this.#o.progressFlushMs);
  }

  #onEnded(run: Run, response: RunResponse): void {
    // A run that was cancelled or handed back is no longer ours to record.
    if (this.#runs.get(run.job.id) !== run) return;
    this.#runs.delete(run.job.id);
    if (!run.written && !response.ok && response.notStarted) {
      // Taken, never written, never begun: it is still waiting in the store, with nothing to write or tell,
      // maybe below where the store reads the line from now.
      this.#fromStart = true;
      this.#lineEmpty = false;
      this.#lineWoken = true;
      this.#wakeSoon();
      return;
    }
    this.#writeClaim(run);
    // Progress told since the last write goes in with the outcome: the job keeps the last value its run reported.
    if (run.unwritten) {
      this.#pending.push({ update: { id: run.job.id, action: { type: 'progress', token: run.runId, progress: run.unwritten.value } } });
      run.unwritten = undefined;
    }
    this.#pending.push({
      update: { id: run.job.id, action: this.#actionFor(run, response) },
      done: (job) => {
        // A run that never began is back in line with nothing to tell.
        if (!job || (!response.ok && response.notStarted)) return;
        if (isCrash(response)) this.#o.listener.stalled(job);
        else this.#o.listener.settled(job, response.ok ? response.value : undefined);
      },
    });
    // Runs end in bursts (a worker's message carries many results): wake once they all are in, so that one
    // turn records them all and fills every freed place at once. Woken at once, the first would claim one job
    // alone, and the batches to the workers would shrink to a job each.
    this.#wakeSoon();
  }

  /** Takes a turn once the current burst of ended runs is all in (a microtask later). */
  #wakeSoon(): void {
    if (this.#wakeQueued) return;
    this.#wakeQueued = true;
    queueMicrotask(() => {
      this.#wakeQueued = false;
      this.#kick();
    });
  }

  /** The jobs claimed and not written: still `waiting` in the store, so the next claim must pass them. */
  #unwritten(): JobRecord[] | undefined {
    let jobs: JobRecord[] | undefined;
    for (const run of this.#runs.values()) if (!run.written) (jobs ??= []).push(run.job);
    return jobs;
  }

  /** Who this runner's claims are for. */
  #claimant(): Claimant {
    return { owner: this.owner, ranBy: this.#o.label, leaseMs: this.#o.leaseMs };
  }

  /** Queues the write of a deferred claim, ahead of whatever is written next for the run. */
  #writeClaim(run: Run): void {
    if (run.written) return;
    run.written = true;
    const { job } = run;
    const action = lateClaimAction(this.#claimant(), run.runId, job, this.#o.clock.now());
    this.#pending.push({
      update: { id: job.id, action },
      // Refused: the job changed in the store meanwhile (cancelled or removed from another tab): stop the run.
      done: (written) => {
        if (written || this.#runs.get(job.id) !== run) return;
        this.#runs.delete(job.id);
        this.#o.executor.abort(run.runId, new Error(`Job ${job.id} changed in storage while it ran`), this.#o.cancelGraceMs);
      },
    });
  }

  /** Writes the claims of deferred runs that have gone on for CLAIM_WRITE_MS; comes back for the others. */
  #writeLongClaims(): void {
    this.#claimTimer = undefined;
    const now = this.#o.clock.now();
    let next = Infinity;
    let wrote = false;
    for (const run of this.#runs.values()) {
      if (run.written) continue;
      if (now - run.since >= CLAIM_WRITE_MS) (this.#writeClaim(run), (wrote = true));
      else next = Math.min(next, run.since + CLAIM_WRITE_MS - now);
    }
    if (next < Infinity) this.#claimTimer = this.#o.clock.setTimeout(() => this.#writeLongClaims(), next);
    if (wrote) this.#kick();
  }

  #actionFor(run: Run, response: RunResponse): JobAction {
    const at = this.#o.clock.now();
    if (response.ok) {
      if (run.job.requiresNetwork) this.#networkProbeMs = 0;
      return { type: 'complete', token: run.runId, result: response.value, at };
    }
    const { error } = response;
    // It waited in a worker that went away before it began: it goes back in line, its attempt not spent.
    if (response.notStarted) return { type: 'release', token: run.runId };
    // A worker that died mid-run is a stall, as a closed tab is: it does not spend the job's attempts, and
    // the stall cap stops a job that kills every worker it lands on.
    if (isCrash(response)) return { type: 'stall', token: run.runId, maxStalls: this.#o.maxStalls, error, at };
    // Offline, or no answer at all: not the job's fault. It waits for the network with its attempt given back.
    // `ctx.fetch` finding the browser offline shows that the job needs the network, whatever it was added with
    // (a tab without workers may not know the task's `requiresNetwork`): from then on it is a network job.
    if (error.code === 'ERR_OFFLINE') return { type: 'release', token: run.runId, error, needsNetwork: true };
    const unrecoverable = error.code === 'ERR_UNRECOVERABLE' || error.code === 'ERR_INVALID_JOB';
    if (run.job.requiresNetwork && isNetworkFailure(error)) {
      this.#networkSeemsDown();
      // No answer, for longer than the grace: an ordinary failure, but the wait goes on being counted.
      if (at - (run.job.unansweredSince ?? at) >= this.#unansweredGraceMs) return { type: 'fail', token: run.runId, error, unrecoverable, at, unanswered: true };
      return { type: 'release', token: run.runId, error, needsNetwork: true, unanswered: true };
    }
    return { type: 'fail', token: run.runId, error, unrecoverable, at };
  }

  /** The network is back (the browser's `online` event): network jobs go again at once. */
  networkBack(): void {
    this.#networkDownUntil = 0;
    this.#networkProbeMs = 0;
    if (this.#networkTimer !== undefined) this.#o.clock.clearTimeout(this.#networkTimer);
    this.#networkTimer = undefined;
    this.wake();
  }

  #isOnline(): boolean {
    return this.#o.isOnline() && this.#o.clock.now() >= this.#networkDownUntil;
  }

  #networkSeemsDown(): void {
    this.#networkProbeMs = Math.min(Math.max(NETWORK_PROBE_MS, this.#networkProbeMs * 2), NETWORK_PROBE_CAP_MS);
    this.#networkDownUntil = this.#o.clock.now() + this.#networkProbeMs;
    if (this.#networkTimer !== undefined) this.#o.clock.clearTimeout(this.#networkTimer);
    this.#networkTimer = this.#o.clock.setTimeout(() => {
      this.#networkTimer = undefined;
      this.#wakeUp();
    }, this.#networkProbeMs);
  }

  #noteDrained(claimed: number): void {
    if (claimed > 0 || this.#drained) return;
    this.#drained = true;
    this.#o.listener.drained();
  }

  #armDueTimer(nextRunAt: number | undefined): void {
    if (this.#dueTimer !== undefined) this.#o.clock.clearTimeout(this.#dueTimer);
    this.#dueTimer = undefined;
    if (nextRunAt === undefined) return;
    const wait = Math.min(Math.max(0, nextRunAt - this.#o.clock.now()), LONGEST_TIMER_MS);
    this.#dueTimer = this.#o.clock.setTimeout(() => {
      this.#dueTimer = undefined;
      this.#wakeUp();
    }, wait);
  }

  /** Renews the leases of runs in progress, and looks for dead owners' runs, on timers. */
  #scheduleLeaseRenewal(): void {
    const renew = () => {
      const leaseUntil = this.#o.clock.now() + this.#o.leaseMs;
      for (const run of this.#runs.values()) {
        if (run.written) this.#pending.push({ update: { id: run.job.id, action: { type: 'renew', token: run.runId, leaseUntil } } });
      }
      if (this.#runs.size > 0) this.#kick();
      this.#leaseTimer = this.#o.clock.setTimeout(renew, this.#o.leaseMs / 3);
    };
    this.#leaseTimer = this.#o.clock.setTimeout(renew, this.#o.leaseMs / 3);
    const check = () => {
      this.reclaim()
        .catch((error: unknown) => this.#o.listener.error(error))
        .finally(() => {
          // A backstop, as reclaiming is: an idle runner whose last claim read from where the store last found
          // the line's head reads it from its start once, so that no job can wait unseen behind that place.
          // (An idle queue does nothing more: no transaction every few seconds.)
          if (this.#runs.size === 0 && this.#readFromFloor && !this.#closed) this.wake();
          if (!this.#closed) this.#reclaimTimer = this.#o.clock.setTimeout(check, this.#o.reclaimIntervalMs);
        });
    };
    this.#reclaimTimer = this.#o.clock.setTimeout(check, this.#o.reclaimIntervalMs);
  }
}

/** What `ctx.fetch` throws when no answer came: offline, or a request that never reached a server. */
function isNetworkFailure(error: SerializedError): boolean {
  return error.code === 'ERR_OFFLINE' || (error.code === 'ERR_FETCH' && error.status === undefined);
}

function isCrash(response: RunResponse): response is { ok: false; error: SerializedError } {
  return !response.ok && response.error.name === 'WorkerCrashedError';
}

function isDataCloneError(error: unknown): boolean {
  const cause = error instanceof Error && error.cause instanceof DOMException ? error.cause : error;
  return cause instanceof DOMException && cause.name === 'DataCloneError';
}
