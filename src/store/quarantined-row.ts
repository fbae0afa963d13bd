import type { SerializedError } from '../errors';
import type { JobRecord } from '../job/job';
import { toRow, type JobRow } from './queue-db';

/**
 * The row that takes the place of a malformed one: state `corrupt`, in no index the runner reads (no
 * `readyKey`, `dueKey` or `finishedKey`, so neither claims nor retention ever touch it), with the stored record
 * kept whole in `quarantine.stored` and what was wrong in `quarantine.reason` and `error`. Its `seq`, `name` and
 * `createdAt` are the stored ones where they are usable, so that it lists in its place.
 */
export function quarantinedRow(stored: unknown, id: string, reason: string, now: number): JobRow {
  const fields = (typeof stored === 'object' && stored !== null ? stored : {}) as Record<string, unknown>;
  const seq = Number.isInteger(fields.seq) && (fields.seq as number) >= 0 ? (fields.seq as number) : 0;
  const createdAt = typeof fields.createdAt === 'number' && Number.isFinite(fields.createdAt) ? fields.createdAt : now;
  const error: SerializedError = { name: 'StorageError', code: 'ERR_STORAGE_CORRUPT', message: corruptJobMessage(id, reason) };
  // Only the fields a job always has: the rest are undefined, which toRow leaves out anyway.
  return toRow({
    id,
    name: typeof fields.name === 'string' ? fields.name : '',
    state: 'corrupt',
    priority: 0,
    seq,
    attempt: 0,
    attempts: 1,
    stalls: 0,
    requiresNetwork: false,
    runAt: createdAt,
    error,
    createdAt,
    history: [],
    quarantine: { reason, stored, at: now },
  } as unknown as JobRecord);
}

/** What a `corrupt` job's error (and the report of it) says. */
export function corruptJobMessage(id: string, reason: string): string {
  return `Job ${id} was put aside as corrupt: its stored record is malformed (${reason}); it is kept, with what was stored, until removed`;
}

/** The string id a record stored under a key that is not a string is put aside under. */
export function corruptIdFor(key: IDBValidKey): string {
  let text: string;
  if (typeof key === 'number') text = String(key);
  else if (key instanceof Date) text = Number.isNaN(key.getTime()) ? 'invalid-date' : key.toISOString();
  else if (Array.isArray(key)) text = JSON.stringify(key, (_, v: unknown) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? 'binary' : v));
  else text = 'binary';
  return `corrupt:${text}`;
}
