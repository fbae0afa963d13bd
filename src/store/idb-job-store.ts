import type { IDBPTransaction } from 'idb';
import { StorageError } from '../errors';
import { createJobRecord, emptyCounts, JOB_STATES, type JobCounts, type JobRecord } from '../job/job';
import type { NewJob } from '../job/job-options';
import { newId } from '../job/new-id';
import { transition, type JobAction } from '../job/transition';
import type { ClaimRequest, CommitResult, JobStore, JobUpdate, ListQuery, StoreEnv } from './job-store';
import { fromRow, toRow, type QueueDb, type QueueDbSchema } from './queue-db';

type JobsTx = IDBPTransaction<QueueDbSchema, ['jobs', 'meta'], 'readwrite'>;

/** How many due delayed jobs one commit moves to `waiting`, so that one transaction stays short. */
const PROMOTE_BATCH = 500;

/**
 * Jobs in IndexedDB. Each method is one transaction; inside one, only IndexedDB requests are awaited.
 *
 * BAD:  `const tx = db.transaction(...); await somethingElse(); tx.store.put(row)` (the transaction has committed)
 * GOOD: compute first, then open the transaction and await only its requests.
 */
export class IdbJobStore implements JobStore {
  readonly kind = 'indexeddb' as const;
  readonly #db: QueueDb;
  readonly #env: StoreEnv;

  constructor(db: QueueDb, env: StoreEnv) {
    this.#db = db;
    this.#env = env;
  }

  add(jobs: readonly NewJob[]): Promise<Array<{ job: JobRecord; created: boolean }>> {
    return this.#write(async (tx) => {
      const jobStore = tx.objectStore('jobs');
      const meta = tx.objectStore('meta');
      let seq = ((await meta.get('seq')) as number | undefined) ?? 0;
      const now = this.#env.now();
      const added = new Map<string, JobRecord>();
      const results: Array<{ job: JobRecord; created: boolean }> = [];
      for (const newJob of jobs) {
        if (newJob.id !== undefined) {
          const existing = added.get(newJob.id) ?? (await jobStore.get(newJob.id).then((row) => row && fromRow(row)));
          if (existing) {
            results.push({ job: existing, created: false });
            continue;
          }
        }
        const job = createJobRecord(newJob, newJob.id ?? newId(), ++seq, now);
        added.set(job.id, job);
        jobStore.add(toRow(job)).catch(ignore);
        results.push({ job, created: true });
      }
      meta.put(seq, 'seq').catch(ignore);
      return results;
    });
  }

  commit(updates: readonly JobUpdate[], claim?: ClaimRequest): Promise<CommitResult> {
    return this.#write(async (tx) => {
      const jobs = tx.objectStore('jobs');
      const updated: Array<JobRecord | null> = [];
      for (const { id, action } of updates) updated.push(await this.#apply(tx, id, action));
      if (!claim) return { updated, claimed: [], nextRunAt: undefined };

      const now = this.#env.now();
      const due = await jobs.index('due').getAll(IDBKeyRange.upperBound([now, Infinity]), PROMOTE_BATCH);
      for (const row of due) this.#put(tx, transition(fromRow(row), { type: 'promote' }, this.#transitionEnv(now)));

      const claimed: JobRecord[] = [];
      if (claim.max > 0) {
        const leaseUntil = now + claim.leaseMs;
        const ready = await jobs.index('ready').getAll(null, claim.max);
        for (const row of ready) {
          const action: JobAction = { type: 'claim', token: claim.token(), owner: claim.owner, leaseUntil };
          const job = this.#put(tx, transition(fromRow(row), action, this.#transitionEnv(now)));
          if (job) claimed.push(job);
        }
      }
      const next = await jobs.index('due').openKeyCursor();
      return { updated, claimed, nextRunAt: next ? next.key[0] : undefined };
    });
  }

  updateActive(select: (job: JobRecord) => boolean, action: JobAction): Promise<JobRecord[]> {
    return this.#write(async (tx) => {
      const active = await tx.objectStore('jobs').index('state').getAll(stateRange('active'));
      const changed: JobRecord[] = [];
      for (const row of active) {
        const job = fromRow(row);
        if (!select(job)) continue;
        const next = this.#put(tx, transition(job, action, this.#transitionEnv(this.#env.now())));
        if (next) changed.push(next);
      }
      return changed;
    });
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = await this.#read(() => this.#db.get('jobs', id));
    return row && fromRow(row);
  }

  async list({ state, limit = 50, offset = 0, order = 'desc' }: ListQuery = {}): Promise<JobRecord[]> {
    return this.#read(async () => {
      const tx = this.#db.transaction('jobs');
      const source = state === undefined ? tx.store.index('seq') : tx.store.index('state');
      const range = state === undefined ? null : stateRange(state);
      let cursor = await source.openCursor(range, order === 'asc' ? 'next' : 'prev');
      if (cursor && offset > 0) cursor = await cursor.advance(offset);
      const page: JobRecord[] = [];
      while (cursor && page.length < limit) {
        page.push(fromRow(cursor.value));
        cursor = await cursor.continue();
      }
      return page;
    });
  }

  async counts(): Promise<JobCounts> {
    return this.#read(async () => {
      const index = this.#db.transaction('jobs').store.index('state');
      const counts = emptyCounts();
      const numbers = await Promise.all(JOB_STATES.map((state) => index.count(stateRange(state))));
      JOB_STATES.forEach((state, i) => (counts[state] = numbers[i]!));
      return counts;
    });
  }

  async getMeta(key: string): Promise<unknown> {
    return this.#read(() => this.#db.get('meta', key));
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.#read(() => this.#db.put('meta', value, key));
  }

  close(): void {
    this.#db.close();
  }

  async #apply(tx: JobsTx, id: string, action: JobAction): Promise<JobRecord | null> {
    const row = await tx.objectStore('jobs').get(id);
    return row ? this.#put(tx, transition(fromRow(row), action, this.#transitionEnv(this.#env.now()))) : null;
  }

  /** Queues the write of a transitioned job. Not awaited: `tx.done` reports any failure, once. */
  #put(tx: JobsTx, job: JobRecord | null): JobRecord | null {
    if (job) tx.objectStore('jobs').put(toRow(job)).catch(ignore);
    return job;
  }

  #transitionEnv(now: number) {
    return { now, random: this.#env.random };
  }

  async #write<T>(work: (tx: JobsTx) => Promise<T>): Promise<T> {
    let tx: JobsTx;
    try {
      tx = this.#db.transaction(['jobs', 'meta'], 'readwrite', { durability: 'relaxed' });
    } catch (error) {
      throw await toStorageError(error);
    }
    try {
      const result = await work(tx);
      await tx.done;
      return result;
    } catch (error) {
      tx.done.catch(() => {});
      try {
        tx.abort();
      } catch {
        // Already finished or aborted.
      }
      throw await toStorageError(error);
    }
  }

  async #read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw await toStorageError(error);
    }
  }
}

function ignore(): void {}

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
