import { unwrap } from 'idb';
import { emptyCounts, JOB_STATES, type JobCounts, type JobRecord } from '../job/job';
import { ignore, stateRange } from './idb-requests';
import type { JobsTx } from './idb-transaction';
import type { CleanQuery, ListQuery } from './job-store';
import type { QueueDb } from './queue-db';

/** A row read outside a write transaction, as a job; a key whose row is to be put aside or rewritten goes into `wrong`. */
export type ViewRow = (value: unknown, key: IDBValidKey, wrong: IDBValidKey[]) => JobRecord;

/** A page of the stored jobs, and the keys of rows found wrong on the way. */
export async function listIn(db: QueueDb, { state, limit = 50, offset = 0, order = 'desc' }: ListQuery, view: ViewRow): Promise<{ page: JobRecord[]; wrong: IDBValidKey[] }> {
  const tx = db.transaction('jobs');
  const source = state === undefined ? tx.store.index('seq') : tx.store.index('state');
  const range = state === undefined ? null : stateRange(state);
  let cursor = await source.openCursor(range, order === 'asc' ? 'next' : 'prev');
  if (cursor && offset > 0) cursor = await cursor.advance(offset);
  const page: JobRecord[] = [];
  const wrong: IDBValidKey[] = [];
  while (cursor && page.length < limit) {
    page.push(view(cursor.value, cursor.primaryKey, wrong));
    cursor = await cursor.continue();
  }
  return { page, wrong };
}

/** How many jobs are in each state: one count of the state index each, asked at once. */
export async function countsIn(db: QueueDb): Promise<JobCounts> {
  const index = db.transaction('jobs').store.index('state');
  const counts = emptyCounts();
  const [corrupt, ...numbers] = await Promise.all([index.count(stateRange('corrupt')), ...JOB_STATES.map((state) => index.count(stateRange(state)))]);
  JOB_STATES.forEach((state, i) => (counts[state] = numbers[i]!));
  if (corrupt! > 0) counts.corrupt = corrupt;
  return counts;
}

/** `JobStore.remove` in the transaction `tx`. */
export async function removeIn(tx: JobsTx, ids: readonly string[], view: ViewRow): Promise<JobRecord[]> {
  const jobs = tx.objectStore('jobs');
  const removed: JobRecord[] = [];
  for (const id of ids) {
    const row = await jobs.get(id);
    if (!row) continue;
    removed.push(view(row, id, []));
    jobs.delete(id).catch(ignore);
  }
  return removed;
}

/** `JobStore.clean` in the transaction `tx`. */
export async function cleanIn(tx: JobsTx, { state, finishedBefore, keep, limit }: CleanQuery): Promise<string[]> {
  const index = tx.objectStore('jobs').index('finished');
  const all = IDBKeyRange.bound([state, -Infinity, -Infinity], [state, Infinity, Infinity]);
  // Oldest first: those past `keep` from the newest, and those finished before the cut-off (a prefix, as the
  // index is sorted by finishedAt). Counted, then their keys read in one request: the index key holds all
  // that is needed, and a cursor would cost a round trip per job.
  const [total, old] = await Promise.all([
    keep === undefined ? 0 : index.count(all),
    finishedBefore === undefined ? 0 : index.count(IDBKeyRange.bound([state, -Infinity, -Infinity], [state, finishedBefore, -Infinity], false, true)),
  ]);
  const count = Math.min(limit, Math.max(keep === undefined ? 0 : total - keep, old));
  if (count <= 0) return [];
  const ids = await index.getAllKeys(all, count);
  // Plain requests: a failure aborts the transaction, which reports it.
  const rawJobs = unwrap(tx).objectStore('jobs');
  for (const id of ids) rawJobs.delete(id);
  return ids;
}
