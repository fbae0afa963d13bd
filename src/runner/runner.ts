import { claimAction, eligibility, type Claimant } from '../job/claim';
import type { JobRecord } from '../job/job';
import { newId } from '../job/new-id';
import { transition, type JobAction } from '../job/transition';
import { Hold, type Admission } from './admission';
import { CommitFallback } from './commit-fallback';
import { DeferredClaims } from './deferred-claims';
import { DueTimer } from './due-timer';
import { ExecutorRoom } from './executor-room';
import { NetworkGate } from './network-gate';
import { OwnerWatch } from './owner-watch';
import type { RunnerOptions } from './runner-options';
import { Runs } from './runs';

/**
 * The loop that claims, dispatches and records. Each turn is one store commit that records every run that ended
 * (and any progress) and claims as many jobs as there are free slots, so a burst of small jobs costs one transaction
 * per batch, not per state change. Knows nothing of pages or service workers: it is given a store, an executor and
 * owner locks. What may start is asked of its {@link Admission} policies; the runs, the network gate, the owner watch,
 * deferred claims and the fallback for failed commits each keep their own state and timers.
 */
export class Runner {
  readonly owner = newId();
  readonly #o: RunnerOptions;
  readonly #runs: Runs;
  #turning = false;
  #again = false;
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
  #wakeQueued = false;
  #started: Promise<void> | undefined;
  readonly #hold = new Hold();
  readonly #executorRoom: ExecutorRoom;
  readonly #admissions: readonly Admission[];
  readonly #due: DueTimer;
  readonly #network: NetworkGate;
  readonly #owners: OwnerWatch;
  readonly #claims: DeferredClaims;
  readonly #fallback: CommitFallback;
  readonly #idle = new Set<() => void>();

