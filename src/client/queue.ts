import {
  deserializeError,
  InvalidJobError,
  JobCancelledError,
  JobFailedError,
  QueueClosedError,
  serializeError,
  StorageError,
} from '../errors';
import { findUncloneable } from '../job/find-uncloneable';
import { isFinalState, toJobInfo, type JobCounts, type JobInfo, type JobRecord } from '../job/job';
import { describe, resolveJobOptions, type JobOptions, type NewJob } from '../job/job-options';
import { WorkerPool } from '../pool/worker-pool';
import { Runner, type RunnerListener } from '../runner/runner';
import { IdbJobStore } from '../store/idb-job-store';
import type { JobStore, ListQuery } from '../store/job-store';
import { MemoryJobStore } from '../store/memory-job-store';
import { openQueueDb } from '../store/queue-db';
import type { TaskData, TaskMap, TaskName, TaskResult } from '../task/task';
import { Emitter, type Listener } from './emitter';
import { JobHandle, type JobSource } from './job-handle';
import { resolveQueueOptions, type QueueOptions, type ResolvedQueueOptions } from './queue-options';

/** A job of task `Name`, as plain data. */
export type TaskJobInfo<Tasks extends TaskMap, Name extends TaskName<Tasks>> = JobInfo<
  TaskData<Tasks, Name>,
  TaskResult<Tasks, Name>
> & { name: Name };

/** A job of any of the queue's tasks; narrow it by `name`. */
export type AnyJobInfo<Tasks extends TaskMap> = { [Name in TaskName<Tasks>]: TaskJobInfo<Tasks, Name> }[TaskName<Tasks>];

/** The queue's events and their payloads. */
export interface QueueEvents<Tasks extends TaskMap> {
  /** A job was stored (not for an add that found its `jobId` already stored). */
  added: { job: AnyJobInfo<Tasks> };
  /** A run started. */
  active: { job: AnyJobInfo<Tasks> };
  progress: { job: AnyJobInfo<Tasks>; progress: unknown };
  completed: { [Name in TaskName<Tasks>]: { job: TaskJobInfo<Tasks, Name>; result: TaskResult<Tasks, Name> } }[TaskName<Tasks>];
  /** The job ended `failed`; `error` is a `JobFailedError` whose `cause` is the last attempt's error. */
  failed: { job: AnyJobInfo<Tasks>; error: JobFailedError };
  /** A run threw and the job will run again (after its backoff); `error` is what it threw. */
  retrying: { job: AnyJobInfo<Tasks>; error: Error };
  /** A run was lost to a dying tab or worker; the job is back in line. */
  stalled: { job: AnyJobInfo<Tasks> };
  cancelled: { job: AnyJobInfo<Tasks> };
  /** This queue's runner has nothing running and nothing ready. */
  drained: Record<string, never>;
  /** Storage failed in the background (the queue keeps trying). */
  error: { error: Error };
}

/** One job of an `addBulk`. */
export type BulkJob<Tasks extends TaskMap> = {
  [Name in TaskName<Tasks>]: { name: Name; data: TaskData<Tasks, Name>; opts?: JobOptions };
}[TaskName<Tasks>];

/** `add`'s arguments after the name: data may be left out for a task that takes none. */
export type AddArgs<Tasks extends TaskMap, Name extends TaskName<Tasks>> = undefined extends TaskData<Tasks, Name>
  ? [data?: TaskData<Tasks, Name>, options?: JobOptions]
  : [data: TaskData<Tasks, Name>, options?: JobOptions];

/** The handle of a job of task `Name`. */
export type TaskJobHandle<Tasks extends TaskMap, Name extends TaskName<Tasks>> = JobHandle<
  TaskResult<Tasks, Name>,
  TaskData<Tasks, Name>
>;

interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface PendingAdd {
  jobs: NewJob[];
  resolve(results: Array<{ job: JobRecord; created: boolean }>): void;
  reject(error: unknown): void;
}

/**
 * A queue of jobs, run on a pool of Web Workers. Made with {@link createQueue}.
 */
export class Queue<Tasks extends TaskMap = TaskMap> {
  /** The queue's name. */
  readonly name: string;
  readonly #o: ResolvedQueueOptions;
  readonly #store: Promise<JobStore>;
  readonly #pool: WorkerPool | undefined;
  readonly #runner: Promise<Runner | undefined>;
  readonly #events = new Emitter<QueueEvents<Tasks>>();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #progress = new Map<string, Set<(progress: unknown) => void>>();
  readonly #signals = new Map<string, () => void>();
  readonly #source: JobSource;
  #pendingAdds: PendingAdd[] = [];
  #closed = false;

