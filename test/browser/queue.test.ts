// The page API of the contract, in real Chromium with real IndexedDB and real Workers.
import { describe, expect, it } from 'vitest';
import {
  createQueue,
  InvalidJobError,
  JobCancelledError,
  JobFailedError,
  JobTimeoutError,
  QueueClosedError,
  UnrecoverableError,
  WorkerCrashedError,
  type Queue,
  type QueueOptions,
} from '../../src/index';
import { IdbJobStore } from '../../src/store/idb-job-store';
import { transfer } from '../../src/task/transfer';
import type { JobRecord } from '../../src/job/job';
import type { Tasks } from '../fixtures/tasks';
import { fixtureWorker as worker, useTestQueues } from './support/test-queues';
import { failureOf } from '../support/failure-of';

const makeQueue = useTestQueues('q');


function nextEvent<E extends 'completed' | 'drained' | 'stalled' | 'failed'>(queue: Queue<Tasks>, event: E) {
  return new Promise<unknown>((resolve) => {
    const off = queue.on(event, (payload: unknown) => {
      off();
      resolve(payload);
    });
  });
}

for (const storage of ['indexeddb', 'memory'] as const) {
  describe(`Queue (${storage})`, () => {
    it('adds a job and resolves its result; run() adds and waits', async () => {
      const queue = makeQueue({ storage });
      const job = await queue.add('add', { a: 20, b: 22 });
      expect(typeof job.id).toBe('string');
      expect(job.name).toBe('add');
      expect(await job.result).toBe(42);
      expect(await job.state()).toBe('completed');
      expect(await queue.run('echo', { nested: [1, 'two'] })).toEqual({ nested: [1, 'two'] });
      const stored = await job.info();
      expect(stored).toMatchObject({ id: job.id, name: 'add', state: 'completed', attempt: 1, attempts: 1, result: 42, data: { a: 20, b: 22 } });
      expect(stored!.finishedAt).toBeGreaterThanOrEqual(stored!.startedAt!);
    });

    it('adds in bulk, keeping the order of the handles', async () => {
      const queue = makeQueue({ storage });
      const jobs = await queue.addBulk([
        { name: 'add', data: { a: 1, b: 1 } },
        { name: 'echo', data: 'two' },
        { name: 'add', data: { a: 1, b: 2 }, opts: { priority: 3 } },
      ]);
      expect(await Promise.all(jobs.map((j) => j.result))).toEqual([2, 'two', 3]);
      expect((await queue.counts()).completed).toBe(3);
    });

    it('runs higher priority first, FIFO within a priority', async () => {
      const queue = makeQueue({ storage, concurrency: 1, autoStart: false });
      const order: string[] = [];
      queue.on('active', ({ job }) => order.push(String(job.data)));
      await queue.add('echo', 'low-1');
      await queue.add('echo', 'high-1', { priority: 10 });
      await queue.add('echo', 'low-2');
      await queue.add('echo', 'mid', { priority: 5 });
      const last = await queue.add('echo', 'high-2', { priority: 10 });
      await queue.resume();
      await queue.getJob(last.id);
      const drained = nextEvent(queue, 'drained');
      await drained;
      expect(order).toEqual(['high-1', 'high-2', 'mid', 'low-1', 'low-2']);
    });

    it('holds a delayed job until it is due', async () => {
      const queue = makeQueue({ storage });
      const job = await queue.add('echo', 'later', { delay: 300 });
      expect(await job.state()).toBe('delayed');
      expect(await job.result).toBe('later');
      const info = await job.info();
      expect(info!.startedAt).toBeGreaterThanOrEqual(info!.runAt);
      expect(info!.runAt - info!.createdAt).toBe(300);
    });

    it('retries with backoff, telling each retry, and reports the attempt to the handler', async () => {
      const queue = makeQueue({ storage });
      const retries: number[] = [];
      queue.on('retrying', ({ job, error }) => {
        retries.push(job.attempt);
        expect(error.message).toBe(`attempt ${job.attempt} failed`);
      });
      const job = await queue.add('failUntil', { succeedOn: 3 }, { attempts: 3, backoff: { type: 'fixed', delay: 20 } });
      expect(await job.result).toBe('succeeded on attempt 3');
      expect(retries).toEqual([1, 2]);
    });

    it('fails after its attempts with JobFailedError, keeping the last error as cause', async () => {
      const queue = makeQueue({ storage });
      const failed = nextEvent(queue, 'failed');
      const job = await queue.add('fail', 'bad value', { attempts: 2, backoff: 10 });
      const error = await failureOf(job.result);
      expect(error).toBeInstanceOf(JobFailedError);
      expect(error.message).toBe(`Job ${job.id} (fail) failed after 2 attempts: bad value`);
      expect((error as JobFailedError).code).toBe('ERR_JOB_FAILED');
      expect(error.cause).toBeInstanceOf(Error);
      expect((error.cause as Error).name).toBe('RangeError');
      expect((error.cause as Error).stack).toContain('fail');
      expect(await failed).toMatchObject({ job: { id: job.id, state: 'failed' } });
      const [stored] = await queue.list({ state: 'failed' });
      expect(stored).toMatchObject({ id: job.id, attempt: 2, error: { name: 'RangeError', message: 'bad value' } });
    });

    it("applies a task's defaults, which the job's own options override", async () => {
      const queue = makeQueue({ storage });
      const byDefault = await queue.add('flaky', { succeedOn: 3 });
      expect(await byDefault.result).toBe(3);
      expect(await byDefault.info()).toMatchObject({ attempts: 3, attempt: 3 });
      const overridden = await queue.add('flaky', { succeedOn: 3 }, { attempts: 1 });
      expect((await failureOf(overridden.result)).message).toMatch(/failed after 1 attempt: attempt 1 failed/);
    });

    it('skips the attempts left on UnrecoverableError', async () => {
      const queue = makeQueue({ storage });
      const job = await queue.add('unrecoverable', undefined, { attempts: 5 });
      const error = await failureOf(job.result);
      expect(error.cause).toBeInstanceOf(UnrecoverableError);
      expect((await job.info())!.attempt).toBe(1);
    });

    it('terminates a job that runs over its timeout: JobTimeoutError, and the queue goes on', async () => {
      const queue = makeQueue({ storage, concurrency: 1 });
      const stuck = await queue.add('spinForever', undefined, { timeout: 300 });
      const after = await queue.add('add', { a: 1, b: 2 });
      const error = await failureOf(stuck.result);
      expect(error).toBeInstanceOf(JobFailedError);
      expect(error.cause).toBeInstanceOf(JobTimeoutError);
      expect(await after.result).toBe(3);
    });

    it('treats a worker that dies as a stall, and fails a job that keeps killing its worker', async () => {
      const queue = makeQueue({ storage, maxStalls: 1 });
      let stalls = 0;
      queue.on('stalled', () => stalls++);
      const poison = await queue.add('closeWorker', undefined, { attempts: 5 });
      const healthy = await queue.add('add', { a: 2, b: 2 });
      const error = await failureOf(poison.result);
      expect(error.cause).toBeInstanceOf(WorkerCrashedError);
      expect(error.message).toMatch(/stalled 2 times: the tab or worker running it kept dying, more than maxStalls \(1\) allows/);
      expect(stalls).toBe(2);
      expect(await healthy.result).toBe(4);
    });

    it('cancels a queued job: it never runs', async () => {
      const queue = makeQueue({ storage, autoStart: false });
      const job = await queue.add('echo', 'never');
      expect(await queue.cancel(job.id)).toBe(true);
      expect(await queue.cancel(job.id)).toBe(false);
      await queue.resume();
      expect(await failureOf(job.result)).toBeInstanceOf(JobCancelledError);
      expect(await job.state()).toBe('cancelled');
    });

    it('cancels a running job through its AbortSignal; the handler sees ctx.signal', async () => {
      const queue = makeQueue({ storage });
      const controller = new AbortController();
      const active = new Promise<void>((resolve) => queue.on('active', () => resolve()));
      const job = await queue.add('abortable', null, { signal: controller.signal });
      await active;
      controller.abort();
      const error = await failureOf(job.result);
      expect(error).toBeInstanceOf(JobCancelledError);
      expect(await job.state()).toBe('cancelled');
      expect(await queue.run('add', { a: 1, b: 1 })).toBe(2);
    });

    it('returns the stored job for a jobId added twice', async () => {
      const queue = makeQueue({ storage });
      const [a, b] = await Promise.all([queue.add('echo', 'first', { jobId: 'same' }), queue.add('echo', 'second', { jobId: 'same' })]);
      expect(a.id).toBe('same');
      expect(b.id).toBe('same');
      expect(await b.result).toBe('first');
      const counts = await queue.counts();
      expect(Object.values(counts).reduce((x, y) => x + y)).toBe(1);
    });

    it('delivers progress to the handle and as events', async () => {
      const queue = makeQueue({ storage });
      const events: unknown[] = [];
      queue.on('progress', ({ progress }) => events.push(progress));
      const job = await queue.add('steps', 4);
      const seen: unknown[] = [];
      job.onProgress((p) => seen.push(p));
      await job.result;
      expect(events).toEqual([0.25, 0.5, 0.75, 1]);
      expect(seen.at(-1)).toBe(1);
    });

    it('calls back with the result (onCompleted) or with the error it failed or was cancelled with (onFailed); a stopped callback is not called', async () => {
      const queue = makeQueue({ storage });
      const seen: string[] = [];
      const failedWith = new Map<string, Error>();
      const follow = (label: string, job: { onCompleted(l: (v: unknown) => void): () => void; onFailed(l: (e: Error) => void): () => void }) => {
        job.onCompleted((value) => seen.push(`${label} completed ${String(value)}`));
        job.onFailed((error) => (seen.push(`${label} ${error.name}`), failedWith.set(label, error)));
      };
      const ok = await queue.add('add', { a: 2, b: 3 });
      follow('ok', ok);
      const failing = await queue.add('fail', 'boom');
      follow('failing', failing);
      const cancelled = await queue.add('sleep', 60_000);
      follow('cancelled', cancelled);
      const stopped = await queue.add('add', { a: 1, b: 1 });
      stopped.onCompleted(() => seen.push('stopped completed'))();
      stopped.onFailed(() => seen.push('stopped failed'))();
      await queue.cancel(cancelled.id);
      await Promise.allSettled([ok.result, failing.result, cancelled.result, stopped.result]);
      expect(seen.sort()).toEqual(['cancelled JobCancelledError', 'failing JobFailedError', 'ok completed 5']);
      expect(failedWith.get('failing')).toBe(await failureOf(failing.result));
      expect(failedWith.get('failing')!.cause).toMatchObject({ message: 'boom' });
      expect(failedWith.get('cancelled')).toBe(await failureOf(cancelled.result));
      // A job that ended already, through a handle made afterwards: called all the same.
      const later = await queue.getJob(ok.id, 'add');
      expect(await new Promise((resolve) => later!.onCompleted(resolve))).toBe(5);
      expect(() => ok.onCompleted('nope' as never)).toThrow(new TypeError('Expected onCompleted() to be given a function, got `"nope"` (string)'));
    });

    it('calls neither back when this tab closes its queue before the job ends', async () => {
      const queue = makeQueue({ storage, autoStart: false });
      const job = await queue.add('echo', 'x');
      const seen: string[] = [];
      job.onCompleted(() => seen.push('completed'));
      job.onFailed((error) => seen.push(error.name));
      await queue.close();
      expect(await failureOf(job.result)).toBeInstanceOf(QueueClosedError);
      expect(seen).toEqual([]);
    });

    it('emits added, active and completed with the job as plain data', async () => {
      const queue = makeQueue({ storage });
      const seen: string[] = [];
      queue.on('added', ({ job }) => seen.push(`added ${job.state}`));
      queue.on('active', ({ job }) => seen.push(`active ${job.attempt}`));
      const completed = nextEvent(queue, 'completed');
      const job = await queue.add('add', { a: 3, b: 4 });
      expect(await completed).toMatchObject({ job: { id: job.id, name: 'add', state: 'completed', result: 7 }, result: 7 });
      expect(seen).toEqual(['added waiting', 'active 1']);
    });

    // Adds of one tick are checked and stored together, in slices when there are thousands: a refused call must
    // take nothing of its own into the batch, nor sink the calls around it; the order stays that of the calls.
    it('in one tick: a refused call stores nothing, the calls around it run; 3,000 adds keep their order', async () => {
      // Completed jobs all kept: the default keeps the latest 1,000, and a sweep may come in a slow run.
      const queue = makeQueue({ storage, concurrency: 1, retention: { completed: false } });
      const order: number[] = [];
      queue.on('active', ({ job }) => order.push(job.data as number));
      const calls = [
        queue.add('echo', 0),
        queue.addBulk([{ name: 'echo', data: -1 }, { name: 'echo', data: -2, opts: { attempts: 0 } }]),
        ...Array.from({ length: 3_000 }, (_, i) => queue.run('echo', i + 1)),
      ];
      const settled = await Promise.allSettled(calls);
      expect(settled[1]!.status).toBe('rejected');
      expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
      expect(settled.slice(2).map((s) => (s as PromiseFulfilledResult<unknown>).value)).toEqual(Array.from({ length: 3_000 }, (_, i) => i + 1));
      await expect.poll(() => order.length).toBe(3_001);
      expect(order).toEqual(Array.from({ length: 3_001 }, (_, i) => i));
      expect(await queue.counts()).toMatchObject({ completed: 3_001, waiting: 0, failed: 0 });
    });

    it('refuses bad input with a clear error, storing nothing', async () => {
      const queue = makeQueue({ storage });
      // @ts-expect-error: not a task of this queue
      const unknown = await failureOf(queue.add('fibb', 1));
      expect(unknown).toBeInstanceOf(InvalidJobError);
      expect(unknown.message).toMatch(/^Unknown task "fibb": the worker serves "add", "echo"/);

      const uncloneable = await failureOf(queue.add('echo', { items: [0, 1, 2, { callback: () => 1 }] }));
      expect(uncloneable).toBeInstanceOf(InvalidJobError);
      expect(uncloneable.message).toBe('Cannot add a "echo" job: data.items[3].callback is a function');
      expect((uncloneable as InvalidJobError).path).toBe('data.items[3].callback');

      class Point {
        constructor(readonly x: number) {}
      }
      const instance = await failureOf(queue.add('echo', { at: new Point(1) }));
      expect(instance.message).toMatch(/data\.at is an instance of class Point/);

      const badDelay = await failureOf(queue.add('echo', 1, { delay: -5 }));
      expect(badDelay).toBeInstanceOf(TypeError);
      expect(badDelay.message).toBe('Expected `delay` to be a finite number of milliseconds from 0 and up, got `-5` (number)');

      const badBulk = await failureOf(queue.addBulk([{ name: 'echo', data: 1 }, { name: 'echo', data: 2, opts: { attempts: 0 } }]));
      expect(badBulk.message).toBe('addBulk: job 1: Expected `attempts` to be an integer from 1 and up, got `0` (number)');

      expect(Object.values(await queue.counts()).reduce((x, y) => x + y)).toBe(0);
    });

    it('pauses and resumes', async () => {
      const queue = makeQueue({ storage });
      await queue.pause();
      const job = await queue.add('echo', 'paused');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await job.state()).toBe('waiting');
      await queue.resume();
      expect(await job.result).toBe('paused');
    });

    it('lists and counts', async () => {
      const queue = makeQueue({ storage, autoStart: false });
      await queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'echo' as const, data: i })));
      await queue.add('echo', 'later', { delay: 60_000 });
      expect(await queue.counts()).toEqual({ waiting: 5, delayed: 1, active: 0, completed: 0, failed: 0, cancelled: 0 });
      expect((await queue.list({ state: 'waiting', limit: 2 })).map((j) => j.data)).toEqual([4, 3]);
      expect((await queue.list({ state: 'waiting', limit: 2, offset: 4 })).map((j) => j.data)).toEqual([0]);
      await expect(queue.list({ limit: -1 })).rejects.toThrow('Expected `limit` to be an integer from 0 and up, got `-1` (number)');
    });

    it('rejects waiting results and further calls once closed', async () => {
      const queue = makeQueue({ storage, autoStart: false });
      const job = await queue.add('echo', 'x');
      const result = job.result;
      await queue.close();
      expect(await failureOf(result)).toBeInstanceOf(QueueClosedError);
      await expect(queue.add('echo', 'y')).rejects.toThrow(QueueClosedError);
    });
  });
}

