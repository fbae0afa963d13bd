import type { JobRecord } from '../job/job';

/** A stored record found malformed and put aside, as the IndexedDB store tells its owner. */
export interface QuarantineReport {
  kind: 'job' | 'schedule';
  /** The id it is kept under now (`corrupt:<key>` for one that was stored under a key that is not a string). */
  id: string;
  /** What was wrong, naming the field. */
  reason: string;
  /** A sentence saying all that, for an error. */
  message: string;
  /** The `corrupt` job, for a job. */
  job?: JobRecord | undefined;
}

/** What the IndexedDB store (`IdbJobStore`) tells its owner. */
export interface IdbStoreEvents {
  /**
   * A newer version in another tab wants the database (to upgrade it to `newVersion`, or to delete it when
   * `null`): this store has let go of it for good.
   */
  onVersionChange?: (newVersion: number | null) => void;
  /** Stored records were found malformed and put aside (each is told once, by the context that put it aside). */
  onQuarantined?: (reports: QuarantineReport[]) => void;
  /** Something failed in the background (putting a record aside after a read found it wrong). */
  onError?: (error: unknown) => void;
  /** The browser closed the connection (storage cleared or evicted). The next call reopens it. */
  onTerminated?: () => void;
  /** Another context deleted the database (`indexedDB.deleteDatabase`). The next call opens a new one. */
  onDeleted?: () => void;
  /** The database was opened again after the browser had closed it: jobs stored before may be gone. */
  onReopened?: () => void;
}