  /** @internal Use {@link createQueue}. */
  constructor(options: QueueOptions) {
    const o = (this.#o = resolveQueueOptions(options));
    this.name = o.name;
    if (o.storage === 'indexeddb' && (typeof indexedDB === 'undefined' || indexedDB === null)) {
      throw new StorageError(
        "IndexedDB is not available in this browser context (some private modes lack it); use storage: 'memory'",
      );
    }
    const env = { now: () => o.clock.now(), random: Math.random };
    this.#store =
      o.storage === 'memory'
        ? Promise.resolve(new MemoryJobStore(env))
        : openQueueDb(o.name, {
            onVersionChange: () => this.#reportError(new StorageError(`A newer version of queue "${o.name}" is opening in another tab: this tab's connection was closed; reload it`)),
            onTerminated: () => this.#reportError(new StorageError(`The browser closed the database of queue "${o.name}" (storage cleared?)`)),
          }).then((db) => new IdbJobStore(db, env));
    this.#store.catch((error: unknown) => this.#reportError(error));

    this.#pool = o.worker
      ? new WorkerPool({
          create: o.worker,
          size: o.concurrency,
          idleTimeoutMs: o.idleTimeoutMs,
          startTimeoutMs: 10_000,
          clock: o.clock,
        })
      : undefined;
    const pool = this.#pool;
    this.#runner = pool
      ? this.#store.then((store) => {
          const runner = new Runner({
            queue: o.name,
            store,
            executor: pool,
            clock: o.clock,
            listener: this.#runnerListener(),
            concurrency: o.concurrency,
            leaseMs: o.leaseMs,
            maxStalls: o.maxStalls,
            cancelGraceMs: o.cancelGraceMs,
            reclaimIntervalMs: 5_000,
            progressFlushMs: 250,
          });
          if (o.autoStart) void runner.start();
          return runner;
        })
      : Promise.resolve(undefined);
    this.#runner.catch(() => {});
    this.#source = {
      info: async (id) => {
        const job = await (await this.#open()).get(id);
        return job && toJobInfo(job);
      },
      result: (id) => this.#result(id),
      onProgress: (id, listener) => this.#onProgress(id, listener),
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
  async add<Name extends TaskName<Tasks>>(name: Name, ...args: AddArgs<Tasks, Name>): Promise<TaskJobHandle<Tasks, Name>> {
    const [data, opts] = args as [unknown, JobOptions | undefined];
    const [handle] = await this.#add([{ name, data, opts }]);
    return handle as TaskJobHandle<Tasks, Name>;
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
    return (await this.#add(jobs as readonly BulkJob<Tasks>[])) as { -readonly [I in keyof Jobs]: TaskJobHandle<Tasks, Jobs[I]['name']> };
  }

  /**
   * Adds a job and waits for its result.
   * @example
   * const n = await queue.run('fib', 30);
   */
  async run<Name extends TaskName<Tasks>>(name: Name, ...args: AddArgs<Tasks, Name>): Promise<TaskResult<Tasks, Name>> {
    const job = await this.add(name, ...args);
    return job.result;
  }

  /** The handle of a stored job, from any tab, also after a reload; `undefined` if there is no such job. */
  async getJob(id: string): Promise<JobHandle<unknown> | undefined> {
    if (typeof id !== 'string') throw new TypeError(`Expected a job id string, got ${describe(id)}`);
    const job = await (await this.#open()).get(id);
    return job && new JobHandle(job.id, job.name, this.#source);
  }

  /**
   * Listens to an event; returns a function that stops listening.
   * @example
   * const off = queue.on('completed', ({ job, result }) => console.log(job.id, result));
   */
  on<Event extends keyof QueueEvents<Tasks>>(event: Event, listener: Listener<QueueEvents<Tasks>[Event]>): () => void {
    return this.#events.on(event, listener);
  }

  /** How many jobs are in each state. */
  async counts(): Promise<JobCounts> {
    return (await this.#open()).counts();
  }

  /**
   * A page of stored jobs, newest first unless `order: 'asc'`.
   * @example
   * const failed = await queue.list({ state: 'failed', limit: 50 });
   */
  async list(query: ListQuery = {}): Promise<Array<AnyJobInfo<Tasks>>> {
    const { limit = 50, offset = 0 } = query;
    if (!Number.isInteger(limit) || limit < 0) throw new TypeError(`Expected \`limit\` to be an integer from 0 and up, got ${describe(limit)}`);
    if (!Number.isInteger(offset) || offset < 0) throw new TypeError(`Expected \`offset\` to be an integer from 0 and up, got ${describe(offset)}`);
    const jobs = await (await this.#open()).list(query);
    return jobs.map((job) => toJobInfo(job) as AnyJobInfo<Tasks>);
  }

  /**
   * Cancels a job that has not finished: a queued one never runs; a running one sees `ctx.signal` abort, and
   * its worker is terminated if it does not stop within `cancelGraceMs`. Its `result` rejects with
   * `JobCancelledError`. Resolves `false` if the job had already finished (or does not exist).
   */
  async cancel(id: string): Promise<boolean> {
    const store = await this.#open();
    const error = new JobCancelledError(`Job ${id} was cancelled`);
    const [job] = (await store.commit([{ id, action: { type: 'cancel', error: serializeError(error) } }])).updated;
    if (!job) return false;
    (await this.#runner)?.cancelled(id, error);
    this.#finished(job, undefined);
    this.#emit('cancelled', () => ({ job: info(job) }));
    return true;
  }

  /** Runs a `failed` or `cancelled` job again, from its first attempt. Resolves `false` if it was in another state. */
  async retry(id: string): Promise<boolean> {
    const [job] = (await (await this.#open()).commit([{ id, action: { type: 'retry' } }])).updated;
    if (!job) return false;
    (await this.#runner)?.wake();
    return true;
  }

  /** Stops starting jobs in this tab; runs in progress go on. */
  async pause(): Promise<void> {
    (await this.#runner)?.pause();
  }

  /** Starts jobs again after `pause()` (or `autoStart: false`). */
  async resume(): Promise<void> {
    const runner = await this.#runner;
    if (!runner) return;
    await runner.start();
    runner.resume();
  }

  /**
   * Closes the queue: stops starting jobs, waits for runs in progress to end and be recorded, then
   * terminates the workers and closes storage. With `force`, hands running jobs back to the queue unrun
   * (another tab, or the next page, runs them) and stops at once.
   */
  async close(options: { force?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const runner = await this.#runner.catch(() => undefined);
    await runner?.close(options);
    this.#pool?.close();
    (await this.#store.catch(() => undefined))?.close();
    for (const [id, waiters] of this.#waiters) {
      for (const waiter of waiters) waiter.reject(new QueueClosedError(`Queue "${this.name}" was closed before job ${id} finished`));
    }
    this.#waiters.clear();
    this.#progress.clear();
    for (const detach of this.#signals.values()) detach();
    this.#events.clear();
  }

  async #open(): Promise<JobStore> {
    if (this.#closed) throw new QueueClosedError(`Queue "${this.name}" is closed`);
    return this.#store;
  }

  async #add(entries: ReadonlyArray<{ name: string; data: unknown; opts?: JobOptions | undefined }>): Promise<JobHandle[]> {
    const store = await this.#open();
    const now = this.#o.clock.now();
    const jobs = entries.map((entry, i) => {
      const where = entries.length > 1 ? ` (job ${i} of the batch)` : '';
      if (typeof entry !== 'object' || entry === null) throw new TypeError(`Expected a job as { name, data, opts }${where}, got ${describe(entry)}`);
      const { name, data, opts } = entry;
      if (typeof name !== 'string') throw new TypeError(`Expected a task name string${where}, got ${describe(name)}`);
      const job = resolveJobOptions(name, data, opts, now);
      const problem = findUncloneable(data);
      if (problem) {
        throw new InvalidJobError(`Cannot add a "${name}" job${where}: ${problem.path} ${problem.reason}`, { path: problem.path });
      }
      if (opts?.signal?.aborted) throw new JobCancelledError(`The "${name}" job${where} was cancelled by its signal before it was added`);
      return job;
    });
    await this.#checkTaskNames(jobs);
    const results = await this.#storeBatched(store, jobs);
    const handles = results.map(({ job, created }, i) => {
      if (created) {
        this.#emit('added', () => ({ job: info(job) }));
        const signal = entries[i]!.opts?.signal;
        if (signal) this.#followSignal(job.id, signal);
      }
      return new JobHandle(job.id, job.name, this.#source);
    });
    (await this.#runner)?.wake();
    return handles;
  }

  /** Adds made in the same tick go to the store in one transaction. */
  #storeBatched(store: JobStore, jobs: NewJob[]): Promise<Array<{ job: JobRecord; created: boolean }>> {
    return new Promise((resolve, reject) => {
      if (this.#pendingAdds.length === 0) {
        queueMicrotask(() => {
          const batch = this.#pendingAdds;
          this.#pendingAdds = [];
          store.add(batch.flatMap((p) => p.jobs)).then(
            (results) => {
              let at = 0;
              for (const p of batch) p.resolve(results.slice(at, (at += p.jobs.length)));
            },
            (error: unknown) => batch.forEach((p) => p.reject(error)),
          );
        });
      }
      this.#pendingAdds.push({ jobs, resolve, reject });
    });
  }

  async #checkTaskNames(jobs: NewJob[]): Promise<void> {
    if (!this.#pool) return;
    const names = await this.#pool.tasks();
    for (const job of jobs) {
      if (!names.includes(job.name)) {
        throw new InvalidJobError(`Unknown task "${job.name}": the worker serves ${names.map((n) => `"${n}"`).join(', ') || 'no tasks'}`);
      }
    }
  }

  #followSignal(id: string, signal: AbortSignal): void {
    const onAbort = () => void this.cancel(id).catch((error: unknown) => this.#reportError(error));
    signal.addEventListener('abort', onAbort, { once: true });
    this.#signals.set(id, () => signal.removeEventListener('abort', onAbort));
  }

  #result(id: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiters = this.#waiters.get(id) ?? [];
      waiters.push({ resolve, reject });
      this.#waiters.set(id, waiters);
      this.#open()
        .then((store) => store.get(id))
        .then((job) => {
          if (!job) this.#settleWaiters(id, { ok: false, error: new JobCancelledError(`Job ${id} does not exist (it was removed)`) });
          else if (isFinalState(job.state)) this.#finished(job, job.result);
        })
        .catch((error: unknown) => this.#settleWaiters(id, { ok: false, error: error as Error }));
    });
  }

  #onProgress(id: string, listener: (progress: unknown) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError(`Expected onProgress() to be given a function, got ${describe(listener)}`);
    let set = this.#progress.get(id);
    if (!set) this.#progress.set(id, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  }

  /** The job reached a final state: settle its result promises and let go of what followed it. */
  #finished(job: JobRecord, value: unknown): void {
    if (job.state === 'completed') this.#settleWaiters(job.id, { ok: true, value });
    else this.#settleWaiters(job.id, { ok: false, error: finalError(job) });
    this.#progress.delete(job.id);
    this.#signals.get(job.id)?.();
    this.#signals.delete(job.id);
  }

  #settleWaiters(id: string, outcome: { ok: true; value: unknown } | { ok: false; error: Error }): void {
    const waiters = this.#waiters.get(id);
    if (!waiters) return;
    this.#waiters.delete(id);
    for (const waiter of waiters) {
      if (outcome.ok) waiter.resolve(outcome.value);
      else waiter.reject(outcome.error);
    }
  }

  #runnerListener(): RunnerListener {
    return {
      active: (job) => this.#emit('active', () => ({ job: info(job) })),
      progress: (job, progress) => {
        for (const listener of this.#progress.get(job.id) ?? []) listener(progress);
        this.#emit('progress', () => ({ job: info({ ...job, progress }), progress }));
      },
      settled: (job, value) => {
        if (job.state === 'completed') {
          this.#finished(job, value);
          this.#emit('completed', () => ({ job: info({ ...job, result: value }), result: value }) as QueueEvents<Tasks>['completed']);
        } else if (job.state === 'failed') {
          this.#finished(job, undefined);
          this.#emit('failed', () => ({ job: info(job), error: finalError(job) as JobFailedError }));
        } else {
          this.#emit('retrying', () => ({ job: info(job), error: deserializeError(job.error ?? { name: 'Error', message: 'unknown' }) }));
        }
      },
      stalled: (job) => {
        this.#emit('stalled', () => ({ job: info(job) }));
        if (job.state === 'failed') {
          this.#finished(job, undefined);
          this.#emit('failed', () => ({ job: info(job), error: finalError(job) as JobFailedError }));
        }
      },
      drained: () => this.#emit('drained', () => ({})),
      error: (error) => this.#reportError(error),
    };
  }

  #emit<Event extends keyof QueueEvents<Tasks>>(event: Event, payload: () => QueueEvents<Tasks>[Event]): void {
    if (this.#events.has(event)) this.#events.emit(event, payload());
  }

  #reportError(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.#events.has('error')) this.#events.emit('error', { error: err });
    else console.error(`offthread: queue "${this.name}":`, err);
  }
}

/** What `job.result` rejects with for a job that ended `failed` or `cancelled`. */
function finalError(job: JobRecord): Error {
  if (job.state === 'cancelled') return deserializeError(job.error ?? { name: 'JobCancelledError', message: `Job ${job.id} was cancelled` });
  const cause = deserializeError(job.error ?? { name: 'Error', message: 'unknown error' });
  const runs = job.attempt === 1 ? '1 attempt' : `${job.attempt} attempts`;
  return new JobFailedError(job.id, `Job ${job.id} (${job.name}) failed after ${runs}: ${cause.message}`, { cause });
}

function info<T>(job: JobRecord): T {
  return toJobInfo(job) as T;
}

/**
 * Makes a queue. Jobs added to it are stored (in IndexedDB unless `storage: 'memory'`) and run on a pool
 * of workers made by `worker`.
 * @example
 * import { createQueue } from 'offthread';
 * import type { Tasks } from './tasks';
 * const queue = createQueue<Tasks>({
 *   name: 'images',
 *   worker: () => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' }),
 * });
 */
export function createQueue<Tasks extends TaskMap>(options: QueueOptions): Queue<Tasks> {
  return new Queue<Tasks>(options);
}
