import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { openTab, uniqueQueue } from './support/harness';
import { readRunLog, runnerLockState, runsOf } from './support/faults';

test('a job added in one tab is run by the runner tab, and its result reaches the tab that added it', async ({ context }) => {
  const queue = uniqueQueue('tabs');
  const runner = await openTab(context, { queue, tab: 'A' });
  await runner.waitForTimeout(200);
  const other = await openTab(context, { queue, tab: 'B' });
  const id = await other.evaluate(async () => (await window.harness.queue.add('whereAmI', null)).id);
  const outcome = await other.evaluate((jobId) => window.harness.outcome(jobId), id);
  expect(outcome).toEqual({ ok: true, value: 'A' });
  const eventsInB = await other.evaluate(() => window.harness.events.map((e) => e.event));
  expect(eventsInB).toEqual(expect.arrayContaining(['added', 'active', 'completed']));
});

// More tabs on one queue: results, progress and events reach the tab that added a job; one runner at a time,
// seen from inside the handlers (the run log: test/e2e/harness/run-log.ts); a runner tab closed mid-job.
// Timing bounds are loose on purpose: this runs on a shared 2-core machine.

/** Notes a measured time in the test's annotations (printed too when OFFTHREAD_NOTES is set). */
function note(type: string, description: string): void {
  test.info().annotations.push({ type, description });
  if (process.env.OFFTHREAD_NOTES) console.log(`[${test.info().title.slice(0, 50)}] ${type}: ${description}`);
}

/** Opens tabs one after the other, each once the one before it is in line for the runner lock, so the first runs the queue. */
async function openTabs(context: BrowserContext, queue: string, labels: string[]): Promise<Page[]> {
  const pages: Page[] = [];
  for (const [i, tab] of labels.entries()) {
    const page = await openTab(context, { queue, tab });
    pages.push(page);
    await expect.poll(() => runnerLockState(page, queue)).toEqual({ held: 1, pending: i });
  }
  return pages;
}

test('in a tab that did not run a job: its job.result, onProgress and queue.on events, with two tabs', async ({ context }) => {
  const queue = uniqueQueue('tabs-follow');
  const b = (await openTabs(context, queue, ['A', 'B']))[1]!;
  const seen = await b.evaluate(async () => {
    const q = window.harness.queue;
    const progressEvents: unknown[] = [];
    q.on('progress', (event) => progressEvents.push(event.progress));
    const job = await q.add('sleep', 600);
    const progress: unknown[] = [];
    job.onProgress((value) => progress.push(value));
    const value = await job.result;
    const where = await q.run('whereAmI', null);
    return { id: job.id, value, progress, progressEvents, where };
  });
  expect(seen.value).toBe(600);
  expect(seen.where).toBe('A');
  // The sleep task reports progress every 50 ms, up to 1; B hears it from A's worker over BroadcastChannel.
  const progress = seen.progress as number[];
  expect(progress.length).toBeGreaterThanOrEqual(3);
  expect(progress.at(-1)).toBe(1);
  expect([...progress].sort((x, y) => x - y)).toEqual(progress);
  expect((seen.progressEvents as number[]).length).toBeGreaterThanOrEqual(progress.length);
  const events = (await b.evaluate(() => window.harness.events)).filter((e) => e.id === seen.id);
  expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['added', 'active', 'progress', 'completed']));
  expect(events.find((e) => e.event === 'completed')).toMatchObject({ state: 'completed', attempt: 1, result: 600 });
  expect(runsOf(await readRunLog(b), seen.id).map((r) => r.tab)).toEqual(['A']);
});

