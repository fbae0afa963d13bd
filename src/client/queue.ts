import { QueueClosedError, serializeError } from '../errors';
import { toJobInfo, type JobCounts } from '../job/job';
import { checkDuration, checkInteger, describe, type JobOptions } from '../job/job-options';
import type { ScheduleInfo, ScheduleSpec } from '../schedule/schedule';
import { loadCron, loadSchedules } from '../schedule/load-schedules';
import type { JobStore, ListQuery } from '../store/job-store';
import type { TaskData, TaskMap, TaskName, TaskResult } from '../task/task';
import { AddBatcher, type StoredJob } from './add-batcher';
import { CloseGate } from './close-gate';
import { pageContextId } from './context-id';
import type { Listener } from './emitter';
import { changeJob } from './job-change';
import { JobHandle, type JobSource } from './job-handle';
import { checkTaskName, ManifestCache } from './manifest-cache';
import { QueueRelay, stopError } from './queue-relay';
import { loadServiceWorkerLink, PageLifecycle } from './page-lifecycle';
import { resolveQueueOptions, type QueueOptions, type ResolvedQueueOptions } from './queue-options';
import { RunnerTab } from './runner-tab';
import { storageInfo } from './storage-info';
import { StoreRecovery } from './store-recovery';
import type { AddArgs, AnyJobHandle, AnyJobInfo, BulkJob, QueueEvents, TaskJobHandle } from './queue-types';

/**
 * A queue of jobs, run on a pool of Web Workers. Made with {@link createQueue}.
 *
 * With IndexedDB storage, every tab of the origin that makes the queue shares it: one of them (the one
 * holding the queue's Web Lock) runs the jobs, and the others add, list and follow them.
 */
export class Queue<Tasks extends TaskMap = TaskMap> {
  /** The queue's name. */
  readonly name: string;
  /** This page's label, as jobs it runs record it in `JobInfo.ranBy`: the same for every queue of the page. */
  readonly contextId: string = pageContextId();
  readonly #o: ResolvedQueueOptions;
  readonly #store: Promise<JobStore>;
  readonly #recovery: StoreRecovery;
  /** This tab's side of running the queue; none without a `worker`. */
  readonly #tab: RunnerTab | undefined;
  readonly #relay: QueueRelay<Tasks>;
  readonly #source: JobSource;
  readonly #lifecycle: PageLifecycle;
  readonly #persisted: Promise<boolean> | undefined;
  readonly #manifests: ManifestCache;
  readonly #adds: AddBatcher;
  readonly #gate: CloseGate;
  /** What `close()` returned: a second call waits for the same close. */
  #closing: Promise<void> | undefined;

