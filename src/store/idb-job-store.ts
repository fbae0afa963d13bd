import { unwrap } from 'idb';
import { StorageError } from '../errors';
import type { ClaimRequest } from '../job/claim';
import { createJobRecord, type JobCounts, type JobRecord } from '../job/job';
import type { NewJob } from '../job/job-options';
import { newId } from '../job/new-id';
import type { JobAction } from '../job/transition';
import type { ScheduleRecord } from '../schedule/schedule';
import { checkSchedule } from './check-schedule';
import { commitIn, updateActiveIn, type CommitParts } from './idb-commit';
import { ReadyLine } from './idb-line';
import { cleanIn, countsIn, listIn, removeIn } from './idb-queries';
import { highestSeq, ignore, isSeq, requested, toStorageError, whyAborted } from './idb-requests';
import { JobRows } from './idb-rows';
import type { IdbStoreEvents } from './idb-store-events';
import { noFindings, type Findings, type JobsTx } from './idb-transaction';
import type { CleanQuery, CommitResult, JobStore, JobUpdate, ListQuery, StoreEnv } from './job-store';
import { isClosedConnection, newerVersion, openQueueDb, queueDbName, toRow, type QueueDb } from './queue-db';

export type { IdbStoreEvents, QuarantineReport } from './idb-store-events';

/**
 * Jobs in IndexedDB. Each method is one transaction; inside one, only IndexedDB requests are awaited. This file
 * holds the connection and the transactions; in them, the line and its claims are `ReadyLine`'s (idb-line.ts),
 * rows and their checks `JobRows`' (idb-rows.ts), commits and due promotion in idb-commit.ts, reads in
 * idb-queries.ts.
 *
 * BAD:  `const tx = db.transaction(...); await somethingElse(); tx.store.put(row)` (the transaction has committed)
 * GOOD: compute first, then open the transaction and await only its requests.
 */
export class IdbJobStore implements JobStore {
  readonly kind = 'indexeddb' as const;
  readonly #queue: string;
  readonly #env: StoreEnv;
  readonly #events: IdbStoreEvents;
  readonly #line: ReadyLine;
  readonly #rows: JobRows;
  readonly #parts: CommitParts;
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
  /** The last `seq` this store wrote: an add takes it for the stored one, and checks (see `#addIn`). */
  #seq: number | undefined;
  private constructor(queue: string, env: StoreEnv, events: IdbStoreEvents) {
    this.#queue = queue;
    this.#env = env;
    this.#events = events;
    const now = () => env.now();
    this.#line = new ReadyLine(now, (tx, row, findings) => void this.#rows.checked(tx, row, row.id, findings));
    this.#rows = new JobRows(now, this.#line);
    this.#parts = { env, rows: this.#rows, line: this.#line };
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
          this.#line.forget();
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
        const existing = added.get(id) ?? (await jobStore.get(id).then((row) => row && this.#rows.checked(tx, row, id, findings)));
        if (existing) {
          results.push({ job: existing, created: false });
          continue;
        }
      }
      const job = createJobRecord(newJob, newJob.id ?? newId(), ++seq, now);
      added.set(job.id, job);
      const row = toRow(job);
      this.#line.joined(row, findings);
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
        this.#line.joined(row, findings);
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
    return this.#write((tx, findings) => commitIn(tx, findings, updates, claim, this.#parts));
  }

  updateActive(select: (job: JobRecord) => boolean, action: JobAction): Promise<JobRecord[]> {
    return this.#write((tx, findings) => updateActiveIn(tx, findings, select, action, this.#parts));
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
            batch.forEach(({ id, resolve }, i) => resolve(rows[i] && this.#rows.view(rows[i], id, wrong)));
            if (wrong.length > 0) this.#fixLater('jobs', wrong);
          },
          (error: unknown) => batch.forEach(({ reject }) => reject(error)),
        );
      });
    });
  }

  remove(ids: readonly string[]): Promise<JobRecord[]> {
    return this.#write((tx) => removeIn(tx, ids, (value, key, wrong) => this.#rows.view(value, key, wrong)));
  }

  clean(query: CleanQuery): Promise<string[]> {
    return this.#write((tx) => cleanIn(tx, query));
  }

  async list(query: ListQuery = {}): Promise<JobRecord[]> {
    return this.#read(async (db) => {
      const { page, wrong } = await listIn(db, query, (value, key, found) => this.#rows.view(value, key, found));
      if (wrong.length > 0) this.#fixLater('jobs', wrong);
      return page;
    });
  }

  async counts(): Promise<JobCounts> {
    return this.#read(countsIn);
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
        if (storeName === 'jobs') this.#rows.checked(tx, value, key, findings);
        else this.#rows.putScheduleAside(tx, value, key, findings);
      }
    })
      .catch((error: unknown) => this.#events.onError?.(error))
      .finally(() => {
        for (const key of fresh) this.#fixing.delete(`${storeName}:${String(key)}`);
      });
  }

  async #write<T>(work: (tx: JobsTx, findings: Findings) => Promise<T>): Promise<T> {
    return this.#withConnection(async (db) => {
      const tx = db.transaction(['jobs', 'meta', 'schedules'], 'readwrite', { durability: 'relaxed' });
      const findings = noFindings();
      try {
        const result = await work(tx, findings);
        if (findings.moves.length > 0) await this.#rows.finishMoves(tx, findings);
        if (findings.joined) this.#line.leaveMark(tx);
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
