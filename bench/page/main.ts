// The bench page. bench/run.mjs drives it through `window.bench`: each call runs one sample of one
// scenario for the contender started last, and returns what it measured. Nothing is timed on the Node side.
import { createQueue, type Queue } from 'offthread';
import { newId } from '../../src/job/new-id';
import { IdbJobStore } from '../../src/store/idb-job-store';
import type { ClaimRequest } from '../../src/store/job-store';
import { openQueueDb, queueDbName, type JobRow } from '../../src/store/queue-db';
import type { BenchTasks } from '../workers/offthread-tasks';
import { spin, type Payload } from '../workers/tasks';
import { deleteDatabase, startContender, type Contender, type ContenderId } from './contenders';
import { startIdbTrace, stopIdbTrace } from './idb-trace';
import { jobRows } from './job-rows';

const now = () => performance.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const nextFrame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

let current: Contender | undefined;

async function start(id: ContenderId, workers: number): Promise<void> {
  await stop();
  current = await startContender(id, workers);
}

async function stop(): Promise<void> {
  const contender = current;
  current = undefined;
  await contender?.close();
}

function running(): Contender {
  if (!current) throw new Error('bench: no contender started');
  return current;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---------------------------------------------------------------- A: no-op round trip, sequential

async function roundTrips(count: number): Promise<{ meanUs: number; medianUs: number; perCallUs: number[] }> {
  const contender = running();
  for (let i = 0; i < 50; i++) await contender.call('noop', undefined);
  const perCall: number[] = [];
  const t0 = now();
  for (let i = 0; i < count; i++) {
    const t = now();
    await contender.call('noop', undefined);
    perCall.push((now() - t) * 1000);
  }
  const total = now() - t0;
  return { meanUs: (total * 1000) / count, medianUs: median(perCall), perCallUs: perCall };
}

// ---------------------------------------------------------------- B: many tiny jobs at once, and the main thread meanwhile

/**
 * Watches the main thread: the longest gap between setTimeout(0) callbacks, and between animation frames, and the
 * long tasks (over 50 ms) Chromium reports to a PerformanceObserver meanwhile.
 */
function watchMainThread() {
  let watching = true;
  const longTasks: number[] = [];
  const observer = PerformanceObserver.supportedEntryTypes.includes('longtask')
    ? new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) longTasks.push(entry.duration);
      })
    : undefined;
  observer?.observe({ type: 'longtask' });
  const begin = now();
  let lastTimeout = begin;
  let maxTimeout = 0;
  let timeouts = 0;
  let lastFrame = begin;
  let maxFrame = 0;
  let frames = 0;
  const onTimeout = () => {
    const t = now();
    maxTimeout = Math.max(maxTimeout, t - lastTimeout);
    lastTimeout = t;
    timeouts++;
    if (watching) setTimeout(onTimeout, 0);
  };
  const onFrame = () => {
    const t = now();
    maxFrame = Math.max(maxFrame, t - lastFrame);
    lastFrame = t;
    frames++;
    if (watching) requestAnimationFrame(onFrame);
  };
  setTimeout(onTimeout, 0);
  requestAnimationFrame(onFrame);
  return {
    /** Waits for one more timeout and one more frame (so a gap that runs to the end counts), then stops. */
    async stop() {
      const seenTimeouts = timeouts;
      const seenFrames = frames;
      while (timeouts === seenTimeouts || frames === seenFrames) await new Promise((resolve) => setTimeout(resolve, 0));
      watching = false;
      const span = now() - begin;
      for (const entry of observer?.takeRecords() ?? []) longTasks.push(entry.duration);
      observer?.disconnect();
      return {
        maxTimeoutGapMs: maxTimeout,
        maxFrameGapMs: maxFrame,
        frames,
        timeouts,
        spanMs: span,
        // null where the browser has no long task timing (the tables say so, rather than 0).
        longTasksMs: observer ? longTasks : null,
      };
    },
  };
}

async function manyTiny(count: number) {
  const contender = running();
  const args = Array.from({ length: count }, (_, i) => i);
  await nextFrame();
  const watch = watchMainThread();
  const t0 = now();
  const results = (await contender.many('inc', args)) as number[];
  const wallMs = now() - t0;
  const gaps = await watch.stop();
  let wrong = 0;
  for (let i = 0; i < count; i++) if (results[i] !== i + 1) wrong++;
  return { wallMs, ...gaps, wrong };
}

