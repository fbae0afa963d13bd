// offthread/testing: the queue run inline, in Node (project unit) and again under jsdom and happy-dom
// (projects unit-jsdom, unit-happy-dom), where there is no Worker, no IndexedDB and no Web Locks.
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidJobError, JobCancelledError, JobFailedError, JobTimeoutError, QueueClosedError, UnrecoverableError } from '../../../src/index';
import { createTestQueue, TestClock, type TestQueue, type TestQueueOptions } from '../../../src/testing';
import { defineTasks } from '../../../src/worker';
import type { TaskMap } from '../../../src/task/task';
import { tasks as fixtureTasks } from '../../fixtures/tasks';
import { failureOf } from '../../support/failure-of';

/** What the handlers below saw, by job id: filled in this thread, since they run in it. */
const seen = new Map<string, { signal?: AbortSignal; data?: unknown }>();

/** Resolves when a handler's signal aborts, with its reason. */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}

const tasks = defineTasks({
  ...fixtureTasks,
  /** Runs until its signal aborts, then rejects with the reason (a handler that cooperates). */
  async untilAborted(_: null, ctx) {
    seen.set(ctx.jobId, { signal: ctx.signal });
    throw await aborted(ctx.signal);
  },
  /** Mutates what it was given: the caller's object must not see it (the handler got a clone). */
  mutate(input: { list: number[] }, ctx) {
    input.list.push(99);
    seen.set(ctx.jobId, { data: input });
    return input;
  },
  at: (_: null, ctx) => ctx.attempt,
});

const open: Array<TestQueue<TaskMap>> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((queue) => queue.close({ force: true })));
  seen.clear();
});

function makeQueue(options?: TestQueueOptions): TestQueue<typeof tasks> {
  const queue = createTestQueue(tasks, options);
  open.push(queue as unknown as TestQueue<TaskMap>);
  return queue;
}

