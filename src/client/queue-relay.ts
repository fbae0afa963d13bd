import { JobCancelledError } from '../errors';
import { isFinalState, type JobRecord } from '../job/job';
import { QueueChannel, slim, type QueueMessage } from '../tabs/queue-channel';
import type { TaskMap } from '../task/task';
import { JobEvents, payload, type JobEvent } from './job-events';
import { corruptError } from './job-watchers';
import type { RunnerTabListener } from './runner-tab';

/** What this tab's runner side is told of changes (made here or in another tab). */
export interface RelayedRunner {
  wake(added?: readonly JobRecord[]): void;
  cancelled(id: string, reason: Error): void;
  pause(): void;
  resume(): void;
  schedulesChanged(): void;
}

/** New jobs told to other tabs one by one, at most; more go as a bare wake-up. */
const MAX_ADDED_BROADCAST = 500;

/**
 * The one place that announces a change to the queue, as TanStack Query's `#dispatch` reduces and notifies in
 * one method: one function per kind of change tells this tab (its listeners, the waits for results, its runner
 * side) and the other tabs (the queue's channel). A change heard from another tab goes through the same
 * function, told here only.
 *
 * It is also what this tab's runner side tells its changes to (a {@link RunnerTabListener}): a run's end goes
 * from the runner straight to the events and the waits, with no hop in between.
 */
export class QueueRelay<Tasks extends TaskMap> implements RunnerTabListener {
  /** This tab's events and waits: follow jobs through it; changes are told through the relay. */
  readonly events: JobEvents<Tasks>;
  readonly #lookup: (id: string) => Promise<JobRecord | undefined>;
  readonly #channel: QueueChannel | undefined;
  readonly #isClosed: () => boolean;
  #runner: RelayedRunner | undefined;

  /**
   * `lookup` reads a stored job; `crossTab` opens the queue's channel to the other tabs; `isClosed` says that the
   * queue closed in this tab: what other tabs tell is not heard any more.
   */
  constructor(queue: string, lookup: (id: string) => Promise<JobRecord | undefined>, crossTab: boolean, isClosed: () => boolean) {
    this.events = new JobEvents<Tasks>(queue, lookup);
    this.#lookup = lookup;
    this.#isClosed = isClosed;
    this.#channel = crossTab ? new QueueChannel(queue, (message) => this.#receive(message)) : undefined;
  }

  /** This tab's runner side, made with the relay as its listener. */
  connect(runner: RelayedRunner | undefined): void {
    this.#runner = runner;
  }

  /** `event` happened to `job` here (the record after it); `value` is the result of a completed run. */
  job(event: JobEvent, job: JobRecord, value?: unknown): void {
    this.events.job(event, job, value);
    this.#channel?.post({ type: 'job', event, job: slim(job) });
  }

  progress(job: JobRecord, progress: unknown): void {
    this.events.progress(job, progress);
    this.#channel?.post({ type: 'progress', job: slim(job), progress });
  }

  /** Jobs were added here (by a schedule, or by `add`): this tab's listeners and the other tabs hear of them. */
  added(jobs: readonly JobRecord[]): void {
    for (const job of jobs) this.events.emit('added', () => payload<Tasks>(job));
    // Large bulks go as a bare wake-up: other tabs list them if they care.
    const told = jobs.length > 0 && jobs.length <= MAX_ADDED_BROADCAST ? jobs.map(slim) : undefined;
    this.#channel?.post({ type: 'added', jobs: told });
  }

  /**
   * Jobs joined the line here: `jobs` just stored by this tab (the runner may start them at once), or none
   * (retried, or network jobs runnable again): the runner looks, wherever it runs.
   */
  queued(jobs: readonly JobRecord[] = []): void {
    this.#runner?.wake(jobs);
    this.added(jobs);
  }

  drained(): void {
    this.events.emit('drained', () => ({}));
  }

  error(error: unknown): void {
    this.events.error(error);
  }

  /**
   * This tab became the queue's runner. A runner that died may have recorded the end of a job it never got to
   * tell: every tab reads again what it waits for.
   */
  leading(): void {
    this.#channel?.post({ type: 'runner' });
    void this.#recheck();
  }

