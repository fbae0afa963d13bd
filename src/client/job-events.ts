import { deserializeError, type JobFailedError } from '../errors';
import { toJobInfo, type JobRecord } from '../job/job';
import type { SlimJob } from '../tabs/queue-channel';
import type { TaskMap } from '../task/task';
import { Emitter, type Listener } from './emitter';
import { finalError, JobWatchers } from './job-watchers';
import type { JobEventPayload, QueueEvents } from './queue-types';

/** The job events that cross tabs. */
export type JobEvent = 'added' | 'active' | 'completed' | 'failed' | 'retrying' | 'stalled' | 'cancelled';

/**
 * Turns what happens to jobs, here or in another tab, into the queue's events and into settled
 * `result` promises. A payload nobody listens to is never built, and a job's data and result are read
 * from the store only when a listener or a waiting `result` needs them.
 */
export class JobEvents<Tasks extends TaskMap> {
  readonly watchers = new JobWatchers();
  readonly #emitter = new Emitter<QueueEvents<Tasks>>();
  readonly #queue: string;
  readonly #lookup: (id: string) => Promise<JobRecord | undefined>;
  readonly #records = new Map<string, Promise<JobRecord | undefined>>();

  constructor(queue: string, lookup: (id: string) => Promise<JobRecord | undefined>) {
    this.#queue = queue;
    this.#lookup = lookup;
  }

  on<Event extends keyof QueueEvents<Tasks>>(event: Event, listener: Listener<QueueEvents<Tasks>[Event]>): () => void {
    return this.#emitter.on(event, listener);
  }

  emit<Event extends keyof QueueEvents<Tasks>>(event: Event, payload: () => QueueEvents<Tasks>[Event]): void {
    if (this.#emitter.has(event)) this.#emitter.emit(event, payload());
  }

  error(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.#emitter.has('error')) this.#emitter.emit('error', { error: err });
    else console.error(`offthread: queue "${this.#queue}":`, err);
  }

  /** `event` happened to `job` (the record after it); `value` is the result of a completed run. */
  job(event: JobEvent, job: JobRecord, value: unknown = job.result): void {
    switch (event) {
      case 'added':
        return this.emit('added', () => payload(job));
      case 'active':
        return this.emit('active', () => payload(job));
      case 'completed':
        this.watchers.finished(job, value);
        return this.emit('completed', () => ({ ...payload({ ...job, result: value }), result: value }) as QueueEvents<Tasks>['completed']);
      case 'failed':
        this.watchers.finished(job, undefined);
        return this.emit('failed', () => ({ ...payload(job), error: finalError(job) as JobFailedError }));
      case 'retrying':
        return this.emit('retrying', () => ({ ...payload(job), error: deserializeError(job.error ?? { name: 'Error', message: 'unknown error' }) }));
      case 'stalled':
        this.emit('stalled', () => payload(job));
        if (job.state === 'failed') this.job('failed', job);
        return;
      case 'cancelled':
        this.watchers.finished(job, undefined);
        return this.emit('cancelled', () => payload(job));
    }
  }

  progress(job: JobRecord, progress: unknown): void {
    this.watchers.progress(job.id, progress);
    this.emit('progress', () => ({ ...payload({ ...job, progress }), progress }));
  }

  /** `event` happened in another tab (or the service worker). */
  async remoteJob(event: JobEvent, job: SlimJob): Promise<void> {
    const final = event === 'completed' || event === 'failed' || event === 'cancelled' || job.state === 'failed';
    const needsRecord = this.#emitter.has(event) || (final && this.watchers.isWaiting(job.id));
    // A final event reads afresh: a record read earlier in the run has no result yet.
    if (final) this.#records.delete(job.id);
    const stored = needsRecord ? await (final ? this.#lookup(job.id).catch(() => undefined) : this.#stored(job.id)) : undefined;
    // The stored record may have moved on since: the event's own view of the job wins.
    this.job(event, { data: stored?.data, result: stored?.result, ...job });
  }

  async remoteProgress(job: SlimJob, progress: unknown): Promise<void> {
    this.watchers.progress(job.id, progress);
    if (!this.#emitter.has('progress')) return;
    // A job's data is read once per run, not at every progress report.
    const stored = await this.#stored(job.id);
    this.emit('progress', () => ({ ...payload({ data: stored?.data, result: undefined, ...job, progress }), progress }));
  }

  /** A job's stored record, read once while it runs elsewhere. */
  #stored(id: string): Promise<JobRecord | undefined> {
    let record = this.#records.get(id);
    if (!record) {
      record = this.#lookup(id).catch(() => undefined);
      this.#records.set(id, record);
      // Bounded: a tab that listens to many runs keeps only the latest few.
      if (this.#records.size > 256) this.#records.delete(this.#records.keys().next().value!);
    }
    return record;
  }

  close(errorFor: (id: string) => Error): void {
    this.watchers.close(errorFor);
    this.#emitter.clear();
  }
}

/** A job event's payload: the task's name beside the job, so that checking it narrows the rest. */
export function payload<Tasks extends TaskMap>(job: JobRecord): JobEventPayload<Tasks> {
  return { name: job.name, job: toJobInfo(job) } as JobEventPayload<Tasks>;
}
