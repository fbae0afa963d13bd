// The contenders, behind one small interface: start `workers` workers (warm: every worker has run a few
// jobs), run one job, run many submitted at once, stop. Each runs the same task functions (workers/tasks.ts).
import * as Comlink from 'comlink';
import { createQueue, transfer, type Queue } from 'offthread';
import { pool as workerpool } from 'workerpool';
import workerpoolWorkerUrl from '../workers/workerpool.worker.ts?worker&url';
import type { ComlinkApi } from '../workers/comlink.worker';
import type { BenchTasks } from '../workers/offthread-tasks';
import type { Payload, TaskName } from '../workers/tasks';
import { fromRow, openQueueDb, queueDbName, toRow } from '../../src/store/queue-db';
import { jobRows } from './job-rows';

export type ContenderId = 'raw' | 'raw-batch' | 'raw-batch-100' | 'comlink' | 'comlink-cached' | 'workerpool' | 'threads' | 'offthread-memory' | 'offthread-idb' | 'offthread-memory-bulk' | 'idb-alone';

export interface Contender {
  /** One job; `moved` is transferred to the worker (not copied), where the library can. */
  call(task: TaskName, arg: unknown, moved?: Transferable[]): Promise<unknown>;
  /** Many jobs of one task, submitted in the same tick. */
  many(task: TaskName, args: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
  /** The offthread queue, for scenarios that use its own API. */
  queue?: Queue<BenchTasks>;
}

/** Each library's own way; the many-jobs default is a plain loop of calls in one tick. */
const sameTick = (contender: Pick<Contender, 'call'>) => (task: TaskName, args: unknown[]) => Promise.all(args.map((arg) => contender.call(task, arg)));

/**
 * A hand-written pool on bare postMessage: round robin, everything posted at once. With `batch`, many jobs go
 * as messages of up to `batch` jobs each, round robin (Infinity: one message per worker with its whole share).
 */
function rawPool(workers: number, batch?: number): Contender {
  const pool = Array.from({ length: workers }, () => new Worker(new URL('../workers/raw.worker.ts', import.meta.url), { type: 'module' }));
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 0;
  let turn = 0;
  for (const worker of pool) {
    worker.onmessage = (event: MessageEvent<[number, unknown]>) => {
      const [id, value] = event.data;
      const resolve = pending.get(id)!;
      pending.delete(id);
      resolve(value);
    };
  }
  const call = (task: TaskName, arg: unknown, moved?: Transferable[]) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      pool[turn++ % workers]!.postMessage([id, task, arg], moved ? { transfer: moved } : undefined);
    });
  return {
    call,
    many: batch
      ? // The same-tick batching floor: each message carries up to `batch` of the jobs.
        async (task, args) => {
          const size = Math.min(batch, Math.ceil(args.length / workers));
          const parts: Promise<unknown[]>[] = [];
          for (let i = 0; i < args.length; i += size) {
            parts.push(
              new Promise<unknown[]>((resolve) => {
                const id = nextId++;
                pending.set(id, resolve as (value: unknown) => void);
                pool[turn++ % workers]!.postMessage([id, task, args.slice(i, i + size), true]);
              }),
            );
          }
          return (await Promise.all(parts)).flat();
        }
      : sameTick({ call }),
    async close() {
      for (const worker of pool) worker.terminate();
    },
  };
}

/**
 * comlink: one proxy per worker, round robin. `remote.task(...)` makes a new proxy on every call (comlink
 * registers each with a FinalizationRegistry); `cached` (an experiment, not in the default run) makes each
 * method's proxy once, as a careful user would.
 */
function comlinkPool(workers: number, cached: boolean): Contender {
  const pool = Array.from({ length: workers }, () => new Worker(new URL('../workers/comlink.worker.ts', import.meta.url), { type: 'module' }));
  const remotes = pool.map((worker) => Comlink.wrap<ComlinkApi>(worker));
  type Method = (arg: unknown) => Promise<unknown>;
  const methods = cached
    ? remotes.map((remote) => ({ noop: remote.noop, inc: remote.inc, spin: remote.spin, echo: remote.echo, echoTransfer: remote.echoTransfer }) as unknown as Record<TaskName, Method>)
    : undefined;
  let turn = 0;
  const call = (task: TaskName, arg: unknown, moved?: Transferable[]): Promise<unknown> => {
    const i = turn++ % workers;
    const value = moved ? Comlink.transfer(arg, moved) : arg;
    return methods ? methods[i]![task](value) : (remotes[i]![task] as Method)(value);
  };
  return {
    call,
    many: sameTick({ call }),
    async close() {
      for (const remote of remotes) remote[Comlink.releaseProxy]();
      for (const worker of pool) worker.terminate();
    },
  };
}

/** workerpool: its own queue and dispatch, `maxWorkers` (and `minWorkers`) = workers. */
function workerpoolPool(workers: number): Contender {
  const pool = workerpool(workerpoolWorkerUrl, { maxWorkers: workers, minWorkers: workers, workerType: 'web', workerOpts: { type: 'module' } });
  const call = (task: TaskName, arg: unknown, moved?: Transferable[]): Promise<unknown> =>
    Promise.resolve(pool.exec(task, [arg], moved ? { transfer: moved } : undefined));
  return {
    call,
    many: sameTick({ call }),
    async close() {
      await pool.terminate(true);
    },
  };
}