  /** A job was cancelled here (`job`, its record after): its run stops wherever it runs. */
  cancelled(job: JobRecord): void {
    this.#stop(job.id, false);
    this.#channel?.post({ type: 'stop', id: job.id, removed: false });
    this.job('cancelled', job);
  }

  /** A job was removed here: its run stops wherever it runs, and what waits for it rejects. */
  removed(id: string): void {
    this.#stop(id, true);
    this.#channel?.post({ type: 'stop', id, removed: true });
  }

  paused(paused: boolean): void {
    this.#pause(paused);
    this.#channel?.post({ type: 'paused', paused });
  }

  /** Schedules were made or removed here: the runner looks at them again, wherever it runs. */
  schedulesChanged(): void {
    this.#runner?.schedulesChanged();
    this.#channel?.post({ type: 'schedules' });
  }

  /**
   * Stored records were found malformed and put aside (by this tab's store): each is told once, through the
   * `error` event; whoever waits for such a job's result, here or in another tab, gets the same error.
   */
  quarantined(reports: ReadonlyArray<{ kind: 'job' | 'schedule'; id: string; message: string }>): void {
    for (const { kind, id, message } of reports) {
      const error = corruptError(id, message);
      if (kind === 'job') {
        this.events.watchers.gone(id, error);
        this.#channel?.post({ type: 'corrupt', id, message });
      }
      this.events.error(error);
    }
  }

  /** A job this tab waits for is gone with the storage (cleared, or deleted): its waits reject with `error`. */
  gone(id: string, error: Error): void {
    this.events.watchers.gone(id, error);
  }

  /** No end of a job can reach this tab any more (a newer version took the database): every wait rejects. */
  disconnected(reason: Error): void {
    this.events.watchers.rejectAll(() => reason);
  }

  /** Ids of the jobs this tab waits for. */
  waitedFor(): string[] {
    return this.events.watchers.waitedFor();
  }

  /** The queue closed in this tab: no more messages; every wait still open, and every one begun later, rejects. */
  close(errorFor: (id: string) => Error): void {
    this.#channel?.close();
    this.events.close(errorFor);
  }

  /** A job was cancelled (`removed`: deleted): its run stops if it runs here; a removed job's waits reject. */
  #stop(id: string, removed: boolean): void {
    const error = stopError(id, removed);
    if (removed) this.events.watchers.gone(id, error);
    this.#runner?.cancelled(id, error);
  }

  #pause(paused: boolean): void {
    if (paused) this.#runner?.pause();
    else this.#runner?.resume();
  }

  /** Settles the waits for jobs that ended unheard of here (their runner died before it could tell). */
  async #recheck(): Promise<void> {
    const ids = this.events.watchers.waitedFor();
    if (ids.length === 0 || this.#isClosed()) return;
    const jobs = await Promise.all(ids.map((id) => this.#lookup(id).catch(() => undefined)));
    for (const job of jobs) if (job && isFinalState(job.state)) this.events.watchers.finished(job, job.result);
  }

  /** A change told by another tab (or the service worker): the same as when it is made here, told here only. */
  #receive(message: QueueMessage): void {
    if (this.#isClosed()) return;
    switch (message.type) {
      case 'added':
        for (const job of message.jobs ?? []) void this.events.remoteJob('added', job);
        return this.#runner?.wake();
      case 'schedules':
        return this.#runner?.schedulesChanged();
      case 'stop':
        return this.#stop(message.id, message.removed);
      case 'paused':
        return this.#pause(message.paused);
      case 'corrupt':
        return this.events.watchers.gone(message.id, corruptError(message.id, message.message));
      case 'progress':
        return void this.events.remoteProgress(message.job, message.progress);
      case 'runner':
        return void this.#recheck();
      case 'job':
        return void this.events.remoteJob(message.event, message.job);
    }
  }
}

/** What a cancelled (or removed) job's run is stopped with, and its `result` rejects with. */
export function stopError(id: string, removed: boolean): JobCancelledError {
  return new JobCancelledError(`Job ${id} was ${removed ? 'removed' : 'cancelled'}`);
}