test('with three tabs, one runs every job while it lives (seen from inside the handlers), then one other tab does; every adder gets its results', async ({ context }) => {
  const queue = uniqueQueue('tabs-three');
  const [a, b, c] = await openTabs(context, queue, ['A', 'B', 'C']);
  const addAndWait = (page: Page, count: number) =>
    page.evaluate(async (n) => {
      const q = window.harness.queue;
      const jobs = await q.addBulk(Array.from({ length: n }, (_, i) => (i % 2 ? { name: 'whereAmI' as const, data: null } : { name: 'sleep' as const, data: 100 })));
      return Promise.all(jobs.map(async (job) => ({ id: job.id, name: job.name, value: await job.result })));
    }, count);
  const [fromB, fromC] = await Promise.all([addAndWait(b!, 8), addAndWait(c!, 8)]);
  for (const job of [...fromB, ...fromC]) expect(job.value).toBe(job.name === 'whereAmI' ? 'A' : 100);
  const before = await readRunLog(c!);
  expect(before).toHaveLength(16);
  expect(new Set(before.map((r) => r.tab))).toEqual(new Set(['A']));
  expect(await runnerLockState(c!, queue)).toEqual({ held: 1, pending: 2 });

  await a!.close();
  await expect.poll(() => runnerLockState(c!, queue), { timeout: 5_000 }).toEqual({ held: 1, pending: 1 });
  const after = await addAndWait(c!, 8);
  const runners = new Set(after.filter((job) => job.name === 'whereAmI').map((job) => job.value));
  expect(runners.size).toBe(1);
  expect(['B', 'C']).toContain([...runners][0]);
  const log = await readRunLog(c!);
  const newRuns = log.filter((run) => after.some((job) => job.id === run.jobId));
  expect(newRuns).toHaveLength(8);
  expect(new Set(newRuns.map((r) => r.tab))).toEqual(runners);
  // Every job ran once.
  for (const job of [...fromB, ...fromC, ...after]) expect(runsOf(log, job.id).map((r) => r.attempt)).toEqual([1]);
});

test('the runner tab closed mid-job: another tab runs the job again within a few seconds, as attempt 2, and the adder gets its result', async ({ context }) => {
  const queue = uniqueQueue('tabs-close');
  const [a, , c] = await openTabs(context, queue, ['A', 'B', 'C']);
  const id = await c!.evaluate(async () => (await window.harness.queue.add('attempt', 2_000)).id);
  await expect.poll(async () => runsOf(await readRunLog(c!), id).length, { timeout: 10_000 }).toBe(1);
  expect(runsOf(await readRunLog(c!), id)[0]!.tab).toBe('A');
  const outcome = c!.evaluate((jobId) => window.harness.outcome(jobId), id);
  const closedAt = Date.now();
  await a!.close();

  expect(await outcome).toEqual({ ok: true, value: 2 });
  const runs = runsOf(await readRunLog(c!), id);
  expect(runs.map((r) => [r.attempt, r.outcome])).toEqual([
    [1, undefined],
    [2, 'ok'],
  ]);
  expect(['B', 'C']).toContain(runs[1]!.tab);
  const restartedAfter = runs[1]!.start - closedAt;
  note('attempt 2 started after the close by', `${Math.round(restartedAfter)} ms`);
  expect(restartedAfter).toBeLessThan(3_000);
  const info = await c!.evaluate(async (jobId) => (await window.harness.queue.getJob(jobId))?.info(), id);
  expect(info).toMatchObject({ state: 'completed', attempt: 2 });
  expect(info!.history.map((h) => h.outcome)).toEqual(['stalled', 'completed']);
});

test('getJob(id).result works in a tab opened after the job finished, also once the tab that ran it is closed', async ({ context }) => {
  const queue = uniqueQueue('tabs-later');
  const a = await openTab(context, { queue, tab: 'A' });
  const id = await a.evaluate(async () => {
    const job = await window.harness.queue.add('echo', { hello: 'later' }, { jobId: 'finished-early' });
    await job.result;
    return job.id;
  });
  const b = await openTab(context, { queue, tab: 'B', worker: false });
  expect(await b.evaluate((jobId) => window.harness.outcome(jobId), id)).toEqual({ ok: true, value: { hello: 'later' } });
  await a.close();
  await b.close();
  const c = await openTab(context, { queue, tab: 'C' });
  expect(await c.evaluate((jobId) => window.harness.outcome(jobId), id)).toEqual({ ok: true, value: { hello: 'later' } });
  expect(await c.evaluate(async (jobId) => (await window.harness.queue.getJob(jobId))?.state(), id)).toBe('completed');
  expect(await c.evaluate(() => window.harness.queue.getJob('no-such-job'))).toBeUndefined();
  expect(runsOf(await readRunLog(c), id).map((r) => r.tab)).toEqual(['A']);
});