const START = Date.UTC(2030, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const noJitter = (delay: number) => ({ type: 'fixed' as const, delay, jitter: 0 });

describe('createTestQueue', () => {
  it('runs where there is no Worker, no IndexedDB and no Web Locks', () => {
    expect(typeof Worker).toBe('undefined');
    expect(typeof indexedDB).toBe('undefined');
    expect(typeof navigator === 'undefined' || navigator.locks == null).toBe(true);
  });

  it('adds jobs and resolves their results; data and results are cloned, as they are for a worker', async () => {
    const queue = makeQueue();
    const job = await queue.add('add', { a: 20, b: 22 });
    expect(await job.result).toBe(42);
    expect(await job.state()).toBe('completed');
    expect(await queue.run('echo', { nested: [1, 'two'] })).toEqual({ nested: [1, 'two'] });
    const [a, b] = await queue.addBulk([{ name: 'add', data: { a: 1, b: 1 } }, { name: 'echo', data: 'two' }]);
    expect(await Promise.all([a.result, b.result])).toEqual([2, 'two']);

    const input = { list: [1] };
    const mutated = await queue.add('mutate', input);
    expect(await mutated.result).toEqual({ list: [1, 99] });
    expect(input).toEqual({ list: [1] });
    expect(seen.get(mutated.id)!.data).not.toBe(input);
    expect(await mutated.info()).toMatchObject({ state: 'completed', attempt: 1, data: { list: [1] }, result: { list: [1, 99] }, ranBy: queue.contextId });
  });

  it('refuses bad input as createQueue does: unknown tasks, data that cannot be cloned, bad options; nothing stored', async () => {
    const queue = makeQueue();
    // @ts-expect-error: not a task of this queue
    const unknown = await failureOf(queue.add('fibb', 1));
    expect(unknown).toBeInstanceOf(InvalidJobError);
    expect(unknown.message).toMatch(/^Unknown task "fibb": the worker serves "add", "echo"/);
    const uncloneable = await failureOf(queue.add('echo', { callback: () => 1 }));
    expect(uncloneable.message).toBe('Cannot add a "echo" job: data.callback is a function');
    await expect(queue.add('echo', 1, { delay: -5 })).rejects.toThrow('Expected `delay` to be a finite number of milliseconds from 0 and up, got `-5` (number)');
    expect(Object.values(await queue.counts()).reduce((x, y) => x + y)).toBe(0);
  });

  it('says which options it does not take, and what it expected of the tasks', () => {
    expect(() => createTestQueue(tasks, { worker: () => null } as never)).toThrow(
      new TypeError('createTestQueue() runs its tasks in this thread, in memory, on its own clock: `worker` is not one of its options'),
    );
    expect(() => createTestQueue(tasks, { storage: 'indexeddb' } as never)).toThrow(/`storage` is not one of its options/);
    expect(() => createTestQueue(null as never)).toThrow(new TypeError('Expected createTestQueue() to be given the tasks (as defineTasks returns them), got `null` (null)'));
    expect(() => createTestQueue(tasks, { now: Number.NaN })).toThrow(/Expected the clock's start to be a Date or epoch milliseconds/);
    expect(() => createTestQueue(tasks, { concurrency: 0 })).toThrow('Expected `concurrency` to be an integer from 1 and up, got `0` (number)');
  });

  it('promotes a delayed job, changes its delay and priority, and refuses a job that has started', async () => {
    const queue = makeQueue({ now: START });
    const job = await queue.add('echo', 'later', { delay: 5_000 });
    await queue.changeDelay(job.id, 60_000);
    expect(await job.info()).toMatchObject({ state: 'delayed', runAt: START + 60_000 });
    await queue.changePriority(job.id, 3);
    expect((await job.info())?.priority).toBe(3);
    await queue.promote(job.id);
    expect(await job.result).toBe('later');
    await expect(queue.promote(job.id)).rejects.toThrow(`Cannot promote() job ${job.id}: it is completed; only a delayed job can be changed`);
    await expect(queue.changePriority(job.id, 1)).rejects.toThrow(/it is completed; only a waiting or delayed job/);
    await expect(queue.changeDelay('nope', 1)).rejects.toThrow('Cannot changeDelay() job nope: there is no such job');
    await expect(queue.changePriority(job.id, 1.5)).rejects.toThrow(TypeError);
  });

  it('holds a delayed job until the clock reaches it', async () => {
    const queue = makeQueue({ now: START });
    expect(queue.clock.now()).toBe(START);
    const job = await queue.add('echo', 'later', { delay: 5_000 });
    await queue.clock.advance(4_999);
    expect(await job.state()).toBe('delayed');
    await queue.clock.advance(1);
    expect(await job.result).toBe('later');
    expect(await job.info()).toMatchObject({ runAt: START + 5_000, startedAt: START + 5_000, finishedAt: START + 5_000 });
    const at = await queue.add('echo', 'at', { runAt: new Date(START + 60_000) });
    await queue.clock.advance(55_000);
    expect(await at.result).toBe('at');
  });

  it('retries after each backoff as the clock moves, telling each retry; the handler sees its attempt', async () => {
    const queue = makeQueue({ now: START });
    const retries: Array<[number, string]> = [];
    queue.on('retrying', ({ job, error }) => retries.push([job.attempt, error.message]));
    const job = await queue.add('failUntil', { succeedOn: 3 }, { attempts: 3, backoff: noJitter(1_000) });
    await queue.clock.tick();
    expect(await job.info()).toMatchObject({ state: 'delayed', attempt: 1, runAt: START + 1_000 });
    await queue.clock.advance(999);
    expect((await job.info())!.attempt).toBe(1);
    await queue.clock.advance(1);
    expect(await job.info()).toMatchObject({ state: 'delayed', attempt: 2, runAt: START + 2_000 });
    await queue.clock.advance(1_000);
    expect(await job.result).toBe('succeeded on attempt 3');
    expect(retries).toEqual([
      [1, 'attempt 1 failed'],
      [2, 'attempt 2 failed'],
    ]);
  });

  it('exponential backoff, then failed with JobFailedError and its cause; UnrecoverableError skips the rest', async () => {
    const queue = makeQueue({ now: START });
    const job = await queue.add('fail', 'bad value', { attempts: 3, backoff: { type: 'exponential', delay: 1_000, jitter: 0 } });
    await queue.clock.advance(1_000);
    expect(await job.info()).toMatchObject({ attempt: 2, runAt: START + 3_000 });
    await queue.clock.advance(2_000);
    const error = await failureOf(job.result);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.message).toBe(`Job ${job.id} (fail) failed after 3 attempts: bad value`);
    expect((error.cause as Error).name).toBe('RangeError');

    const hopeless = await queue.add('unrecoverable', undefined, { attempts: 5 });
    expect((await failureOf(hopeless.result)).cause).toBeInstanceOf(UnrecoverableError);
    expect((await hopeless.info())!.attempt).toBe(1);
  });

  it("applies a task's defaults (flaky: 3 attempts, 5 ms apart)", async () => {
    const queue = makeQueue();
    const job = await queue.add('flaky', { succeedOn: 3 });
    await queue.clock.advance(10);
    expect(await job.result).toBe(3);
    expect(await job.info()).toMatchObject({ attempts: 3, attempt: 3 });
  });

  it('adds a job at each slot of a schedule, every or cron', async () => {
    const queue = makeQueue({ now: START });
    await queue.schedule('minutely', { every: 60_000 }, { name: 'echo', data: 'tick' });
    await queue.clock.advance(60_000);
    expect((await queue.list({ state: 'completed' })).map((job) => job.id)).toEqual([`minutely@${iso(START + 60_000)}`]);
    await queue.clock.advance(120_000);
    expect((await queue.list({ state: 'completed', order: 'asc' })).map((job) => job.id)).toEqual(
      [1, 2, 3].map((n) => `minutely@${iso(START + n * 60_000)}`),
    );
    await queue.unschedule('minutely');

    await queue.schedule('hourly', { cron: '0 * * * *', tz: 'UTC' }, { name: 'echo', data: 'cron' });
    expect((await queue.schedules()).map((s) => s.nextRunAt)).toEqual([START + 3_600_000]);
    await queue.clock.advance(3_600_000);
    expect(await (await queue.getJob(`hourly@${iso(START + 3_600_000)}`))?.result).toBe('cron');
  });

  it('cancels a queued job (it never runs) and a running one (its handler sees ctx.signal abort)', async () => {
    const queue = makeQueue({ now: START });
    const queued = await queue.add('echo', 'never', { delay: 1_000 });
    expect(await queue.cancel(queued.id)).toBe(true);
    await queue.clock.advance(1_000);
    expect(await failureOf(queued.result)).toBeInstanceOf(JobCancelledError);
    expect(await queued.info()).toMatchObject({ state: 'cancelled', attempt: 0 });

    const controller = new AbortController();
    const running = await queue.add('untilAborted', null, { signal: controller.signal });
    await queue.clock.tick();
    const signal = seen.get(running.id)!.signal!;
    expect(signal.aborted).toBe(false);
    controller.abort();
    expect(await failureOf(running.result)).toBeInstanceOf(JobCancelledError);
    expect(await aborted(signal)).toBeInstanceOf(JobCancelledError);
    expect(await running.state()).toBe('cancelled');
    expect(await queue.run('add', { a: 1, b: 1 })).toBe(2);
  });

  it('times a run out by the clock: JobTimeoutError, the handler signalled, and the queue goes on', async () => {
    const queue = makeQueue();
    const stuck = await queue.add('untilAborted', null, { timeout: 30_000 });
    const after = await queue.add('add', { a: 1, b: 2 });
    await queue.clock.advance(29_999);
    expect(await stuck.state()).toBe('active');
    await queue.clock.advance(1);
    const error = await failureOf(stuck.result);
    expect(error.cause).toBeInstanceOf(JobTimeoutError);
    expect((error.cause as Error).message).toBe(`Job ${stuck.id} (untilAborted) ran over its timeout of 30000 ms: its worker was terminated`);
    // Terminating an inline worker aborts what runs in it: a handler that watches its signal stops.
    expect(seen.get(stuck.id)!.signal!.aborted).toBe(true);
    expect(await after.result).toBe(3);
  });

  it('delivers events and progress, with the job as plain data', async () => {
    const queue = makeQueue();
    const events: string[] = [];
    for (const event of ['added', 'active', 'completed', 'failed'] as const) queue.on(event, ({ job }) => events.push(`${event} ${job.name} ${job.state}`));
    const progress: unknown[] = [];
    queue.on('progress', ({ progress: p }) => progress.push(p));
    const completed = new Promise((resolve) => queue.on('completed', resolve));
    const job = await queue.add('steps', 4);
    const onProgress: unknown[] = [];
    job.onProgress((p) => onProgress.push(p));
    await queue.drain();
    expect(progress).toEqual([0.25, 0.5, 0.75, 1]);
    expect(onProgress.at(-1)).toBe(1);
    expect(await completed).toMatchObject({ name: 'steps', result: 4, job: { id: job.id, state: 'completed', progress: 1 } });
    await failureOf(queue.run('fail', 'x'));
    expect(events).toEqual(['added steps waiting', 'active steps active', 'completed steps completed', 'added fail waiting', 'active fail active', 'failed fail failed']);
  });

  it('keeps the failed set: listed with the last error and history; retry, retryAll and remove', async () => {
    const queue = makeQueue();
    const failing = await queue.add('fail', 'first');
    const other = await queue.add('fail', 'second');
    await queue.drain();
    const failed = await queue.list({ state: 'failed', order: 'asc' });
    expect(failed.map((job) => [job.id, job.error?.message, job.history.length])).toEqual([
      [failing.id, 'first', 1],
      [other.id, 'second', 1],
    ]);
    expect(await queue.retry(failing.id)).toBe(true);
    await queue.drain();
    expect(await failing.info()).toMatchObject({ state: 'failed', attempt: 1 });
    expect((await failing.info())!.history).toHaveLength(2);
    expect(await queue.retryAll()).toBe(2);
    await queue.drain();
    expect(await queue.remove(other.id)).toBe(true);
    expect(await queue.counts()).toMatchObject({ failed: 1, waiting: 0, active: 0 });
  });

  it('drain() waits for jobs app code added and did not wait for', async () => {
    const queue = makeQueue({ concurrency: 2 });
    for (let i = 0; i < 10; i++) void queue.add('sleep', i);
    await queue.drain();
    expect(await queue.counts()).toMatchObject({ waiting: 0, active: 0, completed: 10 });
  });

  it('runs higher priority first, FIFO within a priority (one job at a time by default)', async () => {
    const queue = makeQueue({ autoStart: false });
    const order: unknown[] = [];
    queue.on('active', ({ job }) => order.push(job.data));
    await queue.add('echo', 'low-1');
    await queue.add('echo', 'high', { priority: 10 });
    await queue.add('echo', 'low-2');
    await queue.resume();
    await queue.drain();
    expect(order).toEqual(['high', 'low-1', 'low-2']);
  });

  it('pauses and resumes; drain() does not wait for a paused queue', async () => {
    const queue = makeQueue();
    await queue.pause();
    const job = await queue.add('echo', 'paused');
    await queue.drain();
    expect(await job.state()).toBe('waiting');
    await queue.resume();
    expect(await job.result).toBe('paused');
  });

  it('close() rejects what still waits with QueueClosedError, and the calls after it', async () => {
    const queue = makeQueue();
    const job = await queue.add('untilAborted', null);
    await queue.clock.tick();
    const signal = seen.get(job.id)!.signal!;
    await queue.close({ force: true });
    expect(await failureOf(job.result)).toBeInstanceOf(QueueClosedError);
    expect(signal.aborted).toBe(true);
    await expect(queue.add('echo', 'y')).rejects.toThrow(QueueClosedError);
  });
});

describe('TestClock', () => {
  it('fires timers in order of their due time (then of setting), each at its time, and clears', async () => {
    const clock = new TestClock(new Date(START));
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    clock.setTimeout(() => fired.push(['a2', clock.now()]), 10);
    const cleared = clock.setTimeout(() => fired.push(['never', clock.now()]), 5);
    clock.clearTimeout(cleared);
    clock.setTimeout(() => clock.setTimeout(() => fired.push(['chained', clock.now()]), 15), 15);
    expect(clock.pending).toBe(4);
    await clock.advance(30);
    expect(fired).toEqual([
      ['a', START + 10],
      ['a2', START + 10],
      ['b', START + 20],
      ['chained', START + 30],
    ]);
    expect(clock.now()).toBe(START + 30);
    expect(clock.pending).toBe(0);
    await expect(clock.advance(-1)).rejects.toThrow('Expected clock.advance() to be given a finite number of milliseconds >= 0, got `-1` (number)');
  });
});
