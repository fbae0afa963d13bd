import { unwrap } from 'idb';
import type { ClaimRequest, Eligibility } from '../job/claim';
import { compareReady } from '../job/job';
import { newId } from '../job/new-id';
import { checkJobRow, hasStaleKeys } from './check-row';
import { ignore, requested } from './idb-requests';
import type { Findings, JobsTx, ReadyIndex } from './idb-transaction';
import { readyKeyOf, type JobRow } from './queue-db';

/** How far a claim that turns some jobs away (limited to some tasks) looks past them. */
const FILTERED_SCAN_LIMIT = 1_000;
/**
 * How often a claim reads the line from its start all the same: a backstop for jobs put in line by something that
 * leaves no mark (another version's code, a hand edit), at the cost of one read past the line's deleted entries.
 */
const LINE_RECHECK_MS = 1_000;
/** The meta key of the mark each transaction that puts jobs in line leaves (see `leaveMark`). */
const LINE_MARK = 'line';

type ReadyKey = [number, number, number, number];

/**
 * The line of waiting jobs in IndexedDB, as one store reads it: the best jobs a claim may take, found by index
 * lookups from where the line is known to begin.
 *
 * LevelDB (Chromium's IndexedDB) keeps deleted index entries until it compacts, and a queue deletes at the head of
 * its line all the time: read from the start, each claim would step over every job taken before it. So claims read
 * from a floor, per part of the line (0: jobs that need no network, 1: network jobs): a key below which no job
 * waits, as far as this store knows. It is lowered by every waiting job this store writes (`joined`), and forgotten
 * when another context has put jobs in line (its mark, see `leaveMark`), when a row of the line was put aside, when
 * the database was opened anew (`forget`), and every LINE_RECHECK_MS. Nothing of it leaves this module: a claim says
 * what it wants, not where to read.
 */
export class ReadyLine {
  readonly #now: () => number;
  readonly #putAside: (tx: JobsTx, row: JobRow, findings: Findings) => void;
  readonly #readyFloor: Array<ReadyKey | undefined> = [undefined, undefined];
  /** The line's mark as this store last wrote or read it: another one means another context put jobs in line. */
  #mark: unknown;
  /** When a claim last read the line from its start, by the store's clock. */
  #fullReadAt = -Infinity;

  /**
   * `putAside`: puts a malformed row (or one with its keys out of step) read from the line aside, or rewrites it,
   * in the transaction.
   */
  constructor(now: () => number, putAside: (tx: JobsTx, row: JobRow, findings: Findings) => void) {
    this.#now = now;
    this.#putAside = putAside;
  }

  /** The database was opened anew (the old one was cleared): what was known of the old one's line is not so of it. */
  forget(): void {
    this.#readyFloor.fill(undefined);
    this.#mark = undefined;
  }

  /** A job joins the line (if its row is waiting): claims must read from its place on. */
  joined(row: JobRow, findings: Findings): void {
    const key = row.readyKey;
    if (!key) return;
    findings.joined = true;
    const floor = this.#readyFloor[key[0]];
    if (floor && indexedDB.cmp(key, floor) < 0) this.#readyFloor[key[0]] = key;
  }

