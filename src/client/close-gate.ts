import { QueueClosedError, StorageError } from '../errors';
import type { JobStore } from '../store/job-store';

/**
 * What makes every call of a queue settle around `close()`: a call made once it has begun rejects with
 * `QueueClosedError`, and so does a call it cut off (the store closed under it, or a worker that never started).
 */
export class CloseGate {
  readonly #queue: string;
  readonly #store: Promise<JobStore>;
  #closed = false;
  /** `close()` has closed the store: a call it cut off says the queue closed, not that the store did. */
  #storeClosed = false;
  /** Rejects when `close()` begins: waits that nothing else would end (a worker starting, say) end then. */
  readonly #whenClosed: Promise<never>;
  #rejectClosed!: (error: QueueClosedError) => void;

  constructor(queue: string, store: Promise<JobStore>) {
    this.#queue = queue;
    this.#store = store;
    this.#whenClosed = new Promise<never>((_, reject) => (this.#rejectClosed = reject));
    this.#whenClosed.catch(() => {});
  }

  /** Whether `close()` has begun. */
  get closed(): boolean {
    return this.#closed;
  }

  /** `close()` begins: every call from now on, and every wait under {@link untilClosed}, rejects. */
  close(): void {
    this.#closed = true;
    this.#rejectClosed(this.error());
  }

  /** `close()` has closed the store. */
  storeClosed(): void {
    this.#storeClosed = true;
  }

  error(): QueueClosedError {
    return new QueueClosedError(`Queue "${this.#queue}" is closed`);
  }

  /** The store, unless the queue is closed. */
  async open(): Promise<JobStore> {
    if (this.#closed) throw this.error();
    return this.#store;
  }

  /** Runs `work` on the store; a call that `close()` cut off rejects with `QueueClosedError`. */
  async use<T>(work: (store: JobStore) => Promise<T>): Promise<T> {
    const store = await this.open();
    try {
      return await work(store);
    } catch (error) {
      throw this.cutOff(error);
    }
  }

  /** What a call failing with `error` rejects with: `QueueClosedError` if `close()` closed the store under it. */
  cutOff(error: unknown): unknown {
    return this.#storeClosed && error instanceof StorageError ? this.error() : error;
  }

  /** `work`, or `QueueClosedError` once `close()` begins, whichever comes first (a worker that never starts, say). */
  untilClosed<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.#whenClosed]).catch((error: unknown) => {
      throw this.#closed ? this.error() : error;
    });
  }
}
