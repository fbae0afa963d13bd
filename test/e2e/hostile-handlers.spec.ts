// Handlers that do strange things, and input at its extremes, in a real browser: each must end as that job's
// own outcome (its final state, its error's class and message), with the pool still at work for the other jobs
// and no uncaught error in the page. Engine-neutral (no CDP): the page is test/e2e/harness/hostile.html, its
// tasks test/fixtures/hostile-tasks.ts.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { ErrorFacts, Settled } from './harness/hostile-page';
import { HARNESS_ORIGIN, uniqueQueue } from './support/harness';

const HOSTILE_URL = `${HARNESS_ORIGIN}/test/e2e/harness/hostile.html`;

/** What went wrong in a page out of sight: uncaught errors and console errors. */
const troubles = new Map<Page, string[]>();

async function openHostile(context: BrowserContext, queue = uniqueQueue('hostile'), storage: 'indexeddb' | 'memory' = 'indexeddb'): Promise<Page> {
  const page = await context.newPage();
  const seen: string[] = [];
  troubles.set(page, seen);
  page.on('pageerror', (error) => seen.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.push(`console.error: ${message.text()}`);
  });
  await page.goto(`${HOSTILE_URL}?${new URLSearchParams({ queue, storage })}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return page;
}

/** No uncaught error and no console error in `page` so far (after a moment for late ones to land). */
async function expectNoTroubles(page: Page): Promise<void> {
  await page.waitForTimeout(100);
  expect(troubles.get(page)).toEqual([]);
}

function failure(settled: Settled): ErrorFacts {
  if (settled.ok) throw new Error(`Expected a failure, got ${JSON.stringify(settled.value)}`);
  return settled.error;
}

/** Adds `name(data)` with `opts`, waits for it to end; its stored record and its result's error. */
async function runToEnd(page: Page, name: string, data: unknown, opts: Record<string, unknown> = {}) {
  return page.evaluate(
    async ([name, data, opts]) => {
      const { queue, outcome } = window.hostile;
      const job = await (queue.add as (n: string, d: unknown, o: unknown) => Promise<{ id: string }>)(name, data, opts);
      return { id: job.id, ...(await outcome(job.id)) };
    },
    [name, data, opts] as const,
  );
}

/**
 * The queue still runs other jobs on a full pool: two sleeps added together are both running before either ends,
 * and a job after them completes.
 */
async function expectPoolAtWork(page: Page): Promise<void> {
  const ids = await page.evaluate(async () => {
    const { queue } = window.hostile;
    const jobs = await queue.addBulk([{ name: 'sleep', data: 600 }, { name: 'sleep', data: 600 }]);
    await Promise.all(jobs.map((job) => job.result));
    return jobs.map((job) => job.id);
  });
  const events = await page.evaluate(() => window.hostile.events);
  const at = (event: string, id: string) => events.findIndex((e) => e.event === event && e.id === id);
  expect(Math.max(at('active', ids[0]!), at('active', ids[1]!))).toBeLessThan(Math.min(at('completed', ids[0]!), at('completed', ids[1]!)));
  expect(await page.evaluate(() => window.hostile.queue.run('echo', 'after'))).toBe('after');
}

/** Neither a stall nor a crash was counted for job `id`: every run of it ended `failed`, as a throw does. */
function expectOwnFailures(info: { history?: Array<{ outcome: string }>; attempt: number } | undefined, runs: number): void {
  expect(info?.attempt).toBe(runs);
  expect(info?.history?.map((run) => run.outcome)).toEqual(Array.from({ length: runs }, () => 'failed'));
}

test.describe('a result that cannot be sent is the handler\'s failure', () => {
  const cases: Array<[kind: string, message: RegExp]> = [
    ['proxy', /^The task's result cannot be sent to the page: result cannot be cloned \(a Proxy\?\)/],
    ['nestedProxy', /^The task's result cannot be sent to the page: result\.list\[1\]\.inner cannot be cloned \(a Proxy\?\)/],
    ['function', /^The task's result cannot be sent to the page: result is a function$/],
    ['getter', /^The task's result cannot be sent to the page: result\.total could not be read: its getter threw RangeError: total not ready$/],
    ['badTransfer', /^The task's result cannot be sent to the page: result was refused with its transfer list/],
  ];
  for (const [kind, message] of cases) {
    test(`returns ${kind}: retried with backoff, then failed with a TypeError saying where; no stall, the pool at work`, async ({ context }) => {
      const page = await openHostile(context);
      const { info, settled } = await runToEnd(page, 'returns', kind, { attempts: 2, backoff: 20 });
      const error = failure(settled);
      expect(error.classes).toContain('JobFailedError');
      expect(error.cause?.name).toBe('TypeError');
      expect(error.cause?.message).toMatch(message);
      expect(info?.state).toBe('failed');
      expectOwnFailures(info, 2);
      expect((await page.evaluate(() => window.hostile.events)).filter((e) => e.event === 'stalled')).toEqual([]);
      await expectPoolAtWork(page);
      await expectNoTroubles(page);
    });
  }
});

test.describe('a thrown non-error is rebuilt with a readable message', () => {
  const cases: Array<[kind: string, name: string, message: string]> = [
    ['string', 'Error', 'disk full'],
    ['null', 'Error', 'Non-error value thrown: null'],
    ['undefined', 'Error', 'Non-error value thrown: undefined'],
    ['number', 'Error', 'Non-error value thrown: 42'],
    ['symbol', 'Error', 'Non-error value thrown: Symbol(stop)'],
    ['getters', 'Error', 'Non-error value thrown: [object Object]'],
    ['proxy', 'Error', 'Non-error value thrown: a value that could not be read (a Proxy, or an object whose conversion to text throws)'],
    ['messageGetter', 'RangeError', '(its message could not be read: Error: trapped)'],
    ['stackGetter', 'TypeError', 'no stack to show'],
    ['cyclicCause', 'Error', 'first'],
  ];
  for (const [kind, name, message] of cases) {
    test(`throws ${kind}: failed after its attempts with that error as cause; no stall`, async ({ context }) => {
      const page = await openHostile(context);
      const { id, info, settled } = await runToEnd(page, kind === 'proxy' || kind === 'getters' ? 'rejects' : 'throws', kind, { attempts: 2, backoff: 20 });
      const error = failure(settled);
      expect(error.name).toBe('JobFailedError');
      expect(error.message).toBe(`Job ${id} (${kind === 'proxy' || kind === 'getters' ? 'rejects' : 'throws'}) failed after 2 attempts: ${message}`);
      expect([error.cause?.name, error.cause?.message]).toEqual([name, message]);
      if (kind === 'cyclicCause') expect(error.cause?.cause?.message).toBe('second');
      expect(info?.error).toMatchObject({ name, message });
      expectOwnFailures(info, 2);
      expect(await page.evaluate(() => window.hostile.queue.run('echo', 'next'))).toBe('next');
      await expectNoTroubles(page);
    });
  }
});

test('times at their extremes: a 25-day timeout runs to its end, a 25-day delay waits, a runAt long past runs now', async ({ context }) => {
  const page = await openHostile(context);
  const results = await page.evaluate(async () => {
    const { queue, outcome } = window.hostile;
    const long = await queue.add('sleep', 300, { timeout: 2 ** 31 });
    const delayed = await queue.add('echo', 'in 25 days', { delay: 2 ** 31 });
    const past = await queue.add('echo', 'from 1970', { runAt: 0 });
    const farPast = await queue.add('echo', 'from long ago', { runAt: new Date(-8.64e15) });
    const [a, c, d] = [await outcome(long.id), await outcome(past.id), await outcome(farPast.id)];
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { long: a, past: c.settled, farPast: d.settled, delayed: await delayed.info() };
  });
  expect(results.long.settled).toEqual({ ok: true, value: 300 });
  expect(results.long.info).toMatchObject({ state: 'completed', attempt: 1 });
  expect(results.past).toEqual({ ok: true, value: 'from 1970' });
  expect(results.farPast).toEqual({ ok: true, value: 'from long ago' });
  expect(results.delayed).toMatchObject({ state: 'delayed', attempt: 0 });
  await expectNoTroubles(page);
});

test('times past what a Date holds, and non-finite ones: clear TypeErrors, nothing stored', async ({ context }) => {
  const page = await openHostile(context);
  const results = await page.evaluate(async () => {
    const { queue, settle } = window.hostile;
    const add = (opts: unknown) => settle(() => (queue.add as (n: string, d: unknown, o: unknown) => Promise<unknown>)('echo', 1, opts));
    return {
      timeout: await add({ timeout: 1e300 }),
      delay: await add({ delay: Number.NaN }),
      runAt: await add({ runAt: 9e15 }),
      negative: await add({ timeout: -1 }),
      backoff: await add({ backoff: { type: 'exponential', delay: 1_000, maxDelay: Infinity } }),
      counts: await queue.counts(),
    };
  });
  const expected: Record<string, string> = {
    timeout: 'Expected `timeout` to be at most 8640000000000000 ms (the span of a Date), got `1e+300` (number)',
    delay: 'Expected `delay` to be a finite number of milliseconds from 0 and up, got `NaN` (number)',
    runAt: 'Expected `runAt` to be at most 8640000000000000 (the latest time a Date holds), got `9000000000000000` (number)',
    negative: 'Expected `timeout` to be a finite number of milliseconds from 1 and up, got `-1` (number)',
    backoff: 'Expected `backoff.maxDelay` to be a finite number of milliseconds from 0 and up, got `Infinity` (number)',
  };
  for (const [key, message] of Object.entries(expected)) {
    const error = failure((results as unknown as Record<string, Settled>)[key]!);
    expect(error.classes, key).toContain('TypeError');
    expect(error.message, key).toBe(message);
  }
  expect(results.counts).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0, cancelled: 0 });
  await expectNoTroubles(page);
});

test('bad data: a Proxy and a throwing getter are InvalidJobErrors naming the path; a bulk says which job; nothing stored', async ({ context }) => {
  const page = await openHostile(context);
  const results = await page.evaluate(async () => {
    const { queue, settle } = window.hostile;
    const add = (data: unknown) => settle(() => queue.add('echo', data));
    const getter = {
      get size(): number {
        throw new RangeError('not measured');
      },
    };
    return {
      proxy: await add({ options: { theme: new Proxy({ dark: true }, {}) } }),
      getter: await add({ files: [getter] }),
      bulk: await settle(() => queue.addBulk([{ name: 'echo', data: 1 }, { name: 'echo', data: 2, opts: { priority: 'high' as unknown as number } }])),
      bulkProxy: await settle(() => queue.addBulk([{ name: 'echo', data: 1 }, { name: 'echo', data: new Proxy([], {}) }])),
      counts: await queue.counts(),
    };
  });
  const proxy = failure(results.proxy);
  expect(proxy.classes).toContain('InvalidJobError');
  expect(proxy.path).toBe('data.options.theme');
  expect(proxy.message).toMatch(/^Cannot add a "echo" job: data\.options\.theme cannot be cloned \(a Proxy\?\)/);
  const getter = failure(results.getter);
  expect([getter.name, getter.path, getter.message]).toEqual([
    'InvalidJobError',
    'data.files[0].size',
    'Cannot add a "echo" job: data.files[0].size could not be read: its getter threw RangeError: not measured',
  ]);
  expect([getter.cause?.name, getter.cause?.message]).toEqual(['RangeError', 'not measured']);
  const bulk = failure(results.bulk);
  expect(bulk.classes).toContain('TypeError');
  expect(bulk.message).toBe('addBulk: job 1: Expected `priority` to be a finite number, got `"high"` (string)');
  expect(failure(results.bulkProxy).message).toMatch(/^Cannot add a "echo" job \(job 1 of the batch\): data cannot be cloned \(a Proxy\?\)/);
  expect(results.counts).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0, cancelled: 0 });
  await expectNoTroubles(page);
});

test('a progress flood: 100,000 reports in a loop; the job keeps and tells the last, in few messages', async ({ context }) => {
  const page = await openHostile(context);
  const seen = await page.evaluate(async () => {
    const { queue } = window.hostile;
    const job = await queue.add('progressFlood', 100_000);
    const told: unknown[] = [];
    job.onProgress((value) => told.push(value));
    const result = await job.result;
    const info = await job.info();
    const events = window.hostile.events.filter((e) => e.id === job.id && e.event === 'progress');
    return { result, stored: info?.progress, lastTold: told.at(-1), lastEvent: events.at(-1)?.progress, events: events.length };
  });
  expect(seen).toMatchObject({ result: 100_000, stored: 99_999, lastTold: 99_999, lastEvent: 99_999 });
  expect(seen.events).toBeLessThan(1_000);
  await expectNoTroubles(page);
});

test('garbage a handler posts on its worker\'s port is ignored: no uncaught error, its job and the others complete', async ({ context }) => {
  const page = await openHostile(context);
  const { settled, info } = await runToEnd(page, 'postsGarbage', null);
  expect(settled).toEqual({ ok: true, value: 19 });
  expect(info).toMatchObject({ state: 'completed', attempt: 1 });
  await expectPoolAtWork(page);
  await expectNoTroubles(page);
});

test('garbage another tab posts on the queue\'s BroadcastChannel is ignored: no uncaught error, the queue goes on', async ({ context }) => {
  const queue = uniqueQueue('hostile-channel');
  const page = await openHostile(context, queue);
  expect(await page.evaluate(() => window.hostile.queue.run('echo', 'warm'))).toBe('warm');
  const other = await context.newPage();
  await other.goto(`${HARNESS_ORIGIN}/test/e2e/harness/blank.html`);
  await other.evaluate((name) => {
    const channel = new BroadcastChannel(`offthread:${name}`);
    const job = { id: 'forged', name: 'echo', state: 'completed' };
    for (const shape of [
      null, 1, 'job', [], [null], {}, { type: 'added', jobs: 5 }, { type: 'added', jobs: [{}] }, { type: 'job', event: 'completed' },
      { type: 'job', event: 'completed', job: { ...job, error: 7 } }, { type: 'progress', job: null }, { type: 'stop', id: 3 },
      { type: 'paused', paused: 'yes' }, { type: 'job', event: 'boom', job }, [{ type: 'progress' }, 'schedules'],
    ]) {
      channel.postMessage(shape);
    }
    channel.close();
  }, queue);
  expect(await page.evaluate(() => window.hostile.queue.run('echo', 'after garbage'))).toBe('after garbage');
  expect(await page.evaluate(() => window.hostile.queue.isPaused())).toBe(false);
  await expectNoTroubles(page);
});

test('retention: false, as the README\'s table shows it, is taken: finished jobs are kept', async ({ context }) => {
  const page = await openHostile(context);
  const result = await page.evaluate(async () => {
    const { lib } = window.hostile;
    const queue = lib.createQueue({ name: `retention-${Math.random()}`, storage: 'memory', retention: false });
    await queue.add('echo', 1);
    const counts = await queue.counts();
    await queue.close();
    return counts.waiting;
  });
  expect(result).toBe(1);
  await expectNoTroubles(page);
});