  /**
   * Leaves a new mark on the line, for the other contexts' stores: one that finds a mark it did not leave or read
   * knows that jobs joined the line where it does not know, and reads it from its start. The mark found before
   * says the same to this store (another context wrote since this store last looked).
   */
  leaveMark(tx: JobsTx): void {
    const meta = unwrap(tx).objectStore('meta');
    const known = this.#mark;
    const before = meta.get(LINE_MARK);
    before.onsuccess = () => {
      if (before.result !== known) this.#readyFloor.fill(undefined);
    };
    meta.put((this.#mark = newId()), LINE_MARK);
  }

  /**
   * The best ready jobs a claim may take: an index lookup per partition (jobs that need the network apart),
   * merged. A claim limited to some tasks walks the index past the others, up to a bound.
   */
  async best(tx: JobsTx, claim: ClaimRequest, test: Eligibility, findings: Findings): Promise<JobRow[]> {
    // The mark read along with the line: in the same round trip. Another context's mark means the read is
    // made again from the start (rare: a job put in line by another tab, or a service worker).
    const mark = requested(unwrap(tx).objectStore('meta').get(LINE_MARK));
    mark.catch(ignore);
    const now = this.#now();
    if (!test.narrow && now - this.#fullReadAt >= LINE_RECHECK_MS) this.#readyFloor.fill(undefined);
    // A claim that walks the line for some tasks reads it from its start, and leaves the floor as it was.
    const fromFloor = !test.narrow && this.#readyFloor.some((floor) => floor !== undefined);
    let rows = await this.#readLine(tx, claim, test, findings);
    let full = !test.narrow && !fromFloor;
    const found = await mark;
    if (found !== this.#mark) {
      this.#mark = found;
      if (test.narrow) this.#readyFloor.fill(undefined);
      else if (fromFloor) {
        this.#readyFloor.fill(undefined);
        rows = await this.#readLine(tx, claim, test, findings);
        full = true;
      }
    }
    if (full) this.#fullReadAt = now;
    return rows;
  }

  /** The best ready jobs from where the line is known to begin (see `#readyFloor`). */
  async #readLine(tx: JobsTx, claim: ClaimRequest, test: Eligibility, findings: Findings): Promise<JobRow[]> {
    const index = tx.objectStore('jobs').index('ready');
    const rows: JobRow[] = [];
    for (const net of test.network ? [0, 1] : [0]) {
      const start: [number, number, number, number] = [net, -Infinity, -Infinity, -Infinity];
      const end: [number, number, number, number] = [net, Infinity, Infinity, Infinity];
      const skip = claim.skip?.filter((job) => (job.requiresNetwork ? 1 : 0) === net);
      if (test.narrow) {
        rows.push(...(await this.#bestOf(tx, index, IDBKeyRange.bound(start, end), claim.max, test, findings)));
        continue;
      }
      const from = this.#readyFloor[net] ?? start;
      const found: JobRow[] = [];
      /** Where the part of the line this claim does not read begins (jobs taken unwritten, and any between them). */
      let unread: [number, number, number, number] | undefined;
      if (!skip?.length) {
        found.push(...(await this.#readyRows(tx, index, IDBKeyRange.bound(from, end), claim.max, findings)));
      } else {
        // Jobs taken but not yet written are still in the line, where they were taken from: its head then.
        // Read what has come before them since, and what comes after them; not them (reading a row costs
        // about as much as writing it). A job that came in between waits until they are written.
        const keys = skip.map(readyKeyOf).sort((a, b) => indexedDB.cmp(a, b));
        const first = keys[0]!;
        const last = keys[keys.length - 1]!;
        const [before, after] = await Promise.all([
          indexedDB.cmp(from, first) < 0 ? this.#readyRows(tx, index, IDBKeyRange.bound(from, first, false, true), claim.max, findings) : [],
          indexedDB.cmp(from, last) > 0
            ? this.#readyRows(tx, index, IDBKeyRange.bound(from, end), claim.max, findings)
            : this.#readyRows(tx, index, IDBKeyRange.bound(last, end, true, false), claim.max, findings),
        ]);
        found.push(...before, ...after.slice(0, claim.max - before.length));
        if (indexedDB.cmp(from, last) <= 0) unread = indexedDB.cmp(from, first) > 0 ? from : first;
      }
      // Nothing waits below the best job found (nor below where the read began, if it found none), except maybe
      // in the part not read: a job back in line between jobs taken unwritten is claimed once they are written.
      const floor = found[0]?.readyKey ?? (from === start ? this.#readyFloor[net] : from);
      this.#readyFloor[net] = unread && (!floor || indexedDB.cmp(unread, floor) < 0) ? unread : floor;
      rows.push(...found);
    }
    // A row of the line was put aside or rewritten with other keys: where the line begins is not known for sure.
    if (findings.lineChanged) this.#readyFloor.fill(undefined);
    return rows.length > claim.max ? rows.sort(compareReady).slice(0, claim.max) : rows.sort(compareReady);
  }

  /**
   * Up to `count` rows of the line in `range`, each checked: a malformed one is put aside and one with keys
   * out of step rewritten (both leave this read), and the read goes on past them, so that a bad row at the head
   * of the line never holds up the jobs behind it.
   */
  async #readyRows(tx: JobsTx, index: ReadyIndex, range: IDBKeyRange, count: number, findings: Findings): Promise<JobRow[]> {
    const rows = await index.getAll(range, count);
    let sound = 0;
    for (const row of rows) if (this.#isReady(tx, row, findings)) sound++;
    if (sound === rows.length) return rows;
    const last = rows[rows.length - 1]!.readyKey!;
    const full = rows.length === count;
    sound = 0;
    for (const row of rows) if (row.state === 'waiting' && checkJobRow(row) === undefined && !hasStaleKeys(row)) rows[sound++] = row;
    rows.length = sound;
    if (!full) return rows;
    const after = IDBKeyRange.bound(last, range.upper, true, range.upperOpen);
    return rows.concat(await this.#readyRows(tx, index, after, count - sound, findings));
  }

  /** Whether a row read from the line is a sound waiting job with its keys in step; puts it aside or rewrites it if not. */
  #isReady(tx: JobsTx, row: JobRow, findings: Findings): boolean {
    if (checkJobRow(row) === undefined && row.state === 'waiting' && !hasStaleKeys(row)) return true;
    this.#putAside(tx, row, findings);
    findings.lineChanged = true;
    return false;
  }

  /** A claim that turns jobs away for what they are walks the line past them, up to a bound. */
  async #bestOf(tx: JobsTx, index: ReadyIndex, range: IDBKeyRange, max: number, test: Eligibility, findings: Findings): Promise<JobRow[]> {
    const rows: JobRow[] = [];
    let cursor = await index.openCursor(range);
    for (let scanned = 0; cursor && rows.length < max && scanned < FILTERED_SCAN_LIMIT; scanned++) {
      const row = cursor.value;
      if (this.#isReady(tx, row, findings) && test.admits(row)) rows.push(row);
      cursor = await cursor.continue();
    }
    return rows;
  }
}