  constructor(options: RunnerOptions) {
    const { clock, listener } = (this.#o = options);
    const runs = (this.#runs = new Runs({
      ...options,
      owner: this.owner,
      started: (run) => {
        if (!run.written) this.#claims.started();
        for (const admission of this.#admissions) admission.started?.(run.job);
      },
      ended: (outcome) => {
        if (outcome) this.#network.observed(outcome.network);
        else {
          // Its job is still waiting in the store, maybe below where the store reads the line from now.
          this.#fromStart = true;
          this.#lineEmpty = false;
          this.#lineWoken = true;
        }
        this.#wakeSoon();
      },
      wrote: () => this.#kick(),
    }));
    this.#executorRoom = new ExecutorRoom({ ...options, running: () => runs.size });
    this.#admissions = [this.#hold, ...(options.admissions ?? [])];
    this.#due = new DueTimer(clock, () => this.#wakeUp());
    this.#network = new NetworkGate({ ...options, reopened: () => this.#wakeUp() });
    this.#claims = new DeferredClaims({ clock, runs: () => runs.values(), write: (run) => runs.writeClaim(run), wrote: () => this.#kick() });
    this.#fallback = new CommitFallback({ ...options, retry: () => this.wake(), error: (e) => listener.error(e) });
    this.#owners = new OwnerWatch({
      ...options,
      owner: this.owner,
      renew: (leaseUntil) => {
        runs.renew(leaseUntil);
        if (runs.size > 0) this.#kick();
      },
      stalled: (jobs) => {
        for (const job of jobs) listener.job('stalled', job);
        this.wake();
      },
      // A backstop, as reclaiming is: an idle runner whose last claim read from where the store last found the line's
      // head reads it from its start once, so that no job waits unseen behind that place (and then does nothing more).
      checked: () => {
        if (this.#runs.size === 0 && this.#readFromFloor && !this.#closed) this.wake();
      },
      error: (e) => listener.error(e),
    });
  }

  /** Jobs running now. */
  get running(): number {
    return this.#runs.size;
  }

  /** Takes this runner's owner lock, reclaims runs whose owner died, and starts the loop. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      await this.#owners.hold();
      if (this.#closed) return;
      await this.#owners.reclaim().catch((error: unknown) => {
        if (!this.#closed) this.#o.listener.error(error);
      });
      if (this.#closed) return;
      this.#owners.start();
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
      if (claimed) this.#runs.start(claimed, false);
    }
    this.#drained = false;
  }

  /** How many more jobs this runner may take now: what the executor has room for, and its policies let start. */
  #free(): number {
    return Math.min(this.#room(), this.#executorRoom.room());
  }

  /** How many more jobs its policies let start now (see {@link Admission}): none while paused or leaving. */
  #room(): number {
    let room = Infinity;
    for (const admission of this.#admissions) room = Math.min(room, admission.room());
    return room;
  }

  #short(): boolean {
    return this.#executorRoom.isShort();
  }

  /** Whether the claims of turns are deferred now (see CLAIM_WRITE_MS). */
  #defers(): boolean {
    return this.#o.deferClaims === true && this.#short();
  }

  /** Stops claiming, and starting what a claim under way brings back; runs in progress go on. */
  pause(): void {
    this.#hold.paused = true;
  }

  /** Starts claiming again after `pause()`; not once `close()` has begun. */
  resume(): void {
    if (this.#closing) return;
    this.#hold.paused = false;
    this.wake();
  }

  /**
   * The page is going away (`true`, at `pagehide`) or is shown again (`false`, at `pageshow` from the
   * back/forward cache). A page that is leaving claims nothing more: a job it took now would wait for its
   * lease to run out, or run again. Runs in progress go on as long as the page lives. Apart from `pause()`:
   * either one stops claiming.
   */
  leaving(leaving: boolean): void {
    this.#hold.leaving = leaving;
    if (!leaving) this.wake();
  }

  /**
   * The job was cancelled in the store: stop its run here, if it runs here. The handler's `ctx.signal`
   * aborts now and its worker is terminated if it has not stopped after the grace period.
   */
  cancelled(jobId: string, reason: Error): void {
    if (this.#runs.cancel(jobId, reason)) this.wake();
  }

  /** The network is back (the browser's `online` event): network jobs go again at once. */
  networkBack(): void {
    this.#network.back();
    this.wake();
  }

  /**
   * Stops. Without `force`, waits for runs in progress to end and be recorded. With `force`, hands them
   * back to the store unrun (their attempt not counted) and stops at once.
   */
  async close({ force = false }: { force?: boolean } = {}): Promise<void> {
    // Abandoned already (storage taken away): nothing is left to wait for, nor to write.
    if (this.#closed) return this.#owners.close();
    this.#hold.paused = true;
    this.#closing = true;
    if (force) this.#runs.handBack();
    this.wake();
    await this.#whenIdle();
    this.#closed = true;
    this.#stop();
  }

  /**
   * Lets go at once, writing nothing (storage is gone from under it, as when a newer version took the
   * database): runs are dropped, and the owner lock is released so that the next runner takes their jobs back.
   */
  abandon(): void {
    this.#hold.paused = true;
    this.#closed = true;
    this.#runs.drop(new Error('The runner let go of the queue'));
    this.#stop();
    for (const resolve of this.#idle) resolve();
    this.#idle.clear();
  }

  /**
   * The store came back empty (storage cleared, or the database deleted): the jobs of the runs in progress are
   * gone, so their runs are stopped and nothing of them is written; the line is read again from its start.
   */
  storageLost(reason: Error): void {
    this.#runs.drop(reason);
    // From outside, as any wake: the next claim reads the line from its start.
    this.wake();
  }

  /** Stops every timer, and lets go of the owner lock. */
  #stop(): void {
    for (const part of [this.#due, this.#runs, this.#claims, this.#fallback, this.#network, this.#owners]) part.close();
  }

  /** Resolves once no run is in progress and every update is written (or given up, once closing). */
  #whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  #isIdle(): boolean {
    return this.#runs.isIdle && !this.#turning;
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
        const pending = this.#runs.take();
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
          this.#fallback.succeeded();
        } catch (error) {
          flush();
          // Whatever was written, jobs may have gone back in line: look again.
          this.#lineEmpty = false;
          const left = await this.#fallback.commitOneByOne(pending, error, this.#closing);
          if (left) return void this.#runs.pending.unshift(...left);
          // The updates are written; the claim was not made: make it again.
          this.#again = true;
          continue;
        }
        // The workers first, then the listeners. What a claim brings back once its policies let fewer start
        // (paused, closing, leaving the page) is not started: those jobs go back in line (a deferred claim was never
        // written, so they are there still), where `resume()` and `leaving(false)` look again from its start (`wake`).
        let room = this.#room();
        for (const job of result.claimed) {
          if (room-- > 0) this.#runs.start(job, !claim?.defer);
          else if (!claim?.defer) this.#runs.release(job.id, job.token!), (this.#again = true);
        }

        const { updated } = result;
        tell = () => pending.forEach((p, i) => p.done?.(updated[i] ?? null));
        if (!claim) {
          // A retry (or a job handed back) went into line: look for it, in the next commit.
          if (updated.some((job) => job?.state === 'waiting' || job?.state === 'delayed')) (this.#lineEmpty = false), (this.#again = true);
          else if (this.#lineEmpty) this.#drainedIfIdle(flush, 0);
          continue;
        }

        this.#due.arm(result.nextRunAt);
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
    if (!this.#runs.isIdle) return;
    flush();
    if (this.#runs.isIdle && !this.#again && claimed === 0 && !this.#drained) {
      this.#drained = true;
      this.#o.listener.drained();
    }
  }

  /**
   * Takes a turn once the current burst of ended runs is all in (a microtask later). Runs end in bursts (a
   * worker's message carries many results): one turn records them all and fills every freed place at once.
   * Woken at once, the first would claim one job alone, and the batches to the workers would shrink to a job each.
   */
  #wakeSoon(): void {
    if (this.#wakeQueued) return;
    this.#wakeQueued = true;
    queueMicrotask(() => {
      this.#wakeQueued = false;
      this.#kick();
    });
  }

  // What the claim asks of the runs and the network gate.
  #unwritten = (): JobRecord[] | undefined => this.#runs.unwritten();
  /** Who this runner's claims are for. */
  #claimant = (): Claimant => ({ owner: this.owner, ranBy: this.#o.label, leaseMs: this.#o.leaseMs });
  #isOnline = (): boolean => this.#network.isOpen();
}
