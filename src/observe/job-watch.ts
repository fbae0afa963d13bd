import type { Queue } from '../client/queue';
import type { JobHandle } from '../client/job-handle';
import { JobCancelledError, JobFailedError } from '../errors';
import type { JobInfo, JobState } from '../job/job';
import type { TaskMap } from '../task/task';

/** What is known of one job, for a view: replaced (never changed) when something changes. */
export interface JobSnapshot<Result = unknown> {
  /** The job as last read or told, as plain data; `undefined` until it is read, and when there is no such job. */
  readonly job: JobInfo<unknown, Result> | undefined;
  /** Its state; `undefined` until it is read, and when there is no such job (or it was removed). */
  readonly state: JobState | undefined;
  /** The last value its handler passed to `ctx.progress`. */
  readonly progress: unknown;
  /** The handler's value, once it completed. */
  readonly result: Result | undefined;
  /** What its `result` rejected with: `JobFailedError` (the last attempt's error as `cause`) or `JobCancelledError`. */
  readonly error: JobFailedError | JobCancelledError | undefined;
  /** Whether the job has been read from the queue (it may then be missing: `job` stays `undefined`). */
  readonly loaded: boolean;
}

/** The snapshot of a job not looked at yet (or of no job at all). */
export const NO_JOB: JobSnapshot<never> = Object.freeze({
  job: undefined,
  state: undefined,
  progress: undefined,
  result: undefined,
  error: undefined,
  loaded: false,
});

interface Watched {
  snapshot: JobSnapshot;
  listeners: Set<() => void>;
}

/** When a job read `waiting` may be running unwritten: its claim is written by then (the runner's 50 ms, and some). */
const CLAIM_RECHECK_MS = 100;

/** The job events that carry a job whose record changed. */
const JOB_EVENTS = ['added', 'active', 'progress', 'completed', 'failed', 'retrying', 'stalled', 'cancelled'] as const;

const watches = new WeakMap<Queue<TaskMap>, JobWatch>();

/**
 * The jobs of one queue that views look at, each with its snapshot: one set of listeners on the queue for all of
 * them, and each event told only to the listeners of its job, so a job's progress re-renders the views of that job
 * and no other.
 */
export class JobWatch {
  readonly #queue: Queue<TaskMap>;
  readonly #jobs = new Map<string, Watched>();
  #offs: Array<() => void> | undefined;

  private constructor(queue: Queue<TaskMap>) {
    this.#queue = queue;
  }

  /** The watch of `queue`'s jobs, made once per queue. */
  static of<Tasks extends TaskMap>(queue: Queue<Tasks>): JobWatch {
    const q = queue as unknown as Queue<TaskMap>;
    let watch = watches.get(q);
    if (!watch) watches.set(q, (watch = new JobWatch(q)));
    return watch;
  }

  /** What is known of job `id` now (the same object until something changes). */
  snapshot(id: string): JobSnapshot {
    return this.#jobs.get(id)?.snapshot ?? NO_JOB;
  }

  /**
   * Calls `listener` whenever job `id`'s snapshot changes; the first listener of a job has it read. `handle`, when
   * the caller has one, saves asking the queue for it. Returns a function that stops it.
   */
  subscribe(id: string, listener: () => void, handle?: JobHandle): () => void {
    let watched = this.#jobs.get(id);
    if (!watched) {
      this.#jobs.set(id, (watched = { snapshot: NO_JOB, listeners: new Set() }));
      this.#listen();
      void this.#load(id, watched, handle);
    }
    const { listeners } = watched;
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0 || this.#jobs.get(id) !== watched) return;
      this.#jobs.delete(id);
      if (this.#jobs.size === 0) for (const off of this.#offs?.splice(0) ?? []) off();
    };
  }

  /** Reads the job, and follows its `result` for the value or the error it ends with. */
  async #load(id: string, watched: Watched, given: JobHandle | undefined): Promise<void> {
    let handle: JobHandle | undefined;
    let job: JobInfo | undefined;
    try {
      handle = given ?? (await this.#queue.getJob(id));
      job = await handle?.info();
    } catch {
      // The queue closed (or its storage failed: the queue's `error` event tells that): nothing more to know.
      return;
    }
    if (this.#jobs.get(id) !== watched) return;
    // Told by an event while it was read: the event is newer.
    if (watched.snapshot.loaded) return this.#follow(watched, handle);
    this.#update(watched, { loaded: true, job, state: job?.state, progress: job?.progress, result: job?.result });
    this.#follow(watched, handle);
    // A run that started before this view looked is stored as `waiting` until its claim is written (within 50 ms
    // of its start, or with its end), and no event tells when it is: read once more, unless an event comes first.
    if (job?.state !== 'waiting' || !handle) return;
    const read = watched.snapshot;
    setTimeout(async () => {
      const again = await handle.info().catch(() => undefined);
      if (again && this.#jobs.get(id) === watched && watched.snapshot === read) {
        this.#update(watched, { job: again, state: again.state, progress: again.progress });
      }
    }, CLAIM_RECHECK_MS);
  }

  #follow(watched: Watched, handle: JobHandle | undefined): void {
    handle?.result.then(
      (result) => this.#update(watched, { result }),
      (error: unknown) => {
        // Not the job's end (the queue closed in this tab): nothing to show.
        if (error instanceof JobFailedError || error instanceof JobCancelledError) this.#update(watched, { error });
      },
    );
  }

  #listen(): void {
    if (this.#offs?.length) return;
    this.#offs = JOB_EVENTS.map((event) =>
      this.#queue.on(event, (payload) => {
        const watched = this.#jobs.get(payload.job.id);
        if (!watched) return;
        const { job } = payload;
        const progress = 'progress' in payload ? payload.progress : job.progress;
        this.#update(watched, { job, state: job.state, progress, loaded: true, ...(event === 'completed' && { result: job.result }) });
      }),
    );
  }

  /** Applies `patch`: a new snapshot, and its listeners told, only if something in it differs. */
  #update(watched: Watched, patch: Partial<JobSnapshot>): void {
    const current = watched.snapshot as unknown as Record<string, unknown>;
    if (!Object.entries(patch).some(([key, value]) => !Object.is(current[key], value))) return;
    watched.snapshot = Object.freeze({ ...watched.snapshot, ...patch });
    for (const listener of [...watched.listeners]) listener();
  }
}