// ---------------------------------------------------------------- C: compute, on workers and on the main thread

/** The spin count that takes about `targetMs` on this thread. */
function calibrateSpin(targetMs: number): number {
  let iterations = 100_000;
  for (let i = 0; i < 3; i++) spin(iterations); // warm the JIT
  for (let round = 0; round < 8; round++) {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = now();
      spin(iterations);
      times.push(now() - t);
    }
    iterations = Math.round((iterations * targetMs) / Math.max(median(times), 0.01));
  }
  return iterations;
}

async function computeOnWorkers(jobs: number, iterations: number) {
  const contender = running();
  await Promise.all(Array.from({ length: 4 }, () => contender.call('spin', iterations))); // warm the workers' JIT
  const t0 = now();
  await Promise.all(Array.from({ length: jobs }, () => contender.call('spin', iterations)));
  return { wallMs: now() - t0 };
}

function computeOnMainThread(jobs: number, iterations: number) {
  let sink = 0;
  const t0 = now();
  for (let i = 0; i < jobs; i++) sink ^= spin(iterations);
  return { wallMs: now() - t0, sink };
}

// ---------------------------------------------------------------- D: persisted throughput, IndexedDB's ceiling, one job's latency

function openRawDb(name: string, upgrade: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => upgrade(request.result);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function putAll(db: IDBDatabase, rows: readonly unknown[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('r', 'readwrite', { durability: 'relaxed' });
    const store = tx.objectStore('r');
    for (const row of rows) store.put(row);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

let ceiling: { name: string; db: IDBDatabase; rows: JobRow[]; batch: number } | undefined;

/**
 * IndexedDB's ceiling: `records` job rows put in transactions of `batch`, one transaction after another
 * (relaxed durability, as offthread writes). `indexes` adds the five indexes offthread's job store has.
 * Made ready here (database and rows), timed in {@link ceilingRun}, removed in {@link ceilingEnd}.
 */
async function ceilingStart(records: number, batch: number, indexes: boolean): Promise<void> {
  const name = `bench-ceiling-${newId()}`;
  const db = await openRawDb(name, (database) => {
    const store = database.createObjectStore('r', { keyPath: 'id' });
    if (indexes) {
      store.createIndex('ready', 'readyKey');
      store.createIndex('due', 'dueKey');
      store.createIndex('state', 'stateKey');
      store.createIndex('finished', 'finishedKey');
      store.createIndex('seq', 'seq');
    }
  });
  ceiling = { name, db, rows: jobRows(records), batch };
}

async function ceilingRun() {
  const { db, rows, batch } = ceiling!;
  const t0 = now();
  for (let i = 0; i < rows.length; i += batch) await putAll(db, rows.slice(i, i + batch));
  return { wallMs: now() - t0, records: rows.length };
}

async function ceilingEnd(): Promise<void> {
  const { name, db } = ceiling!;
  ceiling = undefined;
  db.close();
  await deleteDatabase(name);
}

let benchQueues = 0;

function benchQueue(storage: 'memory' | 'indexeddb', concurrency: number, name = `bench-d-${storage}-${newId().slice(0, 8)}-${benchQueues++}`): Queue<BenchTasks> {
  return createQueue<BenchTasks>({
    name,
    worker: () => new Worker(new URL('../workers/offthread.worker.ts', import.meta.url), { type: 'module' }),
    concurrency,
    storage,
  });
}

/**
 * `count` tiny jobs added with one addBulk to the started offthread contender's queue (2 workers, warm), run
 * and completed; timed until every `result` promise settled (`until: 'results'`) or until the `completed`
 * event of the last one (`until: 'events'`: no result promises).
 */
async function bulkOnQueue(count: number, until: 'results' | 'events') {
  const queue = running().queue;
  if (!queue) throw new Error('bench: bulkOnQueue needs an offthread contender');
  let completed = 0;
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const jobs = Array.from({ length: count }, (_, i) => ({ name: 'inc' as const, data: i }));
  const off = until === 'events' ? queue.on('completed', () => void (++completed === count && allDone())) : undefined;
  const t0 = now();
  const handles = await queue.addBulk(jobs);
  const addedMs = now() - t0;
  if (until === 'results') completed = (await Promise.all(handles.map((handle) => handle.result))).length;
  else await done;
  const wallMs = now() - t0;
  off?.();
  lastBulkEnd = t0 + wallMs;
  return { wallMs, addedMs, completed };
}

let lastBulkEnd = 0;

/**
 * After {@link bulkOnQueue} (called apart, so that its CPU is not the burst's): how long after the burst's end the
 * completed jobs stored were down to what retention keeps (the newest 1,000). The sweep waits for the queue to drain.
 */
async function untilSwept() {
  const queue = running().queue!;
  while ((await queue.counts()).completed > 1_000 && now() - lastBulkEnd < 30_000) await sleep(25);
  return now() - lastBulkEnd;
}

/** One job after each idle gap (workers warm, nothing else queued) on the started contender: `add` (or post) to its result. */
async function idleCalls(samples: number, gapMs: number) {
  const contender = running();
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    await sleep(gapMs);
    const t0 = now();
    await contender.call('noop', undefined);
    latencies.push(now() - t0);
  }
  return { latencies };
}

// ---------------------------------------------------------------- E: a big buffer to a worker and back

/**
 * A `bytes` ArrayBuffer to the worker and back, after 20 warm-up round trips of 1 KiB. Copied: 3 round trips; transferred: the same buffer moved
 * there and back 10 times (about a millisecond each, so one alone is at the mercy of the scheduler).
 * The sample is the median round trip.
 */
async function bigBuffer(bytes: number, mode: 'copy' | 'transfer') {
  const contender = running();
  let buf = new ArrayBuffer(bytes);
  new Uint8Array(buf).fill(7);
  const times: number[] = [];
  let arrived = true;
  let senderDetached = true;
  // Warm, as A is: 20 round trips of a small buffer first, the same way, so the timed ones measure moving
  // (or copying) the buffer, not a freshly started contender's first calls.
  for (let i = 0; i < 20; i++) {
    const small = new ArrayBuffer(1024);
    await (mode === 'transfer' ? contender.call('echoTransfer', { buf: small }, [small]) : contender.call('echo', { buf: small }));
  }
  for (let i = 0; i < (mode === 'transfer' ? 10 : 3); i++) {
    const payload: Payload = { buf };
    const t0 = now();
    const back = (await (mode === 'transfer' ? contender.call('echoTransfer', payload, [buf]) : contender.call('echo', payload))) as Payload;
    times.push(now() - t0);
    arrived &&= back?.buf?.byteLength === bytes && new Uint8Array(back.buf)[bytes - 1] === 7;
    // Moved means the sender no longer has it: its buffer was detached.
    senderDetached &&= buf.byteLength === 0;
    if (mode === 'transfer') buf = back.buf;
  }
  return { wallMs: median(times), times, arrived, senderDetached };
}

/**
 * What storing the buffer costs IndexedDB itself: one put of a `bytes` ArrayBuffer in its own transaction
 * (relaxed durability, as offthread writes), timed to the transaction's end; 3 puts into a fresh database, the
 * median. E's persisted transfer is judged against it.
 */
async function idbPutBuffer(bytes: number) {
  const name = `bench-e-put-${newId()}`;
  const db = await openRawDb(name, (database) => database.createObjectStore('r'));
  const times: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const buf = new ArrayBuffer(bytes);
      new Uint8Array(buf).fill(7);
      const t0 = now();
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('r', 'readwrite', { durability: 'relaxed' });
        tx.objectStore('r').put({ buf }, i);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      times.push(now() - t0);
    }
  } finally {
    db.close();
    await deleteDatabase(name);
  }
  return { wallMs: median(times), times };
}

