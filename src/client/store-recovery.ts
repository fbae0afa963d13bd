import { StorageError } from '../errors';
import type { JobRecord } from '../job/job';
import type { IdbStoreEvents } from '../store/idb-job-store';
import type { JobStore } from '../store/job-store';
import type { ResolvedQueueOptions } from './queue-options';

/** What the recovery tells, through the queue's relay. */
export interface RecoveryRelay {
  error(error: unknown): void;
  quarantined: NonNullable<IdbStoreEvents['onQuarantined']>;
  /** A job this tab waits for is gone with the storage: its waits reject with `error`. */
  gone(id: string, error: Error): void;
  /** No end of a job can reach this tab any more: every wait rejects with `reason`. */
  disconnected(reason: Error): void;
  /** Ids of the jobs this tab waits for. */
  waitedFor(): string[];
}

/** What the recovery asks of the queue. */
export interface RecoveryHost {
  /** The queue's relay (made after the store: asked for only once the store has opened). */
  relay(): RecoveryRelay;
  /** This tab's runner side, if any. */
  runner(): { storageLost(reason: Error): void; abandon(): void } | undefined;
  /** Reads a stored job, as the queue's calls do (refused once it closed). */
  read(id: string): Promise<JobRecord | undefined>;
  isClosed(): boolean;
}

/** Why jobs stored before are gone, when the database came back empty without being deleted. */
const CLEARED = "the browser cleared this origin's storage";

/**
 * The queue's store, opened as the `storage` option picks it (each store a chunk of its own, fetched while the
 * queue opens, so that the page's first load carries neither), and what keeps the waits for jobs true when the
 * browser clears the database, another tab deletes it, or a newer version takes it: each wait learns that its
 * job is lost, rather than waiting for ever.
 */
export class StoreRecovery {
  readonly store: Promise<JobStore>;
  readonly #host: RecoveryHost;
  /** Why jobs that were stored are gone, when the database comes back empty. */
  #lostBecause = CLEARED;
  /** How often the database was reopened after the browser closed it (storage cleared). */
  #reopens = 0;

  constructor(o: ResolvedQueueOptions, host: RecoveryHost) {
    if (o.storage === 'indexeddb' && (typeof indexedDB === 'undefined' || indexedDB === null)) {
      throw new StorageError("IndexedDB is not available in this browser context (some private modes lack it); use storage: 'memory'");
    }
    this.#host = host;
    const env = { now: () => o.clock.now(), random: Math.random };
    const relay = () => host.relay();
    this.store =
      o.storage === 'memory'
        ? import('../store/memory-job-store').then(({ MemoryJobStore }) => new MemoryJobStore(env))
        : import('../store/idb-job-store').then(({ IdbJobStore }) =>
            IdbJobStore.open(o.name, env, {
              onVersionChange: (newVersion) => this.#versionChange(o.name, newVersion),
              onQuarantined: (reports) => relay().quarantined(reports),
              onError: (error) => relay().error(error),
              onTerminated: () => this.#gone(`The browser closed the database of queue "${o.name}" (storage cleared?); reopening it`, CLEARED),
              onDeleted: () =>
                this.#gone(`The database of queue "${o.name}" was deleted (by another tab?); reopening it`, `the database of queue "${o.name}" was deleted`),
              onReopened: () => {
                this.#reopens++;
                void this.#reopened();
              },
            }),
          );
    this.store.catch((error: unknown) => relay().error(error));
  }

  /**
   * A job someone waits for, read back. Missing after the database was reopened under the read (the browser
   * cleared the storage meanwhile), it was lost with the storage, not removed.
   */
  async readWaited(id: string): Promise<JobRecord | undefined> {
    const reopens = this.#reopens;
    const job = await this.#host.read(id);
    if (!job && this.#reopens !== reopens) throw this.#lost(id);
    return job;
  }

  /**
   * The database was closed under the queue (storage cleared) or deleted: report it, and if this page waits for
   * jobs, open it again now (a tab that runs nothing would not, until its next call), so that each wait learns
   * that its job is gone.
   */
  #gone(message: string, why: string): void {
    this.#lostBecause = why;
    this.#host.relay().error(new StorageError(message));
    if (this.#host.isClosed() || this.#host.relay().waitedFor().length === 0) return;
    this.store.then((store) => store.counts()).catch(() => {});
  }

  /**
   * The database came back empty (storage cleared or deleted): what this page waited for is gone, and so are
   * the jobs this tab's workers still run.
   */
  async #reopened(): Promise<void> {
    const store = await this.store;
    const relay = this.#host.relay();
    this.#host.runner()?.storageLost(new StorageError(this.#lostBecause));
    const ids = relay.waitedFor();
    // A read that fails is no proof that the job is gone: only a job not found is.
    const jobs = await Promise.all(ids.map((id) => store.get(id).catch(() => null)));
    ids.forEach((id, i) => jobs[i] === undefined && relay.gone(id, this.#lost(id)));
  }

  #lost(id: string): StorageError {
    return new StorageError(`Job ${id} was lost: ${this.#lostBecause}`);
  }

  /** A newer version took the database (`null`: it is being deleted): this tab lets go of the queue at once. */
  #versionChange(queue: string, newVersion: number | null): void {
    this.#host.runner()?.abandon();
    const told = new StorageError(
      `A newer version of queue "${queue}" is opening in another tab (upgrading its database to version ${newVersion}): this tab's database connection was closed; reload this tab`,
      { code: newVersion === null ? 'ERR_STORAGE' : 'ERR_STORAGE_NEWER_VERSION' },
    );
    this.#host.relay().error(told);
    // No end of a job can reach this tab now: every wait ends, with what the store says of itself from now on.
    this.store
      .then((store) => store.getMeta('paused'))
      .then(
        () => told,
        (error: unknown) => (error instanceof StorageError ? error : told),
      )
      .then((reason) => this.#host.relay().disconnected(reason));
  }
}
