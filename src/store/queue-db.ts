import { openDB, unwrap, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type { JobRecord, JobState } from '../job/job';
import { StorageError } from '../errors';
import type { ScheduleRecord } from '../schedule/schedule';

/** A job as stored in IndexedDB: the record plus the keys its indexes read. */
export interface JobRow extends JobRecord {
  /** `[needs network ? 1 : 0, -priority, runAt, seq]`, present only while `waiting`: the dequeue order. */
  readyKey?: [number, number, number, number];
  /** `[runAt, seq]`, present only while `delayed`. */
  dueKey?: [number, number];
  /** `[state, seq]`: counts and pages per state. */
  stateKey: [JobState, number];
  /** `[state, finishedAt, seq]`, present only in a final state: cleaning by age. */
  finishedKey?: [JobState, number, number];
}

/** The schema. Bump `QUEUE_DB_VERSION` and add a step to `upgrade` for every change; never edit a past step. */
export interface QueueDbSchema extends DBSchema {
  jobs: {
    key: string;
    value: JobRow;
    indexes: {
      ready: [number, number, number, number];
      due: [number, number];
      state: [JobState, number];
      finished: [JobState, number, number];
      seq: number;
    };
  };
  meta: {
    key: string;
    value: unknown;
  };
  schedules: {
    key: string;
    value: ScheduleRecord | QuarantinedSchedule;
  };
}

/** A stored schedule found malformed: put aside in its place (see `checkSchedule`), kept until unscheduled. */
export interface QuarantinedSchedule {
  id: string;
  quarantine: { reason: string; stored: unknown; at: number };
}

export type QueueDb = IDBPDatabase<QueueDbSchema>;

/**
 * The schema's version. 1: the stores and indexes. 2: nothing new; its step creates whatever a version 1
 * database lacks (one made empty by a bare `indexedDB.open(name)`, or missing a store or an index).
 */
export const QUEUE_DB_VERSION = 2;

/** How long an upgrade may wait for other connections to close before the open fails (see `blocked` below). */
const BLOCKED_UPGRADE_MS = 10_000;

/** The stores and indexes the code reads, as created at version 1. */
const SCHEMA = {
  jobs: {
    keyPath: 'id',
    indexes: { ready: 'readyKey', due: 'dueKey', state: 'stateKey', finished: 'finishedKey', seq: 'seq' },
  },
  meta: { keyPath: null, indexes: {} },
  schedules: { keyPath: 'id', indexes: {} },
} as const satisfies Record<string, { keyPath: string | null; indexes: Record<string, string> }>;

/** The database that holds one queue. */
export function queueDbName(queue: string): string {
  return `offthread:${queue}`;
}

/** Adds the index keys for the job's state. */
export function toRow(job: JobRecord): JobRow {
  // Fields left undefined are left out: each row is written three times or so, names and all.
  const row = { stateKey: [job.state, job.seq] } as JobRow;
  for (const key in job) {
    const value = job[key as keyof JobRecord];
    if (value !== undefined) (row as unknown as Record<string, unknown>)[key] = value;
  }
  if (job.state === 'waiting') row.readyKey = readyKeyOf(job);
  else if (job.state === 'delayed') row.dueKey = [job.runAt, job.seq];
  else if (job.finishedAt !== undefined) row.finishedKey = [job.state, job.finishedAt, job.seq];
  return row;
}

/** A waiting job's place in the line: its key in the `ready` index. */
export function readyKeyOf(job: JobRecord): [number, number, number, number] {
  return [job.requiresNetwork ? 1 : 0, -job.priority, job.runAt, job.seq];
}

/** Strips the index keys. */
export function fromRow(row: JobRow): JobRecord {
  const { readyKey: _ready, dueKey: _due, stateKey: _state, finishedKey: _finished, ...job } = row;
  return job;
}

/** Hooks for what happens to an open database. */
export interface QueueDbEvents {
  /**
   * Another context wants the database: a newer version of the library, to upgrade it (`newVersion` is its
   * version), or someone deleting it (`newVersion` is `null`). This connection has been closed.
   */
  onVersionChange?: (newVersion: number | null) => void;
  /** The browser closed the connection (storage cleared, the disk went away). */
  onTerminated?: () => void;
}

/**
 * Opens (creating or upgrading) the queue's database. Fails with a clear `StorageError` where there is no
 * IndexedDB, where the database was made by a newer version of offthread (`ERR_STORAGE_NEWER_VERSION`: it is
 * left as it is), or where it lacks what this code needs and cannot be given it safely.
 */
export async function openQueueDb(queue: string, events: QueueDbEvents = {}, blockedMs = BLOCKED_UPGRADE_MS): Promise<QueueDb> {
  if (typeof indexedDB === 'undefined' || indexedDB === null) {
    throw new StorageError(
      "IndexedDB is not available in this browser context (some private modes lack it); use storage: 'memory'",
    );
  }
  const name = queueDbName(queue);
  // An open that races the browser clearing the origin is aborted ("The connection was closed"): try again.
  for (let tries = 1; ; tries++) {
    let db: QueueDb;
    let giveUp: (error: StorageError) => void = ignore;
    let blockedTimer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<never>((_, reject) => (giveUp = reject));
    try {
      const opening = openDB<QueueDbSchema>(name, QUEUE_DB_VERSION, {
        upgrade(database, oldVersion, _newVersion, tx) {
          if (oldVersion < 1) {
            const jobs = database.createObjectStore('jobs', { keyPath: 'id' });
            jobs.createIndex('ready', 'readyKey');
            jobs.createIndex('due', 'dueKey');
            jobs.createIndex('state', 'stateKey');
            jobs.createIndex('finished', 'finishedKey');
            jobs.createIndex('seq', 'seq');
            database.createObjectStore('meta');
            database.createObjectStore('schedules', { keyPath: 'id' });
          }
          if (oldVersion < 2) repairSchema(database, tx);
        },
        blocked(currentVersion) {
          // Another connection (a tab of an older build that does not step aside, devtools) holds the database
          // and ignores the upgrade: say so rather than wait for ever.
          blockedTimer ??= setTimeout(() => {
            giveUp(
              new StorageError(
                `Upgrading IndexedDB database "${name}" from version ${currentVersion} to ${QUEUE_DB_VERSION} is blocked: another ` +
                  `connection to it did not close within ${blockedMs} ms; close this site's other tabs, then reload`,
              ),
            );
            // Should it go through later, nobody holds the connection: let it go.
            opening.then((late) => late.close(), ignore);
          }, blockedMs);
        },
        blocking(_currentVersion, blockedVersion) {
          // Another tab needs to upgrade: step aside rather than block it.
          db.close();
          events.onVersionChange?.(blockedVersion);
        },
        terminated() {
          events.onTerminated?.();
        },
      });
      db = await Promise.race([opening, gaveUp]);
    } catch (error) {
      if (error instanceof StorageError) throw error;
      if (tries < 5 && isClosedConnection(error)) {
        await new Promise((resolve) => setTimeout(resolve, 100 * tries));
        continue;
      }
      if (error instanceof DOMException && error.name === 'VersionError') throw await newerVersionError(name, error);
      throw new StorageError(`Could not open IndexedDB database "${name}": ${messageOf(error)}`, { cause: error });
    } finally {
      clearTimeout(blockedTimer);
    }
    const problem = schemaProblem(db);
    if (problem) {
      db.close();
      throw new StorageError(
        `IndexedDB database "${name}" (version ${db.version}) is damaged: ${problem}. Nothing was written to it; ` +
          'delete it (its jobs are lost) or use another queue name',
      );
    }
    return db;
  }
}

/**
 * The upgrade step of version 2: creates every store and index of {@link SCHEMA} that is missing, and makes
 * again an index whose definition differs (an index holds nothing but keys derived from the rows). A store
 * whose key differs is left as it is: {@link schemaProblem} then refuses the database.
 */
function repairSchema(database: QueueDb, tx: IDBPTransaction<QueueDbSchema, Array<'jobs' | 'meta' | 'schedules'>, 'versionchange'>): void {
  const raw = unwrap(database);
  const rawTx = unwrap(tx);
  for (const [storeName, { keyPath, indexes }] of Object.entries(SCHEMA)) {
    const store = raw.objectStoreNames.contains(storeName)
      ? rawTx.objectStore(storeName)
      : raw.createObjectStore(storeName, keyPath === null ? {} : { keyPath });
    for (const [indexName, indexPath] of Object.entries(indexes)) {
      if (store.indexNames.contains(indexName)) {
        const index = store.index(indexName);
        if (index.keyPath === indexPath && !index.unique && !index.multiEntry) continue;
        store.deleteIndex(indexName);
      }
      store.createIndex(indexName, indexPath);
    }
  }
}

/** What keeps an open database from being used as this code's, if anything: a store or index missing or unlike. */
function schemaProblem(db: QueueDb): string | undefined {
  const raw = unwrap(db);
  const missing = Object.keys(SCHEMA).filter((store) => !raw.objectStoreNames.contains(store));
  if (missing.length > 0) return `it has no object store ${missing.map((store) => `"${store}"`).join(', ')}`;
  const tx = raw.transaction(Object.keys(SCHEMA), 'readonly');
  try {
    for (const [storeName, { keyPath, indexes }] of Object.entries(SCHEMA)) {
      const store = tx.objectStore(storeName);
      if (store.keyPath !== keyPath || store.autoIncrement) {
        return `its store "${storeName}" has the key path ${JSON.stringify(store.keyPath)}${store.autoIncrement ? ' (auto-increment)' : ''}, expected ${JSON.stringify(keyPath)}`;
      }
      for (const [indexName, indexPath] of Object.entries(indexes)) {
        if (!store.indexNames.contains(indexName)) return `its store "${storeName}" has no index "${indexName}"`;
        const index = store.index(indexName);
        if (index.keyPath !== indexPath || index.unique || index.multiEntry) {
          return `its index "${storeName}.${indexName}" is not the one expected (on ${JSON.stringify(indexPath)}, not unique, not multi-entry)`;
        }
      }
    }
    return undefined;
  } finally {
    // Nothing was asked of it: let it end now.
    tx.abort();
  }
}

/**
 * The error for a database a newer version of offthread upgraded: which version it is at (read by an open
 * without a version, which changes nothing), and which this code knows.
 */
async function newerVersionError(name: string, cause: DOMException): Promise<StorageError> {
  const found = await new Promise<number | undefined>((resolve) => {
    const request = indexedDB.open(name);
    // The database went away meanwhile: do not create one.
    request.onupgradeneeded = () => request.transaction?.abort();
    request.onsuccess = () => {
      resolve(request.result.version);
      request.result.close();
    };
    request.onerror = () => resolve(undefined);
  });
  return newerVersion(name, found, { cause });
}

/** A `StorageError` (`ERR_STORAGE_NEWER_VERSION`) for a database at `found`, a version this code does not know. */
export function newerVersion(name: string, found: number | null | undefined, options: { cause?: unknown; reload?: boolean } = {}): StorageError {
  const at = found ? `version ${found}` : 'a newer version';
  return new StorageError(
    `IndexedDB database "${name}" is at ${at}, made by a newer version of offthread; this code knows version ${QUEUE_DB_VERSION}, ` +
      `so it leaves the database as it is and writes nothing to it${options.reload ? ': reload this tab to use the newer version' : ''}`,
    { code: 'ERR_STORAGE_NEWER_VERSION', cause: options.cause },
  );
}

/**
 * Whether `error` says the connection was closed under the call (the browser cleared the origin's storage).
 * Chromium: InvalidStateError for a request on a closed connection; AbortError or UnknownError ("Connection is
 * closing because of: Force close delete origin") for a transaction or an open the clear cut off.
 */
export function isClosedConnection(error: unknown): boolean {
  return (
    error instanceof DOMException &&
    (error.name === 'InvalidStateError' || ((error.name === 'AbortError' || error.name === 'UnknownError') && /clos/i.test(error.message)))
  );
}

function ignore(): void {}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
