import { unwrap } from 'idb';
import type { JobRecord } from '../job/job';
import { newId } from '../job/new-id';
import { checkJobRow, hasStaleKeys } from './check-row';
import { checkSchedule, corruptScheduleMessage } from './check-schedule';
import type { ReadyLine } from './idb-line';
import { requested } from './idb-requests';
import type { Findings, JobsTx } from './idb-transaction';
import { corruptIdFor, corruptJobMessage, quarantinedRow } from './quarantined-row';
import { fromRow, toRow, type JobRow } from './queue-db';

/**
 * The rows of one IndexedDB store as jobs: each row read is checked, a malformed one put aside as `corrupt` in a
 * write transaction (what was stored kept, and reported once the transaction commits), and each job written
 * goes into the line through {@link ReadyLine}.
 */
export class JobRows {
  readonly #now: () => number;
  readonly #line: ReadyLine;

  constructor(now: () => number, line: ReadyLine) {
    this.#now = now;
    this.#line = line;
  }

  /**
   * A row read in a write transaction, as a job: a sound one as it is (rewritten if its index keys are out of
   * step with its fields); a malformed one put aside as `corrupt` in its place, what was stored kept, and
   * reported once the transaction commits. A row stored under a key that is not a string moves to a string id
   * at the end of the transaction (see `finishMoves`).
   */
  checked(tx: JobsTx, value: unknown, key: IDBValidKey, findings: Findings): JobRecord {
    const reason = checkJobRow(value);
    if (reason === undefined) {
      const row = value as JobRow;
      const job = fromRow(row);
      if (hasStaleKeys(row)) this.put(tx, job, findings);
      return job;
    }
    const now = this.#now();
    if (typeof key !== 'string') {
      if (!findings.moves.some((move) => indexedDB.cmp(move.key, key) === 0)) findings.moves.push({ key, stored: value, reason });
      return fromRow(quarantinedRow(value, corruptIdFor(key), reason, now));
    }
    const row = quarantinedRow(value, key, reason, now);
    unwrap(tx).objectStore('jobs').put(row);
    const job = fromRow(row);
    if (!findings.reports.some((report) => report.kind === 'job' && report.id === key)) {
      findings.reports.push({ kind: 'job', id: key, reason, message: corruptJobMessage(key, reason), job });
    }
    return job;
  }

  /**
   * A row read outside a write transaction, as a job: a malformed one as it will be once put aside. Its key goes
   * into `wrong` (to be put aside, or rewritten, by the store, in a transaction of its own).
   */
  view(value: unknown, key: IDBValidKey, wrong: IDBValidKey[]): JobRecord {
    const reason = checkJobRow(value);
    if (reason === undefined) {
      if (hasStaleKeys(value as JobRow)) wrong.push(key);
      return fromRow(value as JobRow);
    }
    wrong.push(key);
    return fromRow(quarantinedRow(value, typeof key === 'string' ? key : corruptIdFor(key), reason, this.#now()));
  }

  /** Puts a malformed schedule aside in its place (or under a string id, for a key that is not one); reports it. */
  putScheduleAside(tx: JobsTx, value: unknown, key: IDBValidKey, findings: Findings): void {
    const reason = checkSchedule(value);
    if (reason === undefined) return;
    if (typeof key !== 'string') {
      findings.moves.push({ key, stored: value, reason, schedule: true });
      return;
    }
    unwrap(tx).objectStore('schedules').put({ id: key, quarantine: { reason, stored: value, at: this.#now() } });
    findings.reports.push({ kind: 'schedule', id: key, reason, message: corruptScheduleMessage(key, reason) });
  }

  /**
   * Moves the malformed rows stored under keys that are not strings to string ids (`corrupt:<key>`, or with a
   * suffix if that id is taken), as `corrupt` rows (or schedules put aside), and reports them.
   */
  async finishMoves(tx: JobsTx, findings: Findings): Promise<void> {
    for (const { key, stored, reason, schedule } of findings.moves.splice(0)) {
      const storeName = schedule ? 'schedules' : 'jobs';
      const store = unwrap(tx).objectStore(storeName);
      let id = corruptIdFor(key);
      if ((await requested(store.getKey(id))) !== undefined) id = `${id}~${newId()}`;
      store.delete(key);
      if (schedule) {
        store.put({ id, quarantine: { reason, stored, at: this.#now() } });
        findings.reports.push({ kind: 'schedule', id, reason, message: corruptScheduleMessage(id, reason) });
      } else {
        const row = quarantinedRow(stored, id, reason, this.#now());
        store.put(row);
        findings.reports.push({ kind: 'job', id, reason, message: corruptJobMessage(id, reason), job: fromRow(row) });
      }
    }
  }

  /** Queues the write of a transitioned job. Not awaited: `tx.done` reports any failure, once. */
  put(tx: JobsTx, job: JobRecord | null, findings: Findings): JobRecord | null {
    if (!job) return job;
    const row = toRow(job);
    this.#line.joined(row, findings);
    // A failure aborts the transaction, and its `done` reports it.
    unwrap(tx).objectStore('jobs').put(row);
    return job;
  }
}
