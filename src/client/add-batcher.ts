import type { Clock } from '../clock';
import type { JobRecord } from '../job/job';
import type { JobOptions, NewJob } from '../job/job-options';
import type { JobStore } from '../store/job-store';
import type { TaskManifest } from '../task/task';
import type { checkAdd } from './check-add';
import type { ManifestCache } from './manifest-cache';

/** One job as `add` and `addBulk` are given it. */
export interface AddEntry {
  name: string;
  data?: unknown;
  opts?: JobOptions | undefined;
}

/** A job as the store answered an add: the stored record, and whether this add made it (not found by its `jobId`). */
export interface StoredJob {
  job: JobRecord;
  created: boolean;
}

/**
 * One call of `add` or `addBulk`, waiting for the next batch: `addBulk`'s jobs in `bulk`, or the one job of
 * `add` in the call itself (no array, no entry object: `run` is the hot path). An `addBulk` call leaves
 * `name`, `data` and `opts` unset, and nothing reads them.
 */
interface PendingAdd extends AddEntry {
  bulk: readonly AddEntry[] | undefined;
  resolve(value: StoredJob | StoredJob[]): void;
  reject(error: unknown): void;
}

/** What the batcher asks of its queue. */
export interface AddBatcherHost {
  clock: Clock;
  manifests: ManifestCache;
  /** The store and the tasks to check against, before a batch is checked; rejects if the queue closed meanwhile. */
  prepare(): Promise<{ store: JobStore; manifest: TaskManifest | undefined }>;
  /** The error of a call made once the queue closed; `undefined` while it is open. */
  closed(): Error | undefined;
  /** A slice was stored: `created` are the jobs it made (announced before any call is answered). */
  added(created: JobRecord[]): void;
  /** What the calls of a slice whose write failed reject with. */
  failure(error: unknown): unknown;
}

/**
 * Adds are stored in batches; a batch's checks stop taking more calls after this long, so that thousands of
 * adds in one tick never hold the main thread more than a few milliseconds at a time.
 */
const ADD_SLICE_MS = 4;

/**
 * The calls of `add`, `addBulk` and `run` made in one tick, checked and stored together (one transaction), in
 * slices of a few milliseconds when there are thousands. A call that is refused stores nothing; an `addBulk`
 * is stored whole or not at all.
 */
export class AddBatcher {
  readonly #host: AddBatcherHost;
  readonly #pending: PendingAdd[] = [];
  /** The checks, loaded with `import()` as the queue opens, while the store does (which every add waits for anyway). */
  readonly #checks: Promise<typeof checkAdd>;

  constructor(host: AddBatcherHost) {
    this.#host = host;
    this.#checks = import('./check-add').then((module) => module.checkAdd);
    this.#checks.catch(() => {});
  }

  /** Adds one job; resolves once it is stored. */
  add(name: string, data: unknown, opts: JobOptions | undefined): Promise<StoredJob> {
    return this.#enqueue(undefined, name, data, opts) as Promise<StoredJob>;
  }

  /** Adds `jobs` in one transaction; resolves once all are stored, in their order. */
  addBulk(jobs: readonly AddEntry[]): Promise<StoredJob[]> {
    return this.#enqueue(jobs) as Promise<StoredJob[]>;
  }

  #enqueue(bulk: readonly AddEntry[] | undefined, name?: string, data?: unknown, opts?: JobOptions): Promise<StoredJob | StoredJob[]> {
    const closed = this.#host.closed();
    if (closed) return Promise.reject(closed);
    return new Promise((resolve, reject) => {
      if (this.#pending.push({ bulk, name: name!, data, opts, resolve, reject }) === 1) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    const pending = this.#pending;
    let store: JobStore;
    let manifest: TaskManifest | undefined;
    let check: typeof checkAdd;
    try {
      [{ store, manifest }, check] = await Promise.all([this.#host.prepare(), this.#checks]);
    } catch (error) {
      for (const p of pending.splice(0)) p.reject(error);
      return;
    }
    const { manifests } = this.#host;
    const defaultsOf = (tasks: TaskManifest, name: string) => manifests.defaultsOf(tasks, name);
    for (;;) {
      const deadline = performance.now() + ADD_SLICE_MS;
      const now = this.#host.clock.now();
      const taken: PendingAdd[] = [];
      const jobs: NewJob[] = [];
      let checked = 0;
      while (checked < pending.length) {
        const p = pending[checked++]!;
        const mark = jobs.length;
        try {
          const { bulk } = p;
          if (!bulk) jobs.push(check(p, -1, manifest, defaultsOf, now));
          else for (let i = 0; i < bulk.length; i++) jobs.push(check(bulk[i], i, manifest, defaultsOf, now));
          taken.push(p);
        } catch (error) {
          // Nothing of a call that was refused is stored.
          jobs.length = mark;
          p.reject(error);
        }
        // The slice ends between calls, never inside one: an addBulk is stored whole.
        if ((checked & 63) === 0 && performance.now() > deadline) break;
      }
      pending.splice(0, checked);
      if (jobs.length > 0) this.#store(store, taken, jobs);
      if (pending.length === 0) return;
      // Thousands of adds in one tick: the page gets the main thread back between slices.
      await yieldToEventLoop();
      const closed = this.#host.closed();
      if (closed) {
        for (const p of pending.splice(0)) p.reject(closed);
        return;
      }
    }
  }

  /** Stores one slice of adds (one transaction), announces the jobs it made, then answers each call. */
  #store(store: JobStore, taken: PendingAdd[], jobs: NewJob[]): void {
    store.add(jobs).then(
      (results) => {
        const created: JobRecord[] = [];
        for (const result of results) if (result.created) created.push(result.job);
        this.#host.added(created);
        let at = 0;
        for (const p of taken) {
          if (!p.bulk) p.resolve(results[at++]!);
          else p.resolve(results.slice(at, (at += p.bulk.length)));
        }
      },
      (error: unknown) => {
        const reason = this.#host.failure(error);
        for (const p of taken) p.reject(reason);
      },
    );
  }
}

/** Gives the event loop a turn: a message to ourselves, without the 4 ms clamp of nested timers. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
