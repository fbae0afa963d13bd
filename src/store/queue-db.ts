import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
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
    value: ScheduleRecord;
  };
}

export type QueueDb = IDBPDatabase<QueueDbSchema>;

export const QUEUE_DB_VERSION = 1;

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

/** Opens (creating or upgrading) the queue's database. Fails with a clear `StorageError` where there is no IndexedDB. */
export async function openQueueDb(queue: string, events: QueueDbEvents = {}): Promise<QueueDb> {
  if (typeof indexedDB === 'undefined' || indexedDB === null) {
    throw new StorageError(
      "IndexedDB is not available in this browser context (some private modes lack it); use storage: 'memory'",
    );
  }
  // An open that races the browser clearing the origin is aborted ("The connection was closed"): try again.
  for (let tries = 1; ; tries++) {
    try {
      const db = await openDB<QueueDbSchema>(queueDbName(queue), QUEUE_DB_VERSION, {
        upgrade(database, oldVersion) {
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
        },
        blocking(_currentVersion, newVersion) {
          // Another tab needs to upgrade (or delete) the database: step aside rather than block it.
          db.close();
          events.onVersionChange?.(newVersion);
        },
        terminated() {
          events.onTerminated?.();
        },
      });
      return db;
    } catch (error) {
      if (tries < 5 && isClosedConnection(error)) {
        await new Promise((resolve) => setTimeout(resolve, 100 * tries));
        continue;
      }
      throw new StorageError(`Could not open IndexedDB database "${queueDbName(queue)}": ${messageOf(error)}`, {
        cause: error,
      });
    }
  }
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

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
