import type { IDBPTransaction } from 'idb';
import type { QuarantineReport } from './idb-store-events';
import type { QueueDbSchema } from './queue-db';

/** The one kind of write transaction an IndexedDB store makes: over all its object stores. */
export type JobsTx = IDBPTransaction<QueueDbSchema, ['jobs', 'meta', 'schedules'], 'readwrite'>;

/** The index of the line of waiting jobs. */
export type ReadyIndex = ReturnType<ReturnType<JobsTx['objectStore']>['index']>;

/**
 * What one transaction found malformed and put aside, told to the store's owner once it has committed; and
 * rows stored under a key that is not a string, moved to a string id at the end of the transaction.
 */
export interface Findings {
  reports: QuarantineReport[];
  moves: Array<{ key: IDBValidKey; stored: unknown; reason: string; schedule?: boolean }>;
  /** A row of the line was put aside or rewritten: the next claim reads the line from its start. */
  lineChanged: boolean;
  /** A job joined the line: the transaction leaves its mark for other contexts (see `ReadyLine.leaveMark`). */
  joined: boolean;
}

/** Nothing found yet. */
export function noFindings(): Findings {
  return { reports: [], moves: [], lineChanged: false, joined: false };
}
