import { StorageError } from '../errors';
import type { JobRow } from './queue-db';

/** What a failing request is left to say: nothing, as the transaction's `done` reports it. */
export function ignore(): void {}

/**
 * A request of an aborted transaction fails with a bare "the transaction was aborted"; the transaction's own
 * error says why (the connection closed under it, say), which decides whether to reopen and try again.
 */
export function whyAborted(tx: { error: DOMException | null }, error: unknown): unknown {
  return error instanceof DOMException && error.name === 'AbortError' && tx.error ? tx.error : error;
}

export function stateRange(state: string): IDBKeyRange {
  return IDBKeyRange.bound([state, -Infinity], [state, Infinity]);
}

/** Wraps an IndexedDB `DOMException` in a `StorageError`, with usage and quota for a quota error. */
export async function toStorageError(error: unknown): Promise<unknown> {
  if (!(error instanceof DOMException)) return error;
  if (error.name === 'QuotaExceededError') {
    const { usage, quota } = (await navigator.storage?.estimate?.().catch(() => undefined)) ?? {};
    const facts = usage !== undefined && quota !== undefined ? ` (${formatBytes(usage)} used of ${formatBytes(quota)})` : '';
    return new StorageError(`Storage quota exceeded: nothing was written${facts}`, { cause: error, usage, quota });
  }
  return new StorageError(`IndexedDB failed: ${error.name}: ${error.message}`, { cause: error });
}

export function formatBytes(bytes: number): string {
  return bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/** Whether a stored `seq` meta value is one. */
export function isSeq(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

/** The highest seq of the stored jobs (0 if none): where a `seq` meta value that is not one is found again. */
export async function highestSeq(jobs: IDBObjectStore): Promise<number> {
  const cursor = await requested(jobs.index('seq').openKeyCursor(IDBKeyRange.bound(0, Number.MAX_SAFE_INTEGER), 'prev'));
  return typeof cursor?.key === 'number' ? Math.floor(cursor.key) : 0;
}

/** A plain request's result. */
export function requested<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Reads the rows of `ids` with plain requests, all asked at once, calling `onRow` with each as it comes (in the
 * order asked); resolves once all have come. Writes made in `onRow` go into the same transaction.
 */
export function readEach(store: IDBObjectStore, ids: Iterable<string>, onRow: (id: string, row: JobRow | undefined) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = 1;
    const done = () => --left === 0 && resolve();
    for (const id of ids) {
      left++;
      const request = store.get(id) as IDBRequest<JobRow | undefined>;
      request.onsuccess = () => {
        try {
          onRow(id, request.result);
          done();
        } catch (error) {
          reject(error);
        }
      };
      request.onerror = () => reject(request.error);
    }
    done();
  });
}
