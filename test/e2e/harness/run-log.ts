// Each run's start and end, written from inside the handler to a database of its own, so a test can
// check afterwards that no two runs of one job overlapped and see which tab ran what.
export interface RunEntry {
  key?: number;
  jobId: string;
  attempt: number;
  /** The tab whose worker ran it (the worker's name). */
  tab: string;
  start: number;
  end?: number;
  outcome?: 'ok' | 'threw';
}

const DB = 'offthread-test-run-log';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('runs', { keyPath: 'key', autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

let db: Promise<IDBDatabase> | undefined;

function write(entry: RunEntry): Promise<number> {
  db ??= open();
  return db.then(
    (database) =>
      new Promise<number>((resolve, reject) => {
        const tx = database.transaction('runs', 'readwrite');
        const request = tx.objectStore('runs').put(entry);
        tx.oncomplete = () => resolve(request.result as number);
        tx.onerror = () => reject(tx.error);
      }),
  );
}

/** Records the start of a run; returns a function that records its end. */
export async function logRun(jobId: string, attempt: number): Promise<(outcome: 'ok' | 'threw') => Promise<void>> {
  const entry: RunEntry = { jobId, attempt, tab: self.name || 'unknown', start: performance.timeOrigin + performance.now() };
  entry.key = await write(entry);
  return async (outcome) => {
    await write({ ...entry, end: performance.timeOrigin + performance.now(), outcome });
  };
}

/** Every run logged so far (called from a page). */
export async function readRunLog(): Promise<RunEntry[]> {
  const database = await open();
  return new Promise((resolve, reject) => {
    const request = database.transaction('runs').objectStore('runs').getAll();
    request.onsuccess = () => resolve(request.result as RunEntry[]);
    request.onerror = () => reject(request.error);
  });
}
