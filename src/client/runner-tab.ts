import type { JobRecord } from '../job/job';
import type { WorkerPool } from '../pool/worker-pool';
import { RetentionSweeper } from '../runner/retention';
import type { Runner } from '../runner/runner';
import { loadCron, loadSchedules } from '../schedule/load-schedules';
import type { Scheduler } from '../schedule/scheduler';
import type { JobStore } from '../store/job-store';
import { becomeRunner, hasLocks } from '../tabs/owner-lock';
import type { TaskManifest } from '../task/task';
import type { JobEvent } from './job-events';
import type { ResolvedQueueOptions } from './queue-options';

/** What the runner side of a tab tells its queue. */
export interface RunnerTabListener {
  job(event: JobEvent, job: JobRecord, value?: unknown): void;
  progress(job: JobRecord, progress: unknown): void;
  /** Schedules added jobs. */
  added(jobs: JobRecord[]): void;
  drained(): void;
  error(error: unknown): void;
  /** This tab has become the queue's runner (and has taken back the runs of a runner that died). */
  leading(): void;
}

/**
 * This tab's side of running the queue: its worker pool and runner, waiting to become the queue's one
 * runner (the Web Lock), then running jobs, due schedules and retention sweeps. With memory storage
 * the tab leads at once: the queue is its own.
 */
export class RunnerTab {
  /** Loaded with `import()` (with the runner) when the queue is made: a chunk the page's first load does without. */
  readonly #pool: Promise<WorkerPool>;
  readonly #o: ResolvedQueueOptions;
  readonly #store: Promise<JobStore>;
  readonly #runner: Promise<Runner>;
  readonly #listener: RunnerTabListener;
  readonly #stopLeading = new AbortController();
  #leading: Promise<void> | undefined;
  #releaseLock: (() => void) | undefined;
  /** Loaded and made once the queue has a schedule. */
  #scheduler: Promise<Scheduler> | undefined;
  /** Leading, with the runner started: due schedules are this tab's to run. */
  #running = false;
  readonly #sweeper: RetentionSweeper;
  #closed = false;

