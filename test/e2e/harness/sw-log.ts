// What the test service worker (sw.ts) did: each event it got (`sync`, `periodicsync`, `activate`,
// `message`) when it started and when the promises it gave `waitUntil` settled, and each start of its script.
// Written from the service worker to a database of its own; read from a page (sw-page.ts).
export interface SwLogEntry {
  key?: number;
  /** One per start of the service worker's script (a new one after it was stopped). */
  instance: string;
  kind: 'script' | 'event';
  /** The event's type, for `kind: 'event'`. */
  type?: string;
  /** The sync tag, for `sync` and `periodicsync`. */
  tag?: string;
  lastChance?: boolean;
  /** `navigator.onLine` in the service worker when the event was dispatched (or the script started). */
  onLine?: boolean;
  /** Epoch ms: when the event was dispatched (or the script started). */
  at: number;
  /** Epoch ms: when every promise given to `waitUntil` had settled; missing while it runs (or if it was killed). */
  settledAt?: number;
  /** Whether one of those promises rejected (the event failed: a `sync` is then fired again later). */
  outcome?: 'fulfilled' | 'rejected';
  error?: string;
}

const DB = 'offthread-test-sw-log';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('entries', { keyPath: 'key', autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

let db: Promise<IDBDatabase> | undefined;

/** Writes (or, with a `key`, rewrites) an entry; resolves with its key. */
export function writeSwLog(entry: SwLogEntry): Promise<number> {
  db ??= open();
  return db.then(
    (database) =>
      new Promise<number>((resolve, reject) => {
        const tx = database.transaction('entries', 'readwrite');
        const request = tx.objectStore('entries').put(entry);
        tx.oncomplete = () => resolve(request.result as number);
        tx.onerror = () => reject(tx.error);
      }),
  );
}

/** Every entry so far, oldest first. */
export async function readSwLog(): Promise<SwLogEntry[]> {
  const database = await open();
  try {
    return await new Promise((resolve, reject) => {
      const request = database.transaction('entries').objectStore('entries').getAll();
      request.onsuccess = () => resolve(request.result as SwLogEntry[]);
      request.onerror = () => reject(request.error);
    });
  } finally {
    database.close();
  }
}