// ---------------------------------------------------------------- F: dequeue cost and page heap with many stored jobs

/** Adds `count` waiting jobs to queue `name`'s database, written directly in offthread's row format. */
async function storeJobs(name: string, count: number, firstSeq: number) {
  const db = await openQueueDb(name);
  const t0 = now();
  const BATCH = 10_000;
  for (let i = 0; i < count; i += BATCH) {
    const rows = jobRows(Math.min(BATCH, count - i), firstSeq + i);
    const tx = db.transaction(['jobs', 'meta'], 'readwrite', { durability: 'relaxed' });
    for (const row of rows) void tx.objectStore('jobs').put(row);
    void tx.objectStore('meta').put(firstSeq + i + rows.length, 'seq');
    await tx.done;
  }
  db.close();
  return { wallMs: now() - t0 };
}

/** Deletes the jobs the measurements completed, and adds as many waiting ones: the store holds `count` again. */
async function restoreJobs(name: string) {
  const store = await IdbJobStore.open(name, { now: Date.now, random: Math.random });
  let removed = 0;
  for (;;) {
    const ids = await store.clean({ state: 'completed', finishedBefore: Infinity, limit: 10_000 });
    removed += ids.length;
    if (ids.length < 10_000) break;
  }
  const seq = (await store.getMeta('seq')) as number;
  store.close();
  if (removed > 0) await storeJobs(name, removed, seq + 1);
  return { removed };
}

