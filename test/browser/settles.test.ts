// Every Promise the page API hands out settles: after close(), during close(), after the database was deleted or
// upgraded underneath the queue, and when the runner died between recording a job's end and telling it. Each call
// of the whole public API (Queue and JobHandle) is made in each of these situations, with a bounded wait that names
// the call that hung, and what it settled with is checked: its value, or the class and message of its error.
// (The same races across real tabs, and a runner tab closed or crashed: test/e2e/hostile-lifecycle.spec.ts.)
import { describe, expect, it } from 'vitest';
import { createQueue, JobCancelledError, JobHandle, QueueClosedError, StorageError, type Queue } from '../../src/index';
import { IdbJobStore } from '../../src/store/idb-job-store';
import { QUEUE_DB_VERSION } from '../../src/store/queue-db';
import type { Tasks } from '../fixtures/tasks';
import { fixtureWorker as worker, useTestQueues } from './support/test-queues';

const makeQueue = useTestQueues('settles');

/** How long one call may take before it counts as hung: far more than any of them needs on a loaded machine. */
const HUNG_MS = 10_000;
/** A test makes several such waits one after another. */
const TEST_MS = 60_000;

type Outcome = { ok: true; value: unknown } | { ok: false; error: Error };

/** What `work` settled with, or an error naming `label` if it did not settle within {@link HUNG_MS}. */
async function settled(label: string, work: () => unknown): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not settle within ${HUNG_MS} ms`)), HUNG_MS);
  });
  try {
    return { ok: true, value: await Promise.race([Promise.resolve().then(work), hung]) };
  } catch (error) {
    if (error instanceof Error && error.message === `${label} did not settle within ${HUNG_MS} ms`) throw error;
    return { ok: false, error: error as Error };
  } finally {
    clearTimeout(timer);
  }
}

/** Every call of the public API, on `queue` and on `job` (a handle of one of its jobs), by name. */
function apiCalls(queue: Queue<Tasks>, job: JobHandle): Array<[string, () => unknown]> {
  return [
    ['add', () => queue.add('echo', 'added')],
    ['addBulk', () => queue.addBulk([{ name: 'echo', data: 1 }, { name: 'echo', data: 2 }])],
    ['run', () => queue.run('echo', 'ran')],
    ['getJob', () => queue.getJob(job.id)],
    ['schedule', () => queue.schedule('every-hour', { every: 3_600_000 }, { name: 'echo', data: 'slot' })],
    ['unschedule', () => queue.unschedule('every-hour')],
    ['schedules', () => queue.schedules()],
    ['counts', () => queue.counts()],
    ['list', () => queue.list({ limit: 5 })],
    ['retry', () => queue.retry(job.id)],
    ['retryAll', () => queue.retryAll()],
    ['cancel', () => queue.cancel('no-such-job')],
    ['remove', () => queue.remove('no-such-job')],
    ['clean', () => queue.clean({ state: 'completed' })],
    ['pause', () => queue.pause()],
    ['resume', () => queue.resume()],
    ['isPaused', () => queue.isPaused()],
    ['storageInfo', () => queue.storageInfo()],
    ['serviceWorkerRegistration', () => queue.serviceWorkerRegistration],
    ['start', () => queue.start()],
    ['on', () => queue.on('completed', () => {})],
    ['job.result', () => job.result],
    ['job.state', () => job.state()],
    ['job.info', () => job.info()],
    ['job.onProgress', () => job.onProgress(() => {})],
    ['job.onCompleted', () => job.onCompleted(() => {})],
    ['job.onFailed', () => job.onFailed(() => {})],
    ['job.cancel', () => job.cancel()],
    ['close', () => queue.close()],
  ];
}

/** Makes every call at once, `close()` last once the others settled, and waits for each; fails naming each call that hung. */
async function walk(queue: Queue<Tasks>, job: JobHandle): Promise<Map<string, Outcome>> {
  const calls = apiCalls(queue, job);
  const [closeCall] = calls.splice(calls.findIndex(([label]) => label === 'close'), 1);
  const outcomes = await Promise.allSettled(calls.map(([label, call]) => settled(label, call)));
  outcomes.push(...(await Promise.allSettled([settled(...closeCall!)])));
  calls.push(closeCall!);
  const hung = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
  expect(hung).toEqual([]);
  return new Map(calls.map(([label], i) => [label, (outcomes[i] as PromiseFulfilledResult<Outcome>).value]));
}

/** The calls that return at once, with nothing to wait for: they give back a function (or nothing, `start`). */
const SYNC_CALLS = ['on', 'job.onProgress', 'job.onCompleted', 'job.onFailed', 'start'];
/** Calls that do not touch the queue's storage, and resolve whatever state it is in. */
const STORAGE_FREE = ['storageInfo', 'serviceWorkerRegistration', 'close'];

/** `outcome` in plain words, for an assertion's message. */
function shown(outcome: Outcome): string {
  return outcome.ok ? `resolved ${String(outcome.value)}` : `${outcome.error.name}: ${outcome.error.message}`;
}

/** Each call rejected with an error of `Class` whose message matches `message`, or did what `allowed` allows. */
function expectEach(
  outcomes: Map<string, Outcome>,
  expected: (label: string) => { class: Function; message: RegExp } | 'resolves' | 'either',
  orClass: { class: Function; message: RegExp },
): void {
  const wrong: string[] = [];
  for (const [label, outcome] of outcomes) {
    if (SYNC_CALLS.includes(label)) {
      const returned = outcome.ok ? typeof outcome.value : 'a throw';
      if (returned !== (label === 'start' ? 'undefined' : 'function')) wrong.push(`${label}: returned ${returned}`);
      continue;
    }
    const want = expected(label);
    if (want === 'resolves') {
      if (!outcome.ok) wrong.push(`${label}: ${shown(outcome)}, expected it to resolve`);
      continue;
    }
    const rejection = want === 'either' ? orClass : want;
    if (outcome.ok) {
      if (want !== 'either') wrong.push(`${label}: ${shown(outcome)}, expected ${rejection.class.name}`);
      continue;
    }
    if (!(outcome.error instanceof rejection.class) || !rejection.message.test(outcome.error.message)) {
      wrong.push(`${label}: ${shown(outcome)}, expected ${rejection.class.name} matching ${rejection.message}`);
    }
  }
  expect(wrong).toEqual([]);
}

const closed = (name: string) => ({ class: QueueClosedError, message: new RegExp(`^Queue "${name}" (is closed|was closed before job \\S+ finished)$`) });

function onIdb(name: string, version: number | undefined, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = version === undefined ? indexedDB.open(name) : indexedDB.open(name, version);
    request.onupgradeneeded = () => upgrade?.(request.result);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
}

/** Resolves once a run of `queue` has started. */
function nextActive(queue: Queue<Tasks>): Promise<string> {
  return new Promise((resolve) => {
    const off = queue.on('active', ({ job }) => (off(), resolve(job.id)));
  });
}

/** Calls run(), add(), addBulk(), schedule() and counts(), then close() twice, all in one tick: each settles. */
async function closeInTheTickOf(queue: Queue<Tasks>): Promise<void> {
  const calls: Array<[string, () => unknown]> = [
    ['run', () => queue.run('echo', 1)],
    ['add', () => queue.add('echo', 2)],
    ['addBulk', () => queue.addBulk([{ name: 'echo', data: 3 }])],
    ['schedule', () => queue.schedule('hourly', { every: 3_600_000 }, { name: 'echo', data: 4 })],
    ['counts', () => queue.counts()],
    ['close', () => queue.close()],
    ['close again', () => queue.close()],
  ];
  const started = calls.map(([label, call]) => settled(label, call));
  const outcomes = await Promise.allSettled(started);
  expect(outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []))).toEqual([]);
  const byLabel = new Map(calls.map(([label], i) => [label, (outcomes[i] as PromiseFulfilledResult<Outcome>).value]));
  expect(byLabel.get('close')).toEqual({ ok: true, value: undefined });
  expect(byLabel.get('close again')).toEqual({ ok: true, value: undefined });
  // run() was under way: its job's end never came in this tab, so it says the queue closed first.
  const run = byLabel.get('run')!;
  expect(run.ok ? 'resolved' : `${run.error.name}: ${run.error.message}`).toMatch(/^(resolved|QueueClosedError: Queue "\S+" (is closed|was closed before job \S+ finished))$/);
  for (const label of ['add', 'addBulk', 'schedule', 'counts']) {
    const outcome = byLabel.get(label)!;
    if (!outcome.ok) expect(`${label}: ${outcome.error.name}: ${outcome.error.message}`).toMatch(new RegExp(`^${label}: QueueClosedError: Queue "\\S+" is closed$`));
  }
}

for (const storage of ['indexeddb', 'memory'] as const) {
  describe(`every call settles (${storage})`, { timeout: TEST_MS }, () => {
    it('after close(): each call that needs the queue rejects with QueueClosedError; the others resolve', async () => {
      const queue = makeQueue({ storage, autoStart: false });
      const job = await queue.add('echo', 'waits');
      const result = job.result;
      await queue.close();
      expect((await settled('the result awaited before close', () => result)).ok).toBe(false);
      const outcomes = await walk(queue, job);
      expectEach(outcomes, (label) => (STORAGE_FREE.includes(label) ? 'resolves' : closed(queue.name)), closed(queue.name));
      expect(outcomes.get('serviceWorkerRegistration')).toEqual({ ok: true, value: undefined });
    });

    it('during close(), with a job running: each call resolves or rejects with QueueClosedError', async () => {
      const queue = makeQueue({ storage, concurrency: 1 });
      const active = nextActive(queue);
      const job = await queue.add('sleep', 300);
      await active;
      const closing = queue.close();
      const outcomes = await walk(queue, job);
      expect(await settled('close() begun first', () => closing)).toEqual({ ok: true, value: undefined });
      expectEach(outcomes, (label) => (STORAGE_FREE.includes(label) ? 'resolves' : label === 'job.result' ? 'either' : closed(queue.name)), closed(queue.name));
    });

    // The cases seen to hang on the packed package: close() in the same tick as run() and add(), on a new queue
    // (its store opening, its first worker starting) and on one that has run a job (its adds stored at once).
    it('close() in the tick of the first run(), add() and addBulk() of a new queue: each settles', async () => {
      await closeInTheTickOf(makeQueue({ storage }));
    });

    it('close() in the tick of run(), add() and addBulk() on a queue that has run a job: each settles', async () => {
      const queue = makeQueue({ storage });
      expect(await queue.run('echo', 'warm')).toBe('warm');
      await closeInTheTickOf(queue);
    });

    it('close() twice: the second call waits for the first to finish', async () => {
      const queue = makeQueue({ storage, concurrency: 1 });
      const active = nextActive(queue);
      const job = await queue.add('sleep', 300);
      const result = job.result;
      await active;
      const order: string[] = [];
      const first = queue.close().then(() => order.push('first'));
      const second = queue.close().then(() => order.push('second'));
      await Promise.all([first, second]);
      // The job ran to its end before close() resolved, however many times close() was called.
      expect(order).toEqual(['first', 'second']);
      expect(await result.catch((error: Error) => error.name)).toBe(300);
    });
  });
}

describe('every call settles (indexeddb), the database taken away underneath', { timeout: TEST_MS }, () => {
  it('deleted by another page (indexedDB.deleteDatabase): awaited results reject with a StorageError saying the job was lost; later calls work on a new database', async () => {
    const queue = makeQueue({ concurrency: 1 });
    const active = nextActive(queue);
    const running = await queue.add('sleep', 60_000);
    await active;
    const delayed = await queue.add('echo', 'later', { delay: 60_000 });
    const waits = [settled('running.result', () => running.result), settled('delayed.result', () => delayed.result)];
    const errors: Error[] = [];
    queue.on('error', ({ error }) => errors.push(error));

    await deleteDatabase(`offthread:${queue.name}`);
    const lost = new RegExp(`^Job \\S+ was lost: the database of queue "${queue.name}" was deleted`);
    for (const outcome of await Promise.all(waits)) {
      expect(outcome.ok ? `resolved ${String(outcome.value)}` : `${outcome.error.name}: ${outcome.error.message}`).toMatch(
        new RegExp(`^StorageError: ${lost.source.slice(1)}`),
      );
    }
    expect(errors.map((e) => `${e.name}: ${e.message}`)).toContainEqual(
      expect.stringMatching(new RegExp(`^StorageError: The database of queue "${queue.name}" was deleted \\(by another tab\\?\\); reopening it`)),
    );

    // The queue goes on, on a new (empty) database.
    expect(await settled('run after the delete', () => queue.run('echo', 'after'))).toEqual({ ok: true, value: 'after' });
    expect(await queue.getJob(delayed.id)).toBeUndefined();
    // Its jobs went with the database: the handle's job is not found, its result still says why; everything else works.
    const outcomes = await walk(queue, running);
    const gone = { class: StorageError, message: new RegExp(`^Job ${running.id} was lost: the database of queue "${queue.name}" was deleted$`) };
    expectEach(outcomes, (label) => (label === 'job.result' ? gone : 'resolves'), gone);
    expect(outcomes.get('getJob')).toEqual({ ok: true, value: undefined });
    expect(outcomes.get('job.info')).toEqual({ ok: true, value: undefined });
  });

  it('upgraded by a newer version (indexedDB.open at a higher version): every pending and later call rejects with the StorageError saying so; close() resolves', async () => {
    const name = `settles-upgrade-${crypto.randomUUID()}`;
    const queue = createQueue<Tasks>({ name, worker, concurrency: 1 });
    try {
      const active = nextActive(queue);
      const running = await queue.add('sleep', 60_000);
      await active;
      const delayed = await queue.add('echo', 'later', { delay: 60_000 });
      const waits = [settled('running.result', () => running.result), settled('delayed.result', () => delayed.result)];
      const errors: Error[] = [];
      queue.on('error', ({ error }) => errors.push(error));

      const newer = await onIdb(`offthread:${name}`, QUEUE_DB_VERSION + 1, (db) => db.createObjectStore('addedByANewerVersion'));
      newer.close();
      const newerVersion = { class: StorageError, message: /newer version/i };
      for (const outcome of await Promise.all(waits)) {
        expect(outcome.ok ? `resolved ${String(outcome.value)}` : `${outcome.error.name}: ${outcome.error.message}`).toMatch(/^StorageError: .*newer version/i);
      }
      expect(errors.some((e) => e instanceof StorageError && /newer version/i.test(e.message))).toBe(true);
      const outcomes = await walk(queue, running);
      expectEach(outcomes, (label) => (STORAGE_FREE.includes(label) ? 'resolves' : newerVersion), newerVersion);
    } finally {
      await queue.close();
      await deleteDatabase(`offthread:${name}`);
    }
  });
});

describe('every call settles (indexeddb), the runner died between recording a job\'s end and telling it', { timeout: TEST_MS }, () => {
  it('the next runner takes over, and it and every other tab read again what they wait for: the results settle', async () => {
    const name = `settles-untold-${crypto.randomUUID()}`;
    // This test holds the runner lock, as the tab that runs the queue would, until it "dies".
    let die!: () => void;
    await new Promise<void>((held) => {
      void navigator.locks.request(`offthread:${name}:runner`, () => {
        held();
        return new Promise<void>((release) => (die = release));
      });
    });
    try {
      const next = makeQueue({ name });
      const follower = makeQueue({ name, worker: undefined });
      const job = await follower.add('echo', 'told by nobody');
      const waits = [
        settled('the result awaited by the next runner', async () => (await next.getJob(job.id))!.result),
        settled('the result awaited by a tab without workers', async () => (await follower.getJob(job.id))!.result),
      ];
      // Both waits have read the job (waiting) before the dead runner records its end.
      expect(await (await next.getJob(job.id))!.state()).toBe('waiting');
      expect(await (await follower.getJob(job.id))!.state()).toBe('waiting');

      // The runner claims the job, runs it, records its end, and dies before it tells anyone.
      const store = await IdbJobStore.open(name, { now: Date.now, random: Math.random });
      await store.commit([], { max: 1, owner: 'a-runner-that-died', ranBy: 'tab:dead', leaseMs: 60_000, token: () => 'its-run', online: true });
      await store.commit([{ id: job.id, action: { type: 'complete', token: 'its-run', result: 'told by nobody', at: Date.now() } }]);
      store.close();
      die();

      expect(await Promise.all(waits)).toEqual([
        { ok: true, value: 'told by nobody' },
        { ok: true, value: 'told by nobody' },
      ]);
      // And the whole API of the tab without workers works on, its jobs run by the new runner.
      const outcomes = await walk(follower, (await follower.getJob(job.id))!);
      // (clean() in the same walk deletes the completed job: a result read after it finds none.)
      const removed = { class: JobCancelledError, message: new RegExp(`^Job ${job.id} does not exist \\(it was removed\\)$`) };
      expectEach(outcomes, (label) => (label === 'job.result' ? 'either' : 'resolves'), removed);
      expect(outcomes.get('run')).toEqual({ ok: true, value: 'ran' });
    } finally {
      die();
    }
  });
});
