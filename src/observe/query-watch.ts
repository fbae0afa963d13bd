import type { Queue } from '../client/queue';
import type { JobCounts, JobInfo, JobState } from '../job/job';
import type { ListQuery } from '../store/job-store';
import type { TaskMap, TaskName } from '../task/task';

/** Which jobs `useJobs` shows. */
export interface JobsQuery<Tasks extends TaskMap = TaskMap> {
  /** Only jobs in this state. */
  state?: JobState;
  /** Only jobs of this task. */
  name?: TaskName<Tasks>;
  /** @default 50 */
  limit?: number;
  /** @default 0 */
  offset?: number;
  /** @default 'desc' (newest first) */
  order?: 'asc' | 'desc';
}

/** Events after which counts and lists may have changed (not `progress`: a job's progress changes neither). */
const CHANGE_EVENTS = ['added', 'active', 'completed', 'failed', 'retrying', 'stalled', 'cancelled', 'drained'] as const;
/** Reads again at most this often while events keep coming. */
const MIN_READ_INTERVAL_MS = 50;
/**
 * And this often whatever happens, while someone looks: no event tells of `remove()`, `clean()`, `retry()` or a
 * pause, nor of what another tab without a runner did.
 */
const SAFETY_READ_MS = 5_000;

const watches = new WeakMap<Queue<TaskMap>, Map<string, QueryWatch<unknown>>>();

/**
 * The result of one read of a queue (its counts, a page of its jobs), kept for the views that show it and read
 * again after the events that may change it, at most every {@link MIN_READ_INTERVAL_MS}. One per queue and query,
 * shared by every view that shows it; a new snapshot (and a render) only when what was read differs.
 */
export class QueryWatch<T> {
  readonly #queue: Queue<TaskMap>;
  readonly #read: () => Promise<T>;
  readonly #same: (a: T, b: T) => boolean;
  readonly #listeners = new Set<() => void>();
  /** Where it is found by the views that ask for the same query: it is there while someone looks. */
  readonly #home: Map<string, QueryWatch<unknown>>;
  readonly #key: string;
  #snapshot: T | undefined;
  #offs: Array<() => void> = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #safety: ReturnType<typeof setInterval> | undefined;
  #reading = false;
  #again = false;
  #lastRead = -Infinity;

  private constructor(queue: Queue<TaskMap>, read: () => Promise<T>, same: (a: T, b: T) => boolean, home: Map<string, QueryWatch<unknown>>, key: string) {
    this.#queue = queue;
    this.#read = read;
    this.#same = same;
    this.#home = home;
    this.#key = key;
  }

  /** The watch of `queue`'s counts. */
  static counts<Tasks extends TaskMap>(queue: Queue<Tasks>): QueryWatch<JobCounts> {
    return QueryWatch.#of(queue, 'counts', (q) => q.counts(), sameCounts);
  }

  /**
   * The watch of a page of `queue`'s jobs: `list(query)`, and of task `name` only if given (pages of the state's
   * jobs are read until `limit` of that task are found, or none are left).
   */
  static jobs<Tasks extends TaskMap>(queue: Queue<Tasks>, query: JobsQuery<Tasks>): QueryWatch<JobInfo[]> {
    const { name, state, limit, offset, order } = query;
    const key = JSON.stringify(['jobs', name, state, limit, offset, order]);
    return QueryWatch.#of(queue, key, (q) => listJobs(q, { state, limit, offset, order }, name), sameJobs);
  }

  static #of<Tasks extends TaskMap, T>(queue: Queue<Tasks>, key: string, read: (queue: Queue<TaskMap>) => Promise<T>, same: (a: T, b: T) => boolean): QueryWatch<T> {
    const q = queue as unknown as Queue<TaskMap>;
    let byKey = watches.get(q);
    if (!byKey) watches.set(q, (byKey = new Map()));
    let watch = byKey.get(key) as QueryWatch<T> | undefined;
    if (!watch) {
      watch = new QueryWatch(q, () => read(q), same, byKey, key);
      byKey.set(key, watch as QueryWatch<unknown>);
    }
    return watch;
  }

  /** What was read last; `undefined` until the first read ends. */
  snapshot(): T | undefined {
    return this.#snapshot;
  }

  /** Calls `listener` when what is read changes; the first listener starts the reads, the last one's going stops them. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) {
      if (!this.#home.has(this.#key)) this.#home.set(this.#key, this as QueryWatch<unknown>);
      this.#offs = CHANGE_EVENTS.map((event) => this.#queue.on(event, () => this.#soon()));
      this.#safety = setInterval(() => this.#soon(), SAFETY_READ_MS);
      this.#soon();
    }
    return () => {
      if (!this.#listeners.delete(listener) || this.#listeners.size > 0) return;
      for (const off of this.#offs.splice(0)) off();
      clearInterval(this.#safety);
      clearTimeout(this.#timer);
      this.#timer = undefined;
      if (this.#home.get(this.#key) === this) this.#home.delete(this.#key);
    };
  }

  /** Reads again soon: at once if the last read was a while ago, else when {@link MIN_READ_INTERVAL_MS} has passed. */
  #soon(): void {
    if (this.#reading) return void (this.#again = true);
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, this.#lastRead + MIN_READ_INTERVAL_MS - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#readNow();
    }, wait);
  }

  async #readNow(): Promise<void> {
    if (this.#listeners.size === 0) return;
    this.#reading = true;
    this.#lastRead = Date.now();
    try {
      const value = await this.#read();
      if (this.#snapshot === undefined || !this.#same(this.#snapshot, value)) {
        this.#snapshot = value;
        for (const listener of [...this.#listeners]) listener();
      }
    } catch {
      // The queue closed, or its storage failed (its `error` event tells): the last snapshot stays.
    } finally {
      this.#reading = false;
    }
    if (this.#again) {
      this.#again = false;
      this.#soon();
    }
  }
}

/** A page of jobs; of task `name` only, if given. */
async function listJobs(queue: Queue<TaskMap>, query: ListQuery, name: string | undefined): Promise<JobInfo[]> {
  if (name === undefined) return queue.list(query);
  const { limit = 50, offset = 0 } = query;
  const found: JobInfo[] = [];
  let skip = offset;
  for (let at = 0; found.length < limit; at += LIST_PAGE) {
    const page = await queue.list({ ...query, limit: LIST_PAGE, offset: at });
    for (const job of page) {
      if (job.name !== name) continue;
      if (skip > 0) skip--;
      else if (found.push(job) === limit) break;
    }
    if (page.length < LIST_PAGE) break;
  }
  return found;
}

/** Jobs read per `list()` when looking for one task's. */
const LIST_PAGE = 200;

function sameCounts(a: JobCounts, b: JobCounts): boolean {
  const keys = Object.keys(a) as Array<keyof JobCounts>;
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** The same jobs, in the same states and at the same point (a new page of the same rows renders nothing). */
function sameJobs(a: JobInfo[], b: JobInfo[]): boolean {
  return (
    a.length === b.length &&
    a.every((job, i) => {
      const other = b[i]!;
      return job.id === other.id && job.state === other.state && job.attempt === other.attempt && Object.is(job.progress, other.progress) && job.finishedAt === other.finishedAt;
    })
  );
}