/** The runner's turn at concurrency 1, through the store: record the last job complete and claim the next. */
async function claimLatency(name: string, samples: number) {
  const store = await IdbJobStore.open(name, { now: Date.now, random: Math.random });
  const claim: ClaimRequest = { max: 1, owner: 'bench', ranBy: 'bench', leaseMs: 60_000, token: newId, online: true };
  let last = (await store.commit([], claim)).claimed[0];
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = now();
    const result = await store.commit(last ? [{ id: last.id, action: { type: 'complete', token: last.token!, result: null } }] : [], claim);
    times.push(now() - t0);
    last = result.claimed[0];
  }
  if (last) await store.commit([{ id: last.id, action: { type: 'complete', token: last.token!, result: null } }]);
  store.close();
  return { times };
}

let fQueue: Queue<BenchTasks> | undefined;
/** Runs of `fQueue` started and ended. */
let fRuns = { started: 0, ended: 0 };

/**
 * A queue opened on the stored jobs (2 workers) runs `jobs` of them: the time to its first result, and the
 * time per job after that. The queue stays open (and busy) so that the page heap can be measured next.
 */
async function queueOnStored(name: string, jobs: number) {
  const t0 = now();
  const queue = (fQueue = benchQueue('indexeddb', 2, name));
  const runs = (fRuns = { started: 0, ended: 0 });
  queue.on('active', () => runs.started++);
  queue.on('completed', () => runs.ended++);
  queue.on('failed', () => runs.ended++);
  let completed = 0;
  let first = 0;
  let reached!: () => void;
  const done = new Promise<void>((resolve) => (reached = resolve));
  queue.on('completed', () => {
    completed++;
    if (completed === 1) first = now();
    if (completed === jobs) reached();
  });
  await done;
  const end = now();
  return { firstResultMs: first - t0, perJobMs: (end - first) / (jobs - 1) };
}

/** Pauses `fQueue` and waits until nothing runs: what is left in the heap is the open queue itself. */
async function pauseStoredQueue() {
  await fQueue!.pause();
  while (fRuns.started !== fRuns.ended) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function closeStoredQueue() {
  // A pause is stored with the queue: the next sample opens it again.
  await fQueue?.resume();
  await fQueue?.close({ force: true });
  fQueue = undefined;
}

// ----------------------------------------------------------------

async function info() {
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
    timerResolutionUs: timerResolution() * 1000,
    idleFrameMs: await idleFrameInterval(),
  };
}

/** How often requestAnimationFrame fires on the idle page (headless Chromium may throttle it). */
async function idleFrameInterval(): Promise<{ median: number; min: number; max: number }> {
  const gaps: number[] = [];
  let last = await nextFrame();
  for (let i = 0; i < 30; i++) {
    const t = await nextFrame();
    gaps.push(t - last);
    last = t;
  }
  return { median: median(gaps), min: Math.min(...gaps), max: Math.max(...gaps) };
}

/** The smallest step performance.now() takes (5 µs when cross-origin isolated, 100 µs when not). */
function timerResolution(): number {
  let smallest = Infinity;
  for (let i = 0; i < 20; i++) {
    const a = now();
    let b = now();
    while (b === a) b = now();
    smallest = Math.min(smallest, b - a);
  }
  return smallest;
}

const bench = {
  info,
  start,
  stop,
  roundTrips,
  manyTiny,
  calibrateSpin,
  computeOnWorkers,
  computeOnMainThread,
  ceilingStart,
  ceilingRun,
  ceilingEnd,
  bulkOnQueue,
  untilSwept,
  idleCalls,
  bigBuffer,
  idbPutBuffer,
  startIdbTrace,
  stopIdbTrace,
  storeJobs,
  restoreJobs,
  claimLatency,
  queueOnStored,
  pauseStoredQueue,
  closeStoredQueue,
  deleteDatabase,
  queueDbName,
  ready: true,
};
export type Bench = typeof bench;
(globalThis as unknown as { bench: Bench }).bench = bench;
