import { unwrap, type IDBPTransaction } from 'idb';
import { StorageError } from '../errors';
import { claimAction, eligibility, type Eligibility } from '../job/claim';
import { compareReady, createJobRecord, emptyCounts, JOB_STATES, type JobCounts, type JobRecord } from '../job/job';
import type { NewJob } from '../job/job-options';
import { newId } from '../job/new-id';
import { transition, type JobAction } from '../job/transition';
import type { ScheduleRecord } from '../schedule/schedule';
import { checkJobRow, hasStaleKeys } from './check-row';
import { checkSchedule, corruptScheduleMessage } from './check-schedule';
import type { ClaimRequest, CleanQuery, CommitResult, JobStore, JobUpdate, ListQuery, StoreEnv } from './job-store';
import { corruptIdFor, corruptJobMessage, quarantinedRow } from './quarantined-row';
import {
  fromRow,
  isClosedConnection,
  newerVersion,
  openQueueDb,
  queueDbName,
  readyKeyOf,
  toRow,
  type JobRow,
  type QueueDb,
  type QueueDbSchema,
} from './queue-db';

type JobsTx = IDBPTransaction<QueueDbSchema, ['jobs', 'meta', 'schedules'], 'readwrite'>;
type ReadyIndex = ReturnType<ReturnType<JobsTx['objectStore']>['index']>;

/** How many due delayed jobs one commit moves to `waiting`, so that one transaction stays short. */
const PROMOTE_BATCH = 500;
/** How far a claim limited to some tasks looks past jobs of other tasks. */
const FILTERED_SCAN_LIMIT = 1_000;
/**
 * How often a claim reads the line from its start all the same: a backstop for jobs put in line by something that
 * leaves no mark (another version's code, a hand edit), at the cost of one read past the line's deleted entries.
 */
const LINE_RECHECK_MS = 1_000;
/** The meta key of the mark each transaction that puts jobs in line leaves (see `#markLine`). */
const LINE_MARK = 'line';

/**
 * What one transaction found malformed and put aside, told to the store's owner once it has committed; and
 * rows stored under a key that is not a string, moved to a string id at the end of the transaction.
 */
interface Findings {
  reports: QuarantineReport[];
  moves: Array<{ key: IDBValidKey; stored: unknown; reason: string; schedule?: boolean }>;
  /** A row of the line was put aside or rewritten: the next claim reads the line from its start. */
  lineChanged: boolean;
  /** A job joined the line: the transaction leaves its mark for other contexts (see `#markLine`). */
  joined: boolean;
}

/**
 * Jobs in IndexedDB. Each method is one transaction; inside one, only IndexedDB requests are awaited.
 *
 * BAD:  `const tx = db.transaction(...); await somethingElse(); tx.store.put(row)` (the transaction has committed)
 * GOOD: compute first, then open the transaction and await only its requests.
 */
export class IdbJobStore implements JobStore {
  readonly kind = 'indexeddb' as const;
  readonly #queue: string;
  readonly #env: StoreEnv;
  readonly #events: IdbStoreEvents;
  #db: QueueDb | undefined;
  #reopening: Promise<QueueDb> | undefined;
  #blocked = false;
  /** The version a newer offthread asked to upgrade to (`null`: the database is being deleted). */
  #newVersion: number | null | undefined;
  #closed = false;
  /** Keys of rows a read found wrong, being put aside or rewritten (in a transaction of their own). */
  readonly #fixing = new Set<string>();
  readonly #gets: Array<{ id: string; resolve: (job: JobRecord | undefined) => void; reject: (error: unknown) => void }> = [];
  #everOpened = false;
  /**
   * Per part of the line (0: jobs that need no network, 1: network jobs), a key below which no job waits, as far
   * as this store knows: claims read the line from there. LevelDB (Chromium's IndexedDB) keeps deleted index
   * entries until it compacts, and a queue deletes at the head of its line all the time: read from the start,
   * each claim would step over every job taken before it. Lowered by every waiting job this store writes;
   * forgotten when another context has put jobs in line (its mark, see `#markLine`), and every LINE_RECHECK_MS.
   */
  readonly #readyFloor: Array<[number, number, number, number] | undefined> = [undefined, undefined];
  /** The line's mark as this store last wrote or read it: another one means another context put jobs in line. */
  #lineMark: unknown;
  /** When a claim last read the line from its start, by the store's clock. */
  #fullReadAt = -Infinity;
  /** The last `seq` this store wrote: an add takes it for the stored one, and checks (see `#addIn`). */
  #seq: number | undefined;
  private constructor(queue: string, env: StoreEnv, events: IdbStoreEvents) {
    this.#queue = queue;
    this.#env = env;
    this.#events = events;
  }

