// Job rows shaped exactly as offthread stores them, for the scenarios that write to IndexedDB without a queue
// (D's ceiling and its IndexedDB-alone control, F's stored backlog).
import { createJobRecord } from '../../src/job/job';
import { newId } from '../../src/job/new-id';
import { toRow, type JobRow } from '../../src/store/queue-db';

/** Rows of waiting `inc` jobs, so that what the bench writes is what offthread writes. */
export function jobRows(count: number, firstSeq = 1): JobRow[] {
  const at = Date.now();
  return Array.from({ length: count }, (_, i) =>
    toRow(
      createJobRecord(
        { name: 'inc', data: i, priority: 0, runAt: at, attempts: 1, backoff: undefined, timeout: undefined, createdAt: at, requiresNetwork: false },
        newId(),
        firstSeq + i,
        at,
      ),
    ),
  );
}