describe('Queue (indexeddb): closed while the claim of a job just added is under way', () => {
  // The first commit of a new runner claims the job while close() begins: what it brings back must not start.
  for (const force of [true, false]) {
    it(`close(${force ? '{ force: true }' : ''}) returns at once, starts nothing, and leaves the job waiting, its attempt not spent`, async () => {
      const name = `closing-${crypto.randomUUID()}`;
      const queue = createQueue<Tasks>({ name, worker });
      const started: unknown[] = [];
      queue.on('active', ({ job }) => started.push(job.id));
      const job = await queue.add('sleep', 60_000);
      const result = failureOf(job.result);
      // Within the test's timeout: before, the claim's job started, and close waited out its minute.
      await queue.close(force ? { force } : {});
      expect(await result).toBeInstanceOf(QueueClosedError);
      expect(started).toEqual([]);
      const store = await IdbJobStore.open(name, { now: Date.now, random: Math.random });
      expect(await store.get(job.id)).toMatchObject({ state: 'waiting', attempt: 0 });
      store.close();
    });
  }
});

describe('Queue (indexeddb) across page lifetimes', () => {
  it('runs jobs stored by an earlier page, and gives their results through getJob', async () => {
    const name = `reload-${crypto.randomUUID()}`;
    const before = createQueue<Tasks>({ name, worker, autoStart: false });
    const jobs = await before.addBulk([
      { name: 'add', data: { a: 1, b: 2 } },
      { name: 'echo', data: 'delayed', opts: { delay: 100 } },
    ]);
    await before.close();

    const after = makeQueue({ name });
    const results = await Promise.all(jobs.map(async (j) => (await after.getJob(j.id))!.result));
    expect(results).toEqual([3, 'delayed']);
    // And later, from yet another page: the stored result.
    await after.close();
    const later = makeQueue({ name, autoStart: false });
    expect(await (await later.getJob(jobs[0]!.id))!.result).toBe(3);
    expect(await later.getJob('no-such-job')).toBeUndefined();
    // Given the task's name: that task's handle; a job of another task is refused, saying which it is.
    const typed = await later.getJob(jobs[0]!.id, 'add');
    expect(typed?.name).toBe('add');
    expect(await typed!.result).toBe(3);
    await expect(later.getJob(jobs[0]!.id, 'echo')).rejects.toThrow(new TypeError(`Job "${jobs[0]!.id}" is a job of task "add", not "echo"`));
    expect(await later.getJob('no-such-job', 'add')).toBeUndefined();
  });

  it('runs again a job whose page died mid-run, counting the attempt', async () => {
    const name = `died-${crypto.randomUUID()}`;
    // A page that claimed the job and then died: its owner lock is held by nobody.
    const store = await IdbJobStore.open(name, { now: Date.now, random: Math.random });
    const [{ job }] = (await store.add([
      { id: 'mid-run', name: 'attempt', data: null, priority: 0, runAt: Date.now(), attempts: 1, backoff: undefined, timeout: undefined, createdAt: Date.now(), requiresNetwork: false },
    ])) as unknown as [{ job: JobRecord }];
    await store.commit([], { max: 1, owner: 'a-page-that-died', ranBy: 'tab:dead', leaseMs: 60_000, token: () => 'old-run', online: true });
    store.close();

    const queue = makeQueue({ name });
    const stalled = nextEvent(queue, 'stalled');
    const handle = await queue.getJob(job.id);
    expect(await handle!.result).toBe(2);
    expect(await stalled).toMatchObject({ job: { id: 'mid-run' } });
    expect(await handle!.info()).toMatchObject({ state: 'completed', attempt: 2 });
  });

  it('a page that hides (pagehide) starts no more jobs, even when the browser comes back online; pageshow lets it again', async () => {
    const queue = makeQueue({});
    expect(await queue.run('echo', 'warm')).toBe('warm');
    window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    try {
      const job = await queue.add('echo', 'after pagehide');
      window.dispatchEvent(new Event('online'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await job.info()).toMatchObject({ state: 'waiting', attempt: 0 });
      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
      expect(await job.result).toBe('after pagehide');
    } finally {
      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    }
  });

  it('moves a transferred buffer to the worker in memory mode', async () => {
    const queue = makeQueue({ storage: 'memory' });
    const buffer = new ArrayBuffer(4096);
    const result = await queue.run('byteLength', transfer({ buffer }, [buffer]));
    expect(result).toBe(4096);
    expect(buffer.byteLength).toBe(0);
  });
});

for (const storage of ['indexeddb', 'memory'] as const) {
  describe(`Queue (${storage}): exact errors for data and options it refuses, nothing stored`, () => {
    it('data holding a Proxy: InvalidJobError naming its path (not a StorageError, not a hang)', async () => {
      const queue = makeQueue({ storage });
      const error = await failureOf(queue.add('echo', { user: { name: 'Ada', settings: new Proxy({ theme: 'dark' }, {}) } }));
      expect(error).toBeInstanceOf(InvalidJobError);
      expect((error as InvalidJobError).path).toBe('data.user.settings');
      expect(error.message).toMatch(
        /^Cannot add a "echo" job: data\.user\.settings cannot be cloned \(a Proxy\?\): DataCloneError: /,
      );
      expect(Object.values(await queue.counts()).reduce((x, y) => x + y)).toBe(0);
    });

    it('data with a getter that throws: InvalidJobError naming the path, the getter\'s error as its cause', async () => {
      const queue = makeQueue({ storage });
      const thrown = new RangeError('not loaded yet');
      const data = {
        items: [
          {
            get size(): number {
              throw thrown;
            },
          },
        ],
      };
      const error = await failureOf(queue.add('echo', data));
      expect(error).toBeInstanceOf(InvalidJobError);
      expect((error as InvalidJobError).path).toBe('data.items[0].size');
      expect(error.message).toBe('Cannot add a "echo" job: data.items[0].size could not be read: its getter threw RangeError: not loaded yet');
      expect(error.cause).toBe(thrown);
      expect(Object.values(await queue.counts()).reduce((x, y) => x + y)).toBe(0);
    });

    it('addBulk with a bad option in its 2nd job: a TypeError that says which job; none of the batch stored', async () => {
      const queue = makeQueue({ storage });
      const error = await failureOf(
        queue.addBulk([
          { name: 'echo', data: 1 },
          { name: 'echo', data: 2, opts: { priority: 'high' as unknown as number } },
        ]),
      );
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe('addBulk: job 1: Expected `priority` to be a finite number, got `"high"` (string)');
      const proxied = await failureOf(queue.addBulk([{ name: 'echo', data: 1 }, { name: 'echo', data: 2 }, { name: 'echo', data: [new Proxy({}, {})] }]));
      expect(proxied).toBeInstanceOf(InvalidJobError);
      expect(proxied.message).toMatch(/^Cannot add a "echo" job \(job 2 of the batch\): data\[0\] cannot be cloned/);
      expect(Object.values(await queue.counts()).reduce((x, y) => x + y)).toBe(0);
      // The queue goes on: a good add after them is stored and runs.
      expect(await queue.run('echo', 'after')).toBe('after');
    });
  });
}

describe('Queue: times past setTimeout\'s limit', () => {
  it('a job with timeout: 2 ** 31 (about 25 days) runs to its end, not timed out at once; delay: 2 ** 31 waits', async () => {
    const queue = makeQueue({ storage: 'memory' });
    const job = await queue.add('sleep', 100, { timeout: 2 ** 31 });
    expect(await job.result).toBe(100);
    expect(await job.info()).toMatchObject({ state: 'completed', attempt: 1, error: undefined });
    const later = await queue.add('echo', 'later', { delay: 2 ** 31 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await later.info()).toMatchObject({ state: 'delayed', attempt: 0 });
  });

  it('retention: false keeps every finished job', async () => {
    const queue = makeQueue({ storage: 'memory', retention: false });
    await queue.addBulk(Array.from({ length: 3 }, (_, i) => ({ name: 'echo' as const, data: i })));
    await expect.poll(async () => (await queue.counts()).completed).toBe(3);
  });
});

describe('Queue: garbage on its BroadcastChannel', () => {
  it('messages of random shapes on offthread:<queue> are ignored: no uncaught error, jobs and events go on', async () => {
    const name = `garbage-${crypto.randomUUID()}`;
    const queue = createQueue<Tasks>({ name, worker, concurrency: 1 });
    const follower = createQueue<Tasks>({ name });
    const uncaught: string[] = [];
    const onError = (event: ErrorEvent) => uncaught.push(`error: ${event.message}`);
    const onRejection = (event: PromiseRejectionEvent) => uncaught.push(`unhandledrejection: ${String(event.reason)}`);
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onRejection);
    const channel = new BroadcastChannel(`offthread:${name}`);
    try {
      expect(await queue.run('echo', 'warm')).toBe('warm');
      const garbage: unknown[] = [
        null, 0, 'added', [], [null, 5], {}, { type: 'nope' },
        { type: 'added', jobs: 5 }, { type: 'added', jobs: [null] }, { type: 'added', jobs: [{ id: 1 }] },
        { type: 'job' }, { type: 'job', event: 'completed' }, { type: 'job', event: 'completed', job: { id: 'x', name: 'echo', state: 'completed', error: 3 } },
        { type: 'job', event: 'explode', job: { id: 'x', name: 'echo', state: 'completed' } },
        { type: 'progress' }, { type: 'progress', job: null, progress: 1 },
        { type: 'stop' }, { type: 'stop', id: 5 }, { type: 'paused' }, { type: 'paused', paused: 'yes' },
        [{ type: 'job', event: 'failed', job: { id: 'y', name: 'echo', state: 'failed', history: 'long' } }],
      ];
      for (const shape of garbage) channel.postMessage(shape);
      const followed = await follower.add('echo', 'after garbage');
      expect(await followed.result).toBe('after garbage');
      expect(await queue.run('echo', 'still running')).toBe('still running');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
      expect(await queue.isPaused()).toBe(false);
    } finally {
      channel.close();
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onRejection);
      await Promise.all([queue.close({ force: true }), follower.close({ force: true })]);
    }
  });
});