  /** Opens the queue's database. Rejects with a `StorageError` where IndexedDB is missing or refuses. */
  static async open(queue: string, env: StoreEnv, events: IdbStoreEvents = {}): Promise<IdbJobStore> {
    const store = new IdbJobStore(queue, env, events);
    await store.#connection();
    return store;
  }

  /**
   * The open connection. After the browser closed it (storage cleared or evicted), the next call reopens
   * it; after a newer version asked to upgrade, every call fails with a clear `StorageError`.
   */
  #connection(): Promise<QueueDb> {
    if (this.#blocked) {
      const name = queueDbName(this.#queue);
      return Promise.reject(
        this.#newVersion === null
          ? new StorageError(`IndexedDB database "${name}" is being deleted by another tab: reload this tab to use queue "${this.#queue}" again`)
          : newerVersion(name, this.#newVersion, { reload: true }),
      );
    }
    if (this.#db) return Promise.resolve(this.#db);
    const reopen = this.#everOpened;
    this.#reopening ??= openQueueDb(this.#queue, {
      onVersionChange: (newVersion) => {
        this.#db = undefined;
        // Deleted, not upgraded: as when storage is cleared, the next call opens a new database.
        if (newVersion === null) return this.#events.onDeleted?.();
        this.#blocked = true;
        this.#newVersion = newVersion;
        this.#events.onVersionChange?.(newVersion);
      },
      onTerminated: () => {
        this.#db = undefined;
        this.#events.onTerminated?.();
      },
    }).then(
      (db) => {
        this.#db = db;
        this.#reopening = undefined;
        if (reopen) {
          // A new database (the old one was cleared): what was known of the old one's line is not so of it.
          this.#readyFloor.fill(undefined);
          this.#lineMark = undefined;
          this.#seq = undefined;
          this.#events.onReopened?.();
        }
        this.#everOpened = true;
        return db;
      },
      (error: unknown) => {
        this.#reopening = undefined;
        throw error;
      },
    );
    return this.#reopening;
  }


  add(jobs: readonly NewJob[]): Promise<Array<{ job: JobRecord; created: boolean }>> {
    return this.#write((tx, findings) => this.#addIn(tx, jobs, findings));
  }

