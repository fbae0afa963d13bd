import { deserializeError, JobCancelledError, JobFailedError, StorageError } from '../errors';
import { isFinalState, type JobRecord } from '../job/job';
import { describe } from '../job/job-options';
import { callListener } from './emitter';

/** Settles one promise of a job's result. */
export interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * Who in this page follows which job: `result` promises, `onProgress` listeners, and `AbortSignal`s given
 * to `add`. They are settled from whichever tab (or thread) ran the job.
 */
export class JobWatchers {
  /** One waiter, or several: most jobs have one (`run`'s promise, or one `result`). */
  readonly #waiters = new Map<string, Waiter | Waiter[]>();
  readonly #progress = new Map<string, Set<(progress: unknown) => void>>();
  readonly #signals = new Map<string, () => void>();
  /** Set once the queue closed in this tab: a wait begun after that ends at once, with this error. */
  #closedWith: ((id: string) => Error) | undefined;

  /** Whether anything here waits for the job's end. */
  isWaiting(id: string): boolean {
    return this.#waiters.has(id);
  }

  /**
   * A promise of the job's result. `lookup` reads the stored job, for a job that finished before anyone
   * waited (or while no page was open).
   */
  result(id: string, lookup: (id: string) => Promise<JobRecord | undefined>): Promise<unknown> {
    const result = this.wait(id);
    lookup(id).then(
      (job) => {
        if (!job) this.#settle(id, { ok: false, error: new JobCancelledError(`Job ${id} does not exist (it was removed)`) });
        else if (isFinalState(job.state) || job.state === 'corrupt') this.finished(job, job.result);
      },
      (error: unknown) => this.#settle(id, { ok: false, error: error as Error }),
    );
    return result;
  }

  /** A promise of the result of a job that has not ended yet (just added here): nothing is read back. */
  wait(id: string): Promise<unknown> {
    return new Promise((resolve, reject) => this.follow(id, { resolve, reject }));
  }

  /** Settles `waiter` with the result of a job that has not ended yet, as {@link wait} does its promise. */
  follow(id: string, waiter: Waiter): void {
    if (this.#closedWith) return waiter.reject(this.#closedWith(id));
    const waiters = this.#waiters.get(id);
    if (!waiters) this.#waiters.set(id, waiter);
    else if (Array.isArray(waiters)) waiters.push(waiter);
    else this.#waiters.set(id, [waiters, waiter]);
  }

  onProgress(id: string, listener: (progress: unknown) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError(`Expected onProgress() to be given a function, got ${describe(listener)}`);
    let set = this.#progress.get(id);
    if (!set) this.#progress.set(id, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  }

  progress(id: string, progress: unknown): void {
    for (const listener of this.#progress.get(id) ?? []) callListener(listener, progress);
  }

  /** Cancels the job (through `cancel`) when `signal` aborts, until the job ends. */
  followSignal(id: string, signal: AbortSignal, cancel: () => void): void {
    // Aborted while the job was being stored: no `abort` event comes again.
    if (signal.aborted) return cancel();
    signal.addEventListener('abort', cancel, { once: true });
    this.#signals.set(id, () => signal.removeEventListener('abort', cancel));
  }

  /** The job reached a final state: settle its result promises and let go of what followed it. */
  finished(job: JobRecord, value: unknown): void {
    if (job.state === 'completed') this.#settle(job.id, { ok: true, value });
    else this.#settle(job.id, { ok: false, error: finalError(job) });
    this.#progress.delete(job.id);
    this.#signals.get(job.id)?.();
    this.#signals.delete(job.id);
  }

  /** The job is gone (removed, or storage cleared). */
  gone(id: string, error: Error): void {
    this.#settle(id, { ok: false, error });
    this.#progress.delete(id);
  }

  /** Rejects everything still waiting (the queue closed). */
  rejectAll(error: (id: string) => Error): void {
    for (const id of [...this.#waiters.keys()]) this.#settle(id, { ok: false, error: error(id) });
    this.#progress.clear();
    for (const detach of this.#signals.values()) detach();
    this.#signals.clear();
  }

  /** The queue closed: rejects everything still waiting, and every wait begun from now on. */
  close(error: (id: string) => Error): void {
    this.#closedWith = error;
    this.rejectAll(error);
  }

  /** Ids of the jobs someone waits for. */
  waitedFor(): string[] {
    return [...this.#waiters.keys()];
  }

  #settle(id: string, outcome: { ok: true; value: unknown } | { ok: false; error: Error }): void {
    const waiters = this.#waiters.get(id);
    if (!waiters) return;
    this.#waiters.delete(id);
    if (!Array.isArray(waiters)) return settle(waiters, outcome);
    for (const waiter of waiters) settle(waiter, outcome);
  }
}

function settle(waiter: Waiter, outcome: { ok: true; value: unknown } | { ok: false; error: Error }): void {
  if (outcome.ok) waiter.resolve(outcome.value);
  else waiter.reject(outcome.error);
}

/** What a job's record put aside as corrupt (or a schedule's) is told as, and what waits for it rejects with. */
export function corruptError(id: string, message: string): StorageError {
  return new StorageError(message, { code: 'ERR_STORAGE_CORRUPT', recordId: id });
}

/** What `job.result` rejects with for a job that ended `failed`, `cancelled` or `corrupt`. */
export function finalError(job: JobRecord): Error {
  if (job.state === 'corrupt') return corruptError(job.id, job.error?.message ?? `Job ${job.id} is corrupt`);
  if (job.state === 'cancelled') return deserializeError(job.error ?? { name: 'JobCancelledError', message: `Job ${job.id} was cancelled` });
  const cause = deserializeError(job.error ?? { name: 'Error', message: 'unknown error' });
  const runs = job.attempt === 1 ? '1 attempt' : `${job.attempt} attempts`;
  return new JobFailedError(job.id, `Job ${job.id} (${job.name}) failed after ${runs}: ${cause.message}`, { cause });
}