  /** @internal Use {@link createQueue}. */
  constructor(options: QueueOptions) {
    const o = (this.#o = resolveQueueOptions(options));
    this.name = o.name;
    this.#recovery = new StoreRecovery(o, {
      relay: () => this.#relay,
      runner: () => this.#tab,
      read: (id) => this.#gate.use((store) => store.get(id)),
      isClosed: () => this.#gate.closed,
    });
    this.#store = this.#recovery.store;
    const gate = (this.#gate = new CloseGate(o.name, this.#store));
    this.#relay = new QueueRelay<Tasks>(o.name, (id) => this.#store.then((store) => store.get(id)), o.storage === 'indexeddb', () => gate.closed);
    this.#tab = o.worker ? new RunnerTab(o, o.worker, this.#store, this.contextId, this.#relay) : undefined;
    this.#relay.connect(this.#tab);
    this.#manifests = new ManifestCache(this.#tab, (error) => this.#relay.error(error));
    this.#adds = new AddBatcher({
      clock: o.clock,
      manifests: this.#manifests,
      prepare: async () => {
        const store = await gate.open();
        // The first add asks a worker for the tasks: close() may come while it starts, and end it.
        const manifest = this.#manifests.known ?? (await gate.untilClosed(this.#manifests.read(store)));
        if (gate.closed) throw gate.error();
        return { store, manifest };
      },
      closed: () => (gate.closed ? gate.error() : undefined),
      added: (created) => {
        this.#relay.queued(created);
        this.#lifecycle.added(created);
      },
      failure: (error) => gate.cutOff(error),
    });
    if (o.autoStart) this.start();
    const onError = (error: unknown) => this.#relay.error(error);
    this.#lifecycle = new PageLifecycle({
      clock: o.clock,
      runner: this.#tab,
      online: () => this.#relay.queued(),
      link: o.serviceWorker ? loadServiceWorkerLink(o.name, o.serviceWorker, onError) : undefined,
      onError,
    });
    this.#persisted = o.persist && typeof navigator !== 'undefined' && navigator.storage?.persist ? navigator.storage.persist().catch(() => false) : undefined;

    this.#source = {
      info: async (id) => {
        const job = await this.#gate.use((store) => store.get(id));
        return job && toJobInfo(job);
      },
      result: async (id) => this.#relay.events.watchers.result(id, (jobId) => this.#recovery.readWaited(jobId)),
      onProgress: (id, listener) => this.#relay.events.watchers.onProgress(id, listener),
      cancel: (id) => this.cancel(id),
    };
  }

  /**
   * Adds a job. Resolves once it is stored, with its handle; refuses (storing nothing) an unknown task,
   * data that cannot be cloned, or options that make no sense.
   * @example
   * const job = await queue.add('fib', 40, { priority: 10, attempts: 3 });
   * const value = await job.result;
   */
  add<Name extends TaskName<Tasks>>(name: Name, ...args: AddArgs<Tasks, Name>): Promise<TaskJobHandle<Tasks, Name>> {
    const [data, opts] = args as [unknown, JobOptions | undefined];
    return this.#adds.add(name, data, opts).then((stored) => this.#handle(stored, opts)) as Promise<TaskJobHandle<Tasks, Name>>;
  }

  /**
   * Adds many jobs in one transaction: all are stored, or none (then it rejects saying which job was wrong).
   * @example
   * const jobs = await queue.addBulk([{ name: 'fib', data: 1 }, { name: 'fib', data: 2, opts: { priority: 5 } }]);
   */
  async addBulk<const Jobs extends readonly BulkJob<Tasks>[]>(
    jobs: Jobs,
  ): Promise<{ -readonly [I in keyof Jobs]: TaskJobHandle<Tasks, Jobs[I]['name']> }> {
    if (!Array.isArray(jobs)) throw new TypeError(`Expected addBulk() to be given an array of jobs, got ${describe(jobs)}`);
    const stored = await this.#adds.addBulk(jobs as readonly BulkJob<Tasks>[]);
    return stored.map((job, i) => this.#handle(job, jobs[i]!.opts)) as { -readonly [I in keyof Jobs]: TaskJobHandle<Tasks, Jobs[I]['name']> };
  }

  /**
   * Adds a job and waits for its result.
   * @example
   * const n = await queue.run('fib', 30);
   */
  run<Name extends TaskName<Tasks>>(name: Name, ...args: AddArgs<Tasks, Name>): Promise<TaskResult<Tasks, Name>> {
    const [data, opts] = args as [unknown, JobOptions | undefined];
    return this.#adds.add(name, data, opts).then((stored) => {
      this.#handle(stored, opts);
      // A job stored just now cannot have ended yet: its result is waited for, nothing read back.
      return stored.created ? this.#relay.events.watchers.wait(stored.job.id) : this.#source.result(stored.job.id);
    }) as Promise<TaskResult<Tasks, Name>>;
  }

  /** The handle of a job an add stored; one it made is cancelled when its `signal` aborts. */
  #handle({ job, created }: StoredJob, opts: JobOptions | undefined): JobHandle {
    const signal = opts?.signal;
    if (created && signal) this.#relay.events.watchers.followSignal(job.id, signal, () => void this.cancel(job.id).catch((e: unknown) => this.#relay.error(e)));
    return new JobHandle(job.id, job.name, this.#source);
  }

  /**
   * The handle of a stored job, from any tab, also after a reload; `undefined` if there is no such job.
   * Check its `name` to narrow its result to that task's, or give the task's name: the handle is then
   * typed as that task's, and a job of another task rejects with a `TypeError`.
   * @example
   * const job = await queue.getJob(savedId, 'fib'); // JobHandle of fib, or undefined
   * const value = await job?.result;                 // number | undefined
   */
  getJob(id: string): Promise<AnyJobHandle<Tasks> | undefined>;
  getJob<Name extends TaskName<Tasks>>(id: string, name: Name): Promise<TaskJobHandle<Tasks, Name> | undefined>;
  async getJob(id: string, name?: string): Promise<JobHandle | undefined> {
    if (typeof id !== 'string') throw new TypeError(`Expected a job id string, got ${describe(id)}`);
    if (name !== undefined && typeof name !== 'string') throw new TypeError(`Expected a task name string, got ${describe(name)}`);
    const job = await this.#gate.use((store) => store.get(id));
    if (!job) return undefined;
    if (name !== undefined && job.name !== name) throw new TypeError(`Job "${id}" is a job of task "${job.name}", not "${name}"`);
    return new JobHandle(job.id, job.name, this.#source);
  }

  /**
   * Listens to an event (also for jobs run by another tab); returns a function that stops listening.
   * @example
   * const off = queue.on('completed', ({ job, result }) => console.log(job.id, result));
   */
  on<Event extends keyof QueueEvents<Tasks>>(event: Event, listener: Listener<QueueEvents<Tasks>[Event]>): () => void {
    return this.#relay.events.on(event, listener);
  }

  /** How many jobs are in each state. */
  async counts(): Promise<JobCounts> {
    return this.#gate.use((store) => store.counts());
  }

  /**
   * A page of stored jobs, newest first unless `order: 'asc'`.
   * @example
   * const failed = await queue.list({ state: 'failed', limit: 50 });
   */
  async list(query: ListQuery = {}): Promise<Array<AnyJobInfo<Tasks>>> {
    const { limit = 50, offset = 0 } = query;
    checkInteger('limit', limit, 0);
    checkInteger('offset', offset, 0);
    const jobs = await this.#gate.use((store) => store.list(query));
    return jobs.map((job) => toJobInfo(job) as AnyJobInfo<Tasks>);
  }

  /**
   * Cancels a job that has not finished, from any tab: a queued one never runs; a running one sees
   * `ctx.signal` abort, and its worker is terminated if it does not stop within `cancelGraceMs`. Its `result`
   * rejects with `JobCancelledError`. Resolves `false` if the job had already finished (or does not exist).
   */
  async cancel(id: string): Promise<boolean> {
    const error = serializeError(stopError(id, false));
    const [job] = (await this.#gate.use((store) => store.commit([{ id, action: { type: 'cancel', error } }]))).updated;
    if (!job) return false;
    this.#relay.cancelled(job);
    return true;
  }

  /**
   * Deletes a job, whatever its state, from any tab; a running one is stopped as by `cancel`. Its `result`
   * rejects with `JobCancelledError`. Resolves `false` if there was no such job.
   */
  async remove(id: string): Promise<boolean> {
    if (typeof id !== 'string') throw new TypeError(`Expected a job id string, got ${describe(id)}`);
    const [job] = await this.#gate.use((store) => store.remove([id]));
    if (!job) return false;
    this.#relay.removed(id);
    return true;
  }

  /**
   * Deletes finished jobs of one state, oldest first: those that finished more than `olderThan` ms ago
   * (all of them without it), at most `limit`. Resolves with the ids deleted.
   * @example
   * await queue.clean({ state: 'completed', olderThan: 86_400_000 });
   */
  async clean(query: { state: 'completed' | 'failed' | 'cancelled'; olderThan?: number; limit?: number }): Promise<string[]> {
    const { state, olderThan, limit = Number.MAX_SAFE_INTEGER } = query ?? {};
    if (state !== 'completed' && state !== 'failed' && state !== 'cancelled') {
      throw new TypeError(`Expected \`state\` to be 'completed', 'failed' or 'cancelled', got ${describe(state)}`);
    }
    if (olderThan !== undefined) checkDuration('olderThan', olderThan, 0);
    checkInteger('limit', limit, 0);
    return this.#gate.use(async (store) => {
      const finishedBefore = olderThan === undefined ? Infinity : this.#o.clock.now() - olderThan;
      const removed: string[] = [];
      while (removed.length < limit) {
        const batch = Math.min(500, limit - removed.length);
        const ids = await store.clean({ state, finishedBefore, limit: batch });
        removed.push(...ids);
        if (ids.length < batch) break;
      }
      return removed;
    });
  }

  /** Runs a `delayed` job now, from any tab (`await queue.promote(job.id)`); refused with a `TypeError` otherwise. */
  async promote(id: string): Promise<void> {
    await changeJob(this.#gate, this.#relay, 'promote', id, { type: 'change', runAt: this.#o.clock.now(), onlyDelayed: true });
  }

  /** Gives a `waiting` or `delayed` job a new priority (higher runs first), from any tab. */
  async changePriority(id: string, priority: number): Promise<void> {
    checkInteger('priority', priority, Number.MIN_SAFE_INTEGER);
    await changeJob(this.#gate, this.#relay, 'changePriority', id, { type: 'change', priority });
  }

  /** Makes a `waiting` or `delayed` job due `delay` ms from now, from any tab. */
  async changeDelay(id: string, delay: number): Promise<void> {
    checkDuration('delay', delay, 0);
    await changeJob(this.#gate, this.#relay, 'changeDelay', id, { type: 'change', runAt: this.#o.clock.now() + delay });
  }

  /** Runs a `failed` or `cancelled` job again, from its first attempt. Resolves `false` if it was in another state. */
  async retry(id: string): Promise<boolean> {
    const [job] = (await this.#gate.use((store) => store.commit([{ id, action: { type: 'retry' } }]))).updated;
    if (!job) return false;
    this.#relay.queued();
    return true;
  }

  /**
   * Runs again every job in `state` (`failed` unless told), from its first attempt. Resolves with how many.
   * @example
   * await queue.retryAll();
   */
  async retryAll({ state = 'failed' }: { state?: 'failed' | 'cancelled' } = {}): Promise<number> {
    if (state !== 'failed' && state !== 'cancelled') throw new TypeError(`Expected \`state\` to be 'failed' or 'cancelled', got ${describe(state)}`);
    const retried = await this.#gate.use(async (store) => {
      let count = 0;
      for (;;) {
        const batch = await store.list({ state, limit: 500, order: 'asc' });
        if (batch.length === 0) return count;
        const { updated } = await store.commit(batch.map((job) => ({ id: job.id, action: { type: 'retry' as const } })));
        count += updated.filter(Boolean).length;
      }
    });
    if (retried > 0) this.#relay.queued();
    return retried;
  }

  /**
   * How this origin's storage stands: bytes used and available (as the browser estimates them), and
   * whether it is persistent (asked for with the `persist` option).
   */
  storageInfo(): Promise<{ persisted: boolean; usage: number | undefined; quota: number | undefined }> {
    return storageInfo(this.#persisted);
  }


  /**
   * Adds a job at every slot of a schedule, from whichever tab (or the service worker) runs the queue.
   * Each slot's job has the id `<id>@<slot time>`, so racing tabs add it once. Scheduling again with the
   * same spec keeps the next slot; slots missed while nothing ran the queue are caught up by `catchUp`.
   * @example
   * await queue.schedule('nightly-cleanup', { cron: '0 3 * * *' }, { name: 'cleanup', data: {} });
   * await queue.schedule('sync-inbox', { every: 900_000 }, { name: 'syncInbox', data: null });
   */
  async schedule<Name extends TaskName<Tasks>>(
    id: string,
    spec: ScheduleSpec,
    job: { name: Name; data: TaskData<Tasks, Name>; opts?: Omit<JobOptions, 'jobId' | 'signal'> },
  ): Promise<ScheduleInfo> {
    const record = await this.#gate.use(async (store) => {
      const manifest = await this.#gate.untilClosed(this.#manifests.read(store));
      if (manifest) checkTaskName(manifest, String(job?.name));
      const existing = (await store.listSchedules()).find((s) => s.id === id);
      const { isCron, resolveSchedule } = await loadSchedules();
      const Cron = typeof spec === 'object' && spec !== null && isCron(spec) ? await loadCron() : undefined;
      const resolved = resolveSchedule(id, spec, job, this.#o.clock.now(), existing, Cron);
      await store.putSchedule(resolved);
      return resolved;
    });
    this.#relay.schedulesChanged();
    this.#lifecycle.scheduled(record);
    return record;
  }

  /** Stops a schedule; jobs it already added stay. Resolves `false` if there was no such schedule. */
  async unschedule(id: string): Promise<boolean> {
    const removed = await this.#gate.use((store) => store.deleteSchedule(id));
    if (removed) this.#relay.schedulesChanged();
    return removed;
  }

  /** The stored schedules, with their next slot. */
  async schedules(): Promise<ScheduleInfo[]> {
    return this.#gate.use((store) => store.listSchedules());
  }

  /** Stops starting jobs, in every tab (the pause is stored); runs in progress go on. */
  async pause(): Promise<void> {
    await this.#gate.use((store) => store.setMeta('paused', true));
    this.#relay.paused(true);
  }

  /**
   * Starts jobs again after `pause()`, in every tab. In this tab it also does what `start()` does.
   */
  async resume(): Promise<void> {
    await this.#gate.use((store) => store.setMeta('paused', false));
    this.#relay.paused(false);
    this.start();
  }

  /**
   * Lets this tab run the queue (after `autoStart: false`): it becomes the runner as soon as no other tab
   * is, which may be never while another tab runs it. Returns at once; a pause made with `pause()` still holds.
   */
  start(): void {
    this.#tab?.lead(() => this.isPaused()).catch((error: unknown) => this.#relay.error(error));
  }

  /** Whether the queue is paused (by any tab). */
  async isPaused(): Promise<boolean> {
    return (await this.#gate.use((store) => store.getMeta('paused'))) === true;
  }

  /**
   * Closes the queue in this tab: stops starting jobs, waits for runs in progress to end and be recorded,
   * then terminates the workers and closes storage; another tab, if any, becomes the runner. With `force`,
   * hands running jobs back to the queue unrun and stops at once.
   *
   * Every call of this queue settles: one made once `close()` has begun rejects with `QueueClosedError`, and so
   * does a `result` (or `run()`) still waiting when it ends; the job itself stays stored, for the next runner.
   * Calling it again returns the same close.
   */
  close(options: { force?: boolean } = {}): Promise<void> {
    this.#closing ??= this.#shutDown(options);
    return this.#closing;
  }

  async #shutDown(options: { force?: boolean }): Promise<void> {
    this.#gate.close();
    this.#lifecycle.close();
    try {
      await this.#tab?.close(options);
    } finally {
      this.#gate.storeClosed();
      this.#store.then((store) => store.close(), () => {});
      this.#relay.close((id) => new QueueClosedError(`Queue "${this.name}" was closed before job ${id} finished`));
    }
  }

  /** The service worker's registration, when the `serviceWorker` option was given and registering worked. */
  get serviceWorkerRegistration(): Promise<ServiceWorkerRegistration | undefined> {
    return this.#lifecycle.registration;
  }
}