  async #addIn(tx: JobsTx, jobs: readonly NewJob[], findings: Findings): Promise<Array<{ job: JobRecord; created: boolean }>> {
    const jobStore = tx.objectStore('jobs');
    // Plain requests for the rows (their failure aborts the transaction, which reports it).
    const rawJobs = unwrap(tx).objectStore('jobs');
    const meta = unwrap(tx).objectStore('meta');
    const stored = requested(meta.get('seq') as IDBRequest<unknown>);
    // A row that cannot be stored throws before it is awaited; the transaction's abort reports that.
    stored.catch(ignore);
    // New jobs only (no jobId to look up): their rows go out with the seqs that follow the last this store wrote,
    // along with the read of the stored seq: one round trip, not two. Checked below.
    const guess = jobs.some((job) => job.id !== undefined) ? undefined : this.#seq;
    // A stored seq that is not one (written by hand, or half a write) is found again from the rows: the highest in the seq index.
    let seq: number = guess ?? (await stored.then((value): number | Promise<number> => (isSeq(value) ? value : highestSeq(rawJobs))));
    const now = this.#env.now();
    const added = new Map<string, JobRecord>();
    const results: Array<{ job: JobRecord; created: boolean }> = [];
    for (const newJob of jobs) {
      if (newJob.id !== undefined) {
        const id = newJob.id;
        const existing = added.get(id) ?? (await jobStore.get(id).then((row) => row && this.#checked(tx, row, id, findings)));
        if (existing) {
          results.push({ job: existing, created: false });
          continue;
        }
      }
      const job = createJobRecord(newJob, newJob.id ?? newId(), ++seq, now);
      added.set(job.id, job);
      const row = toRow(job);
      this.#joinLine(row, findings);
      rawJobs.add(row);
      results.push({ job, created: true });
    }
    const storedNow = guess === undefined ? undefined : await stored;
    // Not a seq: this store's own is the best guess, and is written over it below.
    const shift = guess === undefined || !isSeq(storedNow) ? 0 : storedNow - guess;
    if (shift) {
      // Another context added jobs since this store last did: these go after those.
      seq += shift;
      for (const result of results) {
        const row = toRow((result.job = { ...result.job, seq: result.job.seq + shift }));
        this.#joinLine(row, findings);
        rawJobs.put(row);
      }
    }
    meta.put((this.#seq = seq), 'seq');
    return results;
  }

  putSchedule(schedule: ScheduleRecord): Promise<void> {
    return this.#write(async (tx) => void (await tx.objectStore('schedules').put(schedule)));
  }

  deleteSchedule(id: string): Promise<boolean> {
    return this.#write(async (tx) => {
      const schedules = tx.objectStore('schedules');
      if (!(await schedules.get(id))) return false;
      await schedules.delete(id);
      return true;
    });
  }

  listSchedules(): Promise<ScheduleRecord[]> {
    return this.#read(async (db) => {
      const tx = db.transaction('schedules');
      const [values, keys] = await Promise.all([tx.store.getAll(), tx.store.getAllKeys()]);
      const schedules: ScheduleRecord[] = [];
      const wrong: IDBValidKey[] = [];
      values.forEach((value, i) => {
        if (checkSchedule(value) !== undefined) wrong.push(keys[i]!);
        else if (!('quarantine' in value)) schedules.push(value);
      });
      // Put aside and reported in a transaction of their own: a malformed schedule is not listed, nor run.
      if (wrong.length > 0) this.#fixLater('schedules', wrong);
      return schedules;
    });
  }

  materialize(
    id: string,
    expectedNextRunAt: number,
    jobs: readonly NewJob[],
    next: { nextRunAt: number | undefined; lastRunAt: number | undefined },
  ): Promise<JobRecord[] | null> {
    return this.#write(async (tx, findings) => {
      const schedules = tx.objectStore('schedules');
      const schedule = await schedules.get(id);
      if (!schedule || checkSchedule(schedule) !== undefined || 'quarantine' in schedule || schedule.nextRunAt !== expectedNextRunAt) return null;
      const added = await this.#addIn(tx, jobs, findings);
      if (next.nextRunAt === undefined) await schedules.delete(id);
      else await schedules.put({ ...schedule, nextRunAt: next.nextRunAt, lastRunAt: next.lastRunAt ?? schedule.lastRunAt });
      return added.filter((a) => a.created).map((a) => a.job);
    });
  }

  commit(updates: readonly JobUpdate[], claim?: ClaimRequest): Promise<CommitResult> {
    return this.#write(async (tx, findings) => {
      const jobs = tx.objectStore('jobs');
      // All reads asked at once (the transaction serves them in order, without a round trip each). The updates
      // of one job (a deferred claim and the run's outcome, say) are applied in order to one read, and written once.
      const updated: Array<JobRecord | null> = [];
      const byJob = new Map<string, number[]>();
      updates.forEach(({ id }, i) => {
        const indexes = byJob.get(id);
        if (indexes) indexes.push(i);
        else byJob.set(id, [i]);
      });
      const env = this.#transitionEnv(this.#env.now());
      // Plain requests, not idb's promises: a commit of a burst reads and writes hundreds of rows.
      await readEach(unwrap(tx).objectStore('jobs'), byJob.keys(), (id, row) => {
        // A row put aside here is `corrupt`: no action applies to it.
        let job = row === undefined ? null : this.#checked(tx, row, id, findings);
        let changed = false;
        for (const i of byJob.get(id)!) {
          const next = job && transition(job, updates[i]!.action, env);
          updated[i] = next;
          if (next) (job = next), (changed = true);
        }
        if (changed) this.#put(tx, job, findings);
      });
      if (!claim) return { updated, claimed: [], nextRunAt: undefined };

      // The delayed jobs now due, the best ready ones and the next due time, read at once: one round trip.
      const now = this.#env.now();
      const test = eligibility(claim);
      const index = jobs.index('due');
      const [due, ready, next] = await Promise.all([
        index.getAll(IDBKeyRange.upperBound([now, Infinity]), PROMOTE_BATCH),
        claim.max > 0 ? this.#best(tx, claim, test, findings) : [],
        index.openKeyCursor(IDBKeyRange.lowerBound([now, Infinity], true)),
      ]);
      // The due jobs join the line after the read of it (and after it set its floor): they compete here.
      const candidates: JobRecord[] = ready.map(fromRow);
      for (const row of due) {
        const found = this.#checked(tx, row, row.id, findings);
        if (found.state !== 'delayed') continue;
        const job = this.#put(tx, transition(found, { type: 'promote' }, this.#transitionEnv(now)), findings);
        if (job && test.admits(job)) candidates.push(job);
      }
      if (candidates.length > ready.length) candidates.sort(compareReady).length = Math.min(candidates.length, claim.max);

      const claimed: JobRecord[] = [];
      for (const candidate of candidates) {
        const job = transition(candidate, claimAction(claim, claim.token(), now), this.#transitionEnv(now));
        // Deferred: taken, not written (the runner writes the claim later, with the outcome if the run is over).
        if (job) claimed.push(claim.defer ? job : this.#put(tx, job, findings)!);
      }
      // More due than one commit promotes: the rest are due now.
      const nextRunAt = due.length === PROMOTE_BATCH ? now : next?.key[0];
      return { updated, claimed, nextRunAt };
    });
  }

  /**
   * The best ready jobs a claim may take: an index lookup per partition (jobs that need the network apart),
   * merged. A claim limited to some tasks walks the index past the others, up to a bound.
   */
  async #best(tx: JobsTx, claim: ClaimRequest, test: Eligibility, findings: Findings): Promise<JobRow[]> {
    // The mark read along with the line: in the same round trip. Another context's mark means the read is
    // made again from the start (rare: a job put in line by another tab, or a service worker).
    const mark = requested(unwrap(tx).objectStore('meta').get(LINE_MARK));
    mark.catch(ignore);
    const now = this.#env.now();
    if (!test.narrow && now - this.#fullReadAt >= LINE_RECHECK_MS) this.#readyFloor.fill(undefined);
    // A claim that walks the line for some tasks reads it from its start, and leaves the floor as it was.
    const fromFloor = !test.narrow && this.#readyFloor.some((floor) => floor !== undefined);
    let rows = await this.#readLine(tx, claim, test, findings);
    let full = !test.narrow && !fromFloor;
    const found = await mark;
    if (found !== this.#lineMark) {
      this.#lineMark = found;
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
    this.#checked(tx, row, row.id, findings);
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

  updateActive(select: (job: JobRecord) => boolean, action: JobAction): Promise<JobRecord[]> {
    return this.#write(async (tx, findings) => {
      const active = await tx.objectStore('jobs').index('state').getAll(stateRange('active'));
      const changed: JobRecord[] = [];
      for (const row of active) {
        const job = this.#checked(tx, row, row.id, findings);
        if (job.state !== 'active' || !select(job)) continue;
        const next = this.#put(tx, transition(job, action, this.#transitionEnv(this.#env.now())), findings);
        if (next) changed.push(next);
      }
      return changed;
    });
  }

  get(id: string): Promise<JobRecord | undefined> {
    // Reads asked in the same tick share one transaction: a page awaiting thousands of results reads them
    // in a few transactions, not in one each.
    return new Promise((resolve, reject) => {
      if (this.#gets.push({ id, resolve, reject }) > 1) return;
      queueMicrotask(() => {
        const batch = this.#gets.splice(0);
        this.#read((db) => {
          const tx = db.transaction('jobs', 'readonly');
          return Promise.all(batch.map(({ id }) => tx.store.get(id))).catch((error: unknown) => {
            throw whyAborted(tx, error);
          });
        }).then(
          (rows) => {
            const wrong: IDBValidKey[] = [];
            batch.forEach(({ id, resolve }, i) => resolve(rows[i] && this.#view(rows[i], id, wrong)));
            if (wrong.length > 0) this.#fixLater('jobs', wrong);
          },
          (error: unknown) => batch.forEach(({ reject }) => reject(error)),
        );
      });
    });
  }

  remove(ids: readonly string[]): Promise<JobRecord[]> {
    return this.#write(async (tx) => {
      const jobs = tx.objectStore('jobs');
      const removed: JobRecord[] = [];
      for (const id of ids) {
        const row = await jobs.get(id);
        if (!row) continue;
        removed.push(this.#view(row, id, []));
        jobs.delete(id).catch(ignore);
      }
      return removed;
    });
  }

  clean({ state, finishedBefore, keep, limit }: CleanQuery): Promise<string[]> {
    return this.#write(async (tx) => {
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
      const rawJobs = unwrap(tx).objectStore('jobs');
      for (const id of ids) rawJobs.delete(id);
      return ids;
    });
  }

  async list({ state, limit = 50, offset = 0, order = 'desc' }: ListQuery = {}): Promise<JobRecord[]> {
    return this.#read(async (db) => {
      const tx = db.transaction('jobs');
      const source = state === undefined ? tx.store.index('seq') : tx.store.index('state');
      const range = state === undefined ? null : stateRange(state);
      let cursor = await source.openCursor(range, order === 'asc' ? 'next' : 'prev');
      if (cursor && offset > 0) cursor = await cursor.advance(offset);
      const page: JobRecord[] = [];
      const wrong: IDBValidKey[] = [];
      while (cursor && page.length < limit) {
        page.push(this.#view(cursor.value, cursor.primaryKey, wrong));
        cursor = await cursor.continue();
      }
      if (wrong.length > 0) this.#fixLater('jobs', wrong);
      return page;
    });
  }

  async counts(): Promise<JobCounts> {
    return this.#read(async (db) => {
      const index = db.transaction('jobs').store.index('state');
      const counts = emptyCounts();
      const [corrupt, ...numbers] = await Promise.all([index.count(stateRange('corrupt')), ...JOB_STATES.map((state) => index.count(stateRange(state)))]);
      JOB_STATES.forEach((state, i) => (counts[state] = numbers[i]!));
      if (corrupt! > 0) counts.corrupt = corrupt;
      return counts;
    });
  }

  async getMeta(key: string): Promise<unknown> {
    const value = await this.#read((db) => db.get('meta', key));
    // The tasks a worker serves, as a tab with workers wrote them (and writes again as it starts): one that is not
    // an object of objects is as good as none, rather than every add refused as an unknown task.
    if (key === 'tasks' && !(typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((task) => typeof task === 'object' && task !== null))) {
      return undefined;
    }
    return value;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.#read((db) => db.put('meta', value, key));
  }

  close(): void {
    this.#closed = true;
    this.#db?.close();
    this.#db = undefined;
  }

  /**
   * A row read in a write transaction, as a job: a sound one as it is (rewritten if its index keys are out of
   * step with its fields); a malformed one put aside as `corrupt` in its place, what was stored kept, and
   * reported once the transaction commits. A row stored under a key that is not a string moves to a string id
   * at the end of the transaction (see `#finishMoves`).
   */
  #checked(tx: JobsTx, value: unknown, key: IDBValidKey, findings: Findings): JobRecord {
    const reason = checkJobRow(value);
    if (reason === undefined) {
      const row = value as JobRow;
      const job = fromRow(row);
      if (hasStaleKeys(row)) this.#put(tx, job, findings);
      return job;
    }
    const now = this.#env.now();
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
   * into `wrong` (to be put aside, or rewritten, by `#fixLater`).
   */
  #view(value: unknown, key: IDBValidKey, wrong: IDBValidKey[]): JobRecord {
    const reason = checkJobRow(value);
    if (reason === undefined) {
      if (hasStaleKeys(value as JobRow)) wrong.push(key);
      return fromRow(value as JobRow);
    }
    wrong.push(key);
    return fromRow(quarantinedRow(value, typeof key === 'string' ? key : corruptIdFor(key), reason, this.#env.now()));
  }

  /**
   * Reads again the rows of `keys` that a read found wrong, in a write transaction of their own, and puts aside
   * (or rewrites) those still wrong. Another tab may have done so first: then nothing is reported here.
   */
  #fixLater(storeName: 'jobs' | 'schedules', keys: readonly IDBValidKey[]): void {
    const fresh = keys.filter((key) => !this.#fixing.has(`${storeName}:${String(key)}`));
    if (fresh.length === 0 || this.#closed) return;
    for (const key of fresh) this.#fixing.add(`${storeName}:${String(key)}`);
    this.#write(async (tx, findings) => {
      const store = unwrap(tx).objectStore(storeName);
      for (const key of fresh) {
        const value = await requested(store.get(key));
        if (value === undefined) continue;
        if (storeName === 'jobs') this.#checked(tx, value, key, findings);
        else this.#putScheduleAside(tx, value, key, findings);
      }
    })
      .catch((error: unknown) => this.#events.onError?.(error))
      .finally(() => {
        for (const key of fresh) this.#fixing.delete(`${storeName}:${String(key)}`);
      });
  }

  /** Puts a malformed schedule aside in its place (or under a string id, for a key that is not one); reports it. */
  #putScheduleAside(tx: JobsTx, value: unknown, key: IDBValidKey, findings: Findings): void {
    const reason = checkSchedule(value);
    if (reason === undefined) return;
    if (typeof key !== 'string') {
      findings.moves.push({ key, stored: value, reason, schedule: true });
      return;
    }
    unwrap(tx).objectStore('schedules').put({ id: key, quarantine: { reason, stored: value, at: this.#env.now() } });
    findings.reports.push({ kind: 'schedule', id: key, reason, message: corruptScheduleMessage(key, reason) });
  }

  /**
   * Moves the malformed rows stored under keys that are not strings to string ids (`corrupt:<key>`, or with a
   * suffix if that id is taken), as `corrupt` rows (or schedules put aside), and reports them.
   */
  async #finishMoves(tx: JobsTx, findings: Findings): Promise<void> {
    for (const { key, stored, reason, schedule } of findings.moves.splice(0)) {
      const storeName = schedule ? 'schedules' : 'jobs';
      const store = unwrap(tx).objectStore(storeName);
      let id = corruptIdFor(key);
      if ((await requested(store.getKey(id))) !== undefined) id = `${id}~${newId()}`;
      store.delete(key);
      if (schedule) {
        store.put({ id, quarantine: { reason, stored, at: this.#env.now() } });
        findings.reports.push({ kind: 'schedule', id, reason, message: corruptScheduleMessage(id, reason) });
      } else {
        const row = quarantinedRow(stored, id, reason, this.#env.now());
        store.put(row);
        findings.reports.push({ kind: 'job', id, reason, message: corruptJobMessage(id, reason), job: fromRow(row) });
      }
    }
  }

  /** Queues the write of a transitioned job. Not awaited: `tx.done` reports any failure, once. */
  #put(tx: JobsTx, job: JobRecord | null, findings: Findings): JobRecord | null {
    if (!job) return job;
    const row = toRow(job);
    this.#joinLine(row, findings);
    // A failure aborts the transaction, and its `done` reports it.
    unwrap(tx).objectStore('jobs').put(row);
    return job;
  }

  /** A job joins the line (if its row is waiting): claims must read from its place on. */
  #joinLine(row: JobRow, findings: Findings): void {
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
  #markLine(tx: JobsTx): void {
    const meta = unwrap(tx).objectStore('meta');
    const known = this.#lineMark;
    const before = meta.get(LINE_MARK);
    before.onsuccess = () => {
      if (before.result !== known) this.#readyFloor.fill(undefined);
    };
    meta.put((this.#lineMark = newId()), LINE_MARK);
  }

  #transitionEnv(now: number) {
    return { now, random: this.#env.random };
  }

  async #write<T>(work: (tx: JobsTx, findings: Findings) => Promise<T>): Promise<T> {
    return this.#withConnection(async (db) => {
      const tx = db.transaction(['jobs', 'meta', 'schedules'], 'readwrite', { durability: 'relaxed' });
      const findings: Findings = { reports: [], moves: [], lineChanged: false, joined: false };
      try {
        const result = await work(tx, findings);
        if (findings.moves.length > 0) await this.#finishMoves(tx, findings);
        if (findings.joined) this.#markLine(tx);
        await tx.done;
        // Told once it is so: a transaction that aborted put nothing aside.
        if (findings.reports.length > 0) this.#events.onQuarantined?.(findings.reports);
        return result;
      } catch (error) {
        tx.done.catch(ignore);
        try {
          tx.abort();
        } catch {
          // Already finished or aborted.
        }
        throw whyAborted(tx, error);
      }
    });
  }

  #read<T>(work: (db: QueueDb) => Promise<T>): Promise<T> {
    return this.#withConnection(work);
  }

  /** Runs `work` on the connection, reopening it once if the browser had closed it; wraps IndexedDB errors. */
  async #withConnection<T>(work: (db: QueueDb) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StorageError(`The store of queue "${this.#queue}" is closed`);
    for (let tries = 0; ; tries++) {
      // The open connection at once, without a turn of the event loop's microtasks: a commit's requests go out
      // before its caller goes on.
      const db = this.#db && !this.#blocked ? this.#db : await this.#connection();
      try {
        return await work(db);
      } catch (error) {
        // The connection was closed under us (storage cleared) before its close event reached us.
        if (tries === 0 && !this.#blocked && isClosedConnection(error)) {
          if (this.#db === db) this.#db = undefined;
          continue;
        }
        throw await toStorageError(error);
      }
    }
  }
}

/** A stored record found malformed and put aside, as an {@link IdbJobStore} tells its owner. */
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

/** What an {@link IdbJobStore} tells its owner. */
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

function ignore(): void {}

/**
 * A request of an aborted transaction fails with a bare "the transaction was aborted"; the transaction's own
 * error says why (the connection closed under it, say), which decides whether to reopen and try again.
 */
function whyAborted(tx: { error: DOMException | null }, error: unknown): unknown {
  return error instanceof DOMException && error.name === 'AbortError' && tx.error ? tx.error : error;
}

function stateRange(state: string): IDBKeyRange {
  return IDBKeyRange.bound([state, -Infinity], [state, Infinity]);
}

/** Wraps an IndexedDB `DOMException` in a `StorageError`, with usage and quota for a quota error. */
async function toStorageError(error: unknown): Promise<unknown> {
  if (!(error instanceof DOMException)) return error;
  if (error.name === 'QuotaExceededError') {
    const { usage, quota } = (await navigator.storage?.estimate?.().catch(() => undefined)) ?? {};
    const facts = usage !== undefined && quota !== undefined ? ` (${formatBytes(usage)} used of ${formatBytes(quota)})` : '';
    return new StorageError(`Storage quota exceeded: nothing was written${facts}`, { cause: error, usage, quota });
  }
  return new StorageError(`IndexedDB failed: ${error.name}: ${error.message}`, { cause: error });
}

function formatBytes(bytes: number): string {
  return bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/** Whether a stored `seq` meta value is one. */
function isSeq(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

/** The highest seq of the stored jobs (0 if none): where a `seq` meta value that is not one is found again. */
async function highestSeq(jobs: IDBObjectStore): Promise<number> {
  const cursor = await requested(jobs.index('seq').openKeyCursor(IDBKeyRange.bound(0, Number.MAX_SAFE_INTEGER), 'prev'));
  return typeof cursor?.key === 'number' ? Math.floor(cursor.key) : 0;
}

/** A plain request's result. */
function requested<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Reads the rows of `ids` with plain requests, all asked at once, calling `onRow` with each as it comes (in the
 * order asked); resolves once all have come. Writes made in `onRow` go into the same transaction.
 */
function readEach(store: IDBObjectStore, ids: Iterable<string>, onRow: (id: string, row: JobRow | undefined) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = 1;
    const done = () => --left === 0 && resolve();
    for (const id of ids) {
      left++;
      const request = store.get(id) as IDBRequest<JobRow | undefined>;
      request.onsuccess = () => {
        try {
          onRow(id, request.result);
          done();
        } catch (error) {
          reject(error);
        }
      };
      request.onerror = () => reject(request.error);
    }
    done();
  });
}