/** threads.js: its Pool of `workers` spawned workers (loaded lazily: it is only here if it bundled). */
async function threadsPool(workers: number): Promise<Contender> {
  const { Pool, spawn, Transfer } = await import('threads');
  type ThreadsApi = Record<TaskName, (arg: unknown) => Promise<unknown>>;
  const pool = Pool(() => spawn<ThreadsApi>(new Worker(new URL('../workers/threads.worker.ts', import.meta.url), { type: 'module' })), { size: workers, concurrency: 1 });
  const call = (task: TaskName, arg: unknown, moved?: Transferable[]): Promise<unknown> =>
    pool.queue((api) => api[task](moved ? Transfer(arg, moved) : arg));
  return {
    call,
    many: sameTick({ call }),
    async close() {
      await pool.terminate(true);
    },
  };
}

let queues = 0;

/** offthread: a queue with `concurrency` = workers, in memory or in IndexedDB (a fresh database each time). */
function offthreadQueue(workers: number, storage: 'memory' | 'indexeddb', bulk: boolean): Contender {
  const name = `bench-${storage}-${Date.now().toString(36)}-${queues++}`;
  const queue = createQueue<BenchTasks>({
    name,
    worker: () => new Worker(new URL('../workers/offthread.worker.ts', import.meta.url), { type: 'module' }),
    concurrency: workers,
    storage,
  });
  const call = (task: TaskName, arg: unknown, moved?: Transferable[]): Promise<unknown> =>
    (queue.run as (name: string, data: unknown) => Promise<unknown>)(task, moved ? transfer(arg as Payload, moved) : arg);
  return {
    call,
    many: bulk
      ? async (task, args) => {
          const handles = await queue.addBulk(args.map((data) => ({ name: task, data }) as never));
          return Promise.all(handles.map((handle) => handle.result));
        }
      : sameTick({ call }),
    queue,
    async close() {
      await queue.close();
      if (storage === 'indexeddb') await deleteDatabase(queueDbName(name));
    },
  };
}

/**
 * IndexedDB alone, without a queue or a worker: D's control for the idle latency. Each "call" makes the page's
 * requests for one job as offthread made them in a traced run (`--profile`): the job added, with the sequence
 * number read and written, in one transaction; then read and written back completed, in another. Into a
 * database of offthread's schema (its indexes), which keeps every finished job as the queue under test does.
 */
async function idbAlone(): Promise<Contender> {
  const name = `bench-idb-alone-${Date.now().toString(36)}-${queues++}`;
  const db = await openQueueDb(name);
  let seq = 0;
  const call = async (): Promise<unknown> => {
    const [row] = jobRows(1, ++seq);
    const add = db.transaction(['jobs', 'meta'], 'readwrite', { durability: 'relaxed' });
    void add.objectStore('jobs').add(row!);
    const last = (await add.objectStore('meta').get('seq')) as number | undefined;
    void add.objectStore('meta').put((last ?? 0) + 1, 'seq');
    await add.done;
    const finish = db.transaction('jobs', 'readwrite', { durability: 'relaxed' });
    const stored = await finish.store.get(row!.id);
    void finish.store.put(toRow({ ...fromRow(stored!), state: 'completed', finishedAt: Date.now() }));
    await finish.done;
    return undefined;
  };
  return {
    call,
    many: sameTick({ call }),
    async close() {
      db.close();
      await deleteDatabase(queueDbName(name));
    },
  };
}

export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    request.onblocked = () => resolve();
  });
}

/** Makes a contender and warms it: every worker started and each has run a few jobs. */
export async function startContender(id: ContenderId, workers: number): Promise<Contender> {
  let contender: Contender;
  switch (id) {
    case 'raw':
    case 'raw-batch':
    case 'raw-batch-100':
      contender = rawPool(workers, id === 'raw-batch' ? Infinity : id === 'raw-batch-100' ? 100 : undefined);
      break;
    case 'comlink':
    case 'comlink-cached':
      contender = comlinkPool(workers, id === 'comlink-cached');
      break;
    case 'workerpool':
      contender = workerpoolPool(workers);
      break;
    case 'threads':
      contender = await threadsPool(workers);
      break;
    case 'offthread-memory':
    case 'offthread-memory-bulk':
    case 'offthread-idb':
      contender = offthreadQueue(workers, id === 'offthread-idb' ? 'indexeddb' : 'memory', id === 'offthread-memory-bulk');
      break;
    case 'idb-alone':
      contender = await idbAlone();
      break;
    default:
      throw new Error(`bench: unknown contender "${String(id)}"`);
  }
  // Jobs in flight on every worker at once, a few times over, so every pool has made all its workers.
  for (let i = 0; i < 5; i++) await Promise.all(Array.from({ length: workers * 2 }, (_, j) => contender.call('inc', j)));
  return contender;
}