  constructor(options: ResolvedQueueOptions, worker: () => Worker, store: Promise<JobStore>, label: string, listener: RunnerTabListener) {
    const o = (this.#o = options);
    this.#store = store;
    this.#listener = listener;
    this.#sweeper = new RetentionSweeper({
      store: () => store,
      retention: o.retention,
      clock: o.clock,
      running: async () => (await this.#runner).running,
      error: (error) => listener.error(error),
    });
    const engine = import('./run-engine');
    this.#pool = engine.then(
      ({ WorkerPool }) => new WorkerPool({ create: worker, size: o.concurrency, idleTimeoutMs: o.idleTimeoutMs, startTimeoutMs: 10_000, clock: o.clock }),
    );
    this.#runner = Promise.all([store, engine, this.#pool]).then(
      ([jobStore, { createRunner }, pool]) =>
        createRunner({
          queue: o.name,
          store: jobStore,
          executor: pool,
          clock: o.clock,
          listener: {
            job: (event, job, value) => {
              listener.job(event, job, value);
              if (event !== 'active') this.#sweeper.finished(job);
            },
            progress: (job, progress) => listener.progress(job, progress),
            drained: () => {
              listener.drained();
              this.#sweeper.drained();
            },
            error: (error) => listener.error(error),
          },
          concurrency: o.concurrency,
          leaseMs: o.leaseMs,
          maxStalls: o.maxStalls,
          cancelGraceMs: o.cancelGraceMs,
          label,
          // In IndexedDB, the runner lock keeps other runners off the jobs it takes. A memory queue has no other
          // runner, and writes cost it nothing: only what it starts at once skips the turn.
          deferClaims: o.storage === 'memory' ? 'offered' : hasLocks(),
          // A claim in IndexedDB is a transaction away (about 2 to 4 ms): two jobs per worker wait on the page.
          claimAhead: o.storage === 'memory' ? 0 : 2,
        }),
    );
    this.#pool.catch(() => {});
    this.#runner.catch(() => {});
  }

  /** Whether this tab runs the queue now. */
  get isLeader(): boolean {
    return this.#releaseLock !== undefined;
  }

  /**
   * Waits to become the queue's runner (at once with memory storage), then starts running jobs, due
   * schedules and retention sweeps. Calling it again returns the same wait.
   */
  lead(isPaused: () => Promise<boolean>): Promise<void> {
    this.#leading ??= (async () => {
      const runner = await this.#runner;
      const release = this.#o.storage === 'indexeddb' ? await becomeRunner(this.#o.name, this.#stopLeading.signal) : () => {};
      if (!release) return;
      if (this.#closed) return release();
      this.#releaseLock = release;
      if (await isPaused().catch(() => false)) runner.pause();
      // Closed while waiting: start nothing.
      if (this.#closed) return;
      await runner.start();
      if (this.#closed) return;
      this.#listener.leading();
      this.#sweeper.start();
      this.#running = true;
      // Stored schedules (made by any tab, in any session) are found here; new ones are told of.
      if ((await (await this.#store).listSchedules()).length > 0) void this.#schedule();
    })();
    return this.#leading;
  }

  /** The tasks the workers serve; a tab that does not run the queue lets the worker it asked go. */
  async tasks(): Promise<TaskManifest> {
    const pool = await this.#pool;
    const manifest = await pool.tasks();
    if (!this.isLeader && this.#o.storage === 'indexeddb') pool.trim();
    return manifest;
  }

  /** Something may be ready: `added`, jobs this tab has just stored (the runner may start them at once). */
  wake(added?: readonly JobRecord[]): void {
    this.#withRunner((runner) => (added?.length ? runner.offer(added) : runner.wake()));
  }

  /** The browser is back online: network jobs held back after a failed request go again at once. */
  networkBack(): void {
    this.#withRunner((runner) => runner.networkBack());
  }

  /** A job was cancelled or removed: stop its run here, if it runs here. */
  cancelled(id: string, reason: Error): void {
    this.#withRunner((runner) => runner.cancelled(id, reason));
  }

  pause(): void {
    this.#withRunner((runner) => runner.pause());
  }

  resume(): void {
    this.#withRunner((runner) => runner.resume());
  }

  /** The page is going away (`pagehide`), or is shown again (`pageshow`): see `Runner.leaving`. */
  leaving(leaving: boolean): void {
    this.#withRunner((runner) => runner.leaving(leaving));
  }

  /** The database came back empty (storage cleared or deleted): the runs of jobs it held are dropped. */
  storageLost(reason: Error): void {
    this.#withRunner((runner) => runner.storageLost(reason));
  }

  /** Tells the runner, once it is made (not at all if its store never opened: the queue reports that). */
  #withRunner(tell: (runner: Runner) => void): void {
    this.#runner.then(tell, () => {});
  }

  /** Schedules were made or removed. */
  schedulesChanged(): void {
    if (this.#running && !this.#closed) void this.#schedule();
  }

  /** Has the scheduler (loaded and made the first time) look at the schedules. */
  async #schedule(): Promise<void> {
    this.#scheduler ??= loadSchedules().then(
      async ({ Scheduler }) =>
        new Scheduler({
          store: await this.#store,
          clock: this.#o.clock,
          loadCron,
          added: (jobs) => {
            this.#listener.added(jobs);
            this.wake();
          },
          error: (error) => this.#listener.error(error),
        }),
    );
    let scheduler: Scheduler;
    try {
      scheduler = await this.#scheduler;
    } catch (error) {
      // Not loaded (the network, say): the next change of schedules tries again.
      this.#scheduler = undefined;
      return this.#listener.error(error);
    }
    if (!this.#closed) await scheduler.wake();
  }

  /**
   * Stops: no more claims, schedules or sweeps; waits for runs in progress (or, with `force`, hands them
   * back); terminates the workers and lets another tab become the runner.
   */
  async close(options: { force?: boolean }): Promise<void> {
    this.#closed = true;
    this.#stopLeading.abort();
    this.#sweeper.close();
    void this.#scheduler?.then((scheduler) => scheduler.stop(), () => {});
    const runner = await this.#runner.catch(() => undefined);
    await runner?.close(options);
    this.#releaseLock?.();
    (await this.#pool.catch(() => undefined))?.close();
  }

  /**
   * Lets go of the queue at once, writing nothing: a newer version took the database. The workers are
   * terminated and both locks released, so that a tab of the newer version runs the queue and takes back
   * what ran here.
   */
  abandon(): void {
    this.#closed = true;
    this.#stopLeading.abort();
    this.#sweeper.close();
    void this.#scheduler?.then((scheduler) => scheduler.stop(), () => {});
    void this.#pool.then((pool) => pool.close(), () => {});
    // The owner lock first, then the runner lock: whoever gets the queue next must find the runs here dead.
    void this.#runner
      .then((runner) => runner.abandon(), () => {})
      .finally(() => this.#releaseLock?.());
  }
}
