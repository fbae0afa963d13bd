// The service worker and schedules in WebKit, which has no Background Sync (SyncManager) and no Periodic
// Background Sync: what a page leaves behind is finished by the next page to open, by the service worker as
// it activates, or by the service worker when a page that hides asks it by message (the library's stand-in for
// a `sync`); schedule slots missed while no page was open are caught up when one opens.
//
// Pages: test/e2e/harness/sw-page.html (a queue with the service worker test/e2e/harness/sw.ts, which logs its
// events) and the harness's index.html. Each test has a browser of its own (a fresh profile), so a service
// worker registered in one test is gone in the next.
import { afterEach, beforeEach, expect, test } from 'vitest';
import { HARNESS_ORIGIN, openSwPage, openTab, pollUntil, readRunLog, readSwLog, runsOf, uniqueQueue } from './support/harness';
import { WebKit, type Tab } from './support/webkit';

let webkit: WebKit;
beforeEach(async () => {
  webkit = await WebKit.start();
});
afterEach(async () => {
  await webkit?.end();
});

const BLANK_URL = `${HARNESS_ORIGIN}/test/e2e/harness/blank.html`;

/** Adds jobs in a sw-page; resolves with their ids. */
function addJobs(tab: Tab, jobs: Array<{ name: string; data: unknown; opts?: Record<string, unknown> }>): Promise<string[]> {
  return tab.evaluate(async (list: typeof jobs) => {
    const queue = window.swHarness.queue as unknown as { addBulk(jobs: unknown[]): Promise<Array<{ id: string }>> };
    return (await queue.addBulk(list)).map((job) => job.id);
  }, jobs);
}

/** Installs and activates the service worker of sw-pages on `queue`, from a page that does not run the queue, then closes it. */
async function installSw(queue: string): Promise<void> {
  const page = await openSwPage(webkit, { queue, tab: 'installer', worker: false });
  await page.close();
}

test('WebKit has no Background Sync and no Periodic Background Sync here (what the other tests stand in for)', async () => {
  const queue = uniqueQueue('wk-sw-features');
  const page = await openSwPage(webkit, { queue, tab: 'A', worker: false });
  const features = await page.evaluate(async () => {
    const registration = (await window.swHarness.queue.serviceWorkerRegistration) as ServiceWorkerRegistration & { sync?: unknown; periodicSync?: unknown };
    return {
      SyncManager: typeof (window as unknown as { SyncManager?: unknown }).SyncManager,
      PeriodicSyncManager: typeof (window as unknown as { PeriodicSyncManager?: unknown }).PeriodicSyncManager,
      sync: registration.sync === undefined,
      periodicSync: registration.periodicSync === undefined,
      locks: typeof navigator.locks?.request,
      active: registration.active?.state,
    };
  });
  expect(features).toEqual({ SyncManager: 'undefined', PeriodicSyncManager: 'undefined', sync: true, periodicSync: true, locks: 'function', active: 'activated' });
});

test('jobs left by a page closed mid-job are finished by the next page to open: the cut run again as attempt 2, the waiting ones once', async () => {
  const queue = uniqueQueue('wk-next-page');
  const a = await openTab(webkit, { queue, tab: 'A', concurrency: 1 });
  const ids = await a.evaluate(async () => {
    const q = window.harness.queue;
    const jobs = await q.addBulk([
      // Long enough to be still running when the close lands, on a loaded machine too.
      { name: 'attempt' as const, data: 6_000, opts: { jobId: 'cut' } },
      { name: 'echo' as const, data: 'one', opts: { jobId: 'left-1' } },
      { name: 'echo' as const, data: 'two', opts: { jobId: 'left-2' } },
    ]);
    return jobs.map((job) => job.id);
  });
  await pollUntil(async () => runsOf(await readRunLog(a), 'cut').length, (n) => n === 1, { what: 'the first run to start' });
  // A blank window keeps the session alive while the only page of the queue closes.
  const blank = await webkit.open(BLANK_URL);
  const closedAt = Date.now();
  await a.close();
  expect((await readRunLog(blank)).map((r) => r.jobId)).toEqual(['cut']);

  const b = await openTab(webkit, { queue, tab: 'B' });
  const outcomes = await b.evaluate((list: string[]) => Promise.all(list.map((id) => window.harness.outcome(id))), ids);
  expect(outcomes).toEqual([
    { ok: true, value: 2 },
    { ok: true, value: 'one' },
    { ok: true, value: 'two' },
  ]);
  const log = await readRunLog(b);
  expect(runsOf(log, 'cut').map((r) => [r.tab, r.attempt, r.end === undefined ? 'never ended' : r.outcome])).toEqual([
    ['A', 1, 'never ended'],
    ['B', 2, 'ok'],
  ]);
  for (const id of ['left-1', 'left-2']) expect(runsOf(log, id).map((r) => [r.tab, r.attempt, r.outcome])).toEqual([['B', 1, 'ok']]);
  expect(runsOf(log, 'cut')[1]!.start).toBeGreaterThan(closedAt);
  expect(await b.evaluate(() => window.harness.queue.counts())).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 3, failed: 0, cancelled: 0 });
});

test('jobs left by a page without a runner are run by the service worker as it activates, and a later page reads their results', async () => {
  const queue = uniqueQueue('wk-sw-activate');
  // A page with no workers and no service worker: it stores jobs that nothing runs.
  const adder = await openSwPage(webkit, { queue, tab: 'adder', worker: false, sw: false });
  const ids = await addJobs(adder, [
    { name: 'echo', data: { n: 1 } },
    { name: 'sleep', data: 300 },
    { name: 'whereAmI', data: null },
  ]);
  await new Promise((r) => setTimeout(r, 500));
  expect(await adder.evaluate(() => window.swHarness.queue.counts())).toMatchObject({ waiting: 3, active: 0, completed: 0 });
  const blank = await webkit.open(BLANK_URL);
  await adder.close();
  expect(await readRunLog(blank)).toEqual([]);

  // A page that registers the service worker, and runs nothing itself: the worker's activation drains the queue.
  const registeredAt = Date.now();
  const page = await openSwPage(webkit, { queue, tab: 'watcher', worker: false });
  const outcomes = await page.evaluate((list: string[]) => Promise.all(list.map((id) => window.swHarness.outcome(id))), ids);
  expect(outcomes).toEqual([
    { ok: true, value: { n: 1 } },
    { ok: true, value: 300 },
    { ok: true, value: 'service-worker' },
  ]);
  const log = await readRunLog(page);
  for (const id of ids) expect(runsOf(log, id).map((r) => [r.tab, r.attempt, r.outcome])).toEqual([['service-worker', 1, 'ok']]);
  const swLog = await readSwLog(page);
  const activate = swLog.find((e) => e.kind === 'event' && e.type === 'activate');
  expect(activate?.at).toBeGreaterThanOrEqual(registeredAt - 100);
  // Run in the activation, not by a message: no `message` event came before the jobs ran.
  const firstRun = Math.min(...ids.map((id) => runsOf(log, id)[0]!.start));
  expect(swLog.filter((e) => e.kind === 'event' && e.type === 'message' && e.at < firstRun)).toEqual([]);
  for (const id of ids) {
    expect(await page.evaluate(async (jobId: string) => (await window.swHarness.info(jobId))?.ranBy, id)).toBe('service-worker');
  }
});

test('jobs added by a page without workers are run by the service worker at once, asked by message (no Background Sync); results, progress and events reach the page', async () => {
  const queue = uniqueQueue('wk-sw-message');
  const page = await openSwPage(webkit, { queue, tab: 'adder', worker: false });
  const [echo, sleep] = await addJobs(page, [
    { name: 'echo', data: 'by message' },
    { name: 'sleep', data: 400 },
  ]);
  await page.evaluate((id: string) => window.swHarness.follow(id), sleep!);
  const outcomes = await page.evaluate((list: string[]) => Promise.all(list.map((id) => window.swHarness.outcome(id))), [echo!, sleep!]);
  expect(outcomes).toEqual([
    { ok: true, value: 'by message' },
    { ok: true, value: 400 },
  ]);
  const followed = await page.evaluate((id: string) => window.swHarness.followed(id), sleep!);
  const progress = followed!.progress as number[];
  expect(progress.length).toBeGreaterThan(0);
  expect(progress.at(-1)).toBe(1);
  const events = await page.evaluate(() => window.swHarness.events);
  for (const id of [echo!, sleep!]) expect(events.filter((e) => e.id === id).map((e) => e.event)).toEqual(expect.arrayContaining(['added', 'active', 'completed']));
  const log = await readRunLog(page);
  expect([echo!, sleep!].map((id) => runsOf(log, id).map((r) => r.tab))).toEqual([['service-worker'], ['service-worker']]);
  const messages = (await readSwLog(page)).filter((e) => e.kind === 'event' && e.type === 'message');
  expect(messages.length).toBeGreaterThanOrEqual(1);
  expect(messages.every((e) => e.outcome !== 'rejected')).toBe(true);
});

test('the last page closed mid-job: the service worker, asked by message (the stand-in for Background Sync), finishes the job as attempt 2 while no page is open', async () => {
  const queue = uniqueQueue('wk-sw-last-close');
  await installSw(queue);
  const page = await openSwPage(webkit, { queue, tab: 'A' });
  // Long enough to be still running when the close lands, on a loaded machine too.
  const [id] = await addJobs(page, [{ name: 'attempt', data: 6_000 }]);
  await pollUntil(async () => runsOf(await readRunLog(page), id!).length, (n) => n === 1, { what: 'the first run to start in the page' });
  expect(runsOf(await readRunLog(page), id!)[0]!.tab).toBe('A');
  // The only other window shows a page of another origin: no page of the harness origin is open.
  const elsewhere = await webkit.open('about:blank');
  const closedAt = Date.now();
  await page.close();
  await new Promise((r) => setTimeout(r, 5_000));

  const openedAt = Date.now();
  const blank = await webkit.open(BLANK_URL);
  await elsewhere.close();
  const runs = await pollUntil(async () => runsOf(await readRunLog(blank), id!), (r) => r.some((run) => run.outcome !== undefined), {
    timeout: 30_000,
    what: 'a run of the job to end',
  });
  expect(runs.map((r) => [r.attempt, r.tab, r.outcome])).toEqual([
    [1, 'A', undefined],
    [2, 'service-worker', 'ok'],
  ]);
  // It started while no page of the origin was open.
  expect(runs[1]!.start).toBeGreaterThan(closedAt);
  expect(runs[1]!.start).toBeLessThan(openedAt);
  // It was asked by message (the page asks when it adds and when it hides), never by a `sync` event.
  const swEvents = (await readSwLog(blank)).filter((e) => e.kind === 'event');
  expect(swEvents.filter((e) => e.type === 'sync')).toEqual([]);
  expect(swEvents.filter((e) => e.type === 'message' && e.outcome === 'fulfilled').length).toBeGreaterThanOrEqual(1);
  const later = await openSwPage(webkit, { queue, tab: 'later', worker: false });
  expect(await later.evaluate((jobId: string) => window.swHarness.outcome(jobId), id!)).toEqual({ ok: true, value: 2 });
  expect(await later.evaluate(async (jobId: string) => (await window.swHarness.info(jobId))?.ranBy, id!)).toBe('service-worker');
});

/** The slot jobs of schedule `id` in a harness tab, by slot time. */
async function slotJobs(tab: Tab, id: string) {
  const jobs = await tab.evaluate(async (prefix: string) => {
    const list = await window.harness.queue.list({ limit: 1_000 });
    return list.filter((job) => job.id.startsWith(prefix)).map((job) => ({ id: job.id, state: job.state, createdAt: job.createdAt }));
  }, `${id}@`);
  return jobs.map((job) => ({ ...job, slot: Date.parse(job.id.slice(id.length + 1)) })).sort((a, b) => a.slot - b.slot);
}

test("slots of a schedule missed while no page was open are caught up on reopen by one job (catchUp: 'latest'), with no Periodic Background Sync", async () => {
  const queue = uniqueQueue('wk-catchup');
  let page = await openTab(webkit, { queue, tab: 'A' });
  await page.evaluate(() => window.harness.queue.schedule('beat', { every: 1_000, catchUp: 'latest' }, { name: 'echo', data: 'beat' }));
  await pollUntil(async () => (await slotJobs(page, 'beat')).filter((j) => j.state === 'completed').length, (n) => n >= 1, { timeout: 10_000, what: 'a first beat' });
  const blank = await webkit.open(BLANK_URL);
  await page.close();
  const closedAt = Date.now();

  await new Promise((r) => setTimeout(r, 4_500));
  const reopenedAt = Date.now();
  page = await openTab(webkit, { queue, tab: 'B' });
  await blank.close();
  await pollUntil(async () => (await slotJobs(page, 'beat')).some((j) => j.createdAt >= reopenedAt), Boolean, { timeout: 10_000, what: 'a beat after the reopen' });
  await page.evaluate(() => window.harness.queue.unschedule('beat'));

  const after = await slotJobs(page, 'beat');
  const lastBefore = Math.max(...after.filter((j) => j.createdAt <= closedAt).map((j) => j.slot));
  // Nothing was added while no page was open.
  expect(after.filter((j) => j.createdAt > closedAt && j.createdAt < reopenedAt)).toEqual([]);
  const caughtUp = after.filter((j) => j.slot > lastBefore);
  // The first job after the reopen is for the latest missed slot, made at the reopen; the slots between have none.
  const first = caughtUp[0]!;
  expect(first.createdAt).toBeGreaterThanOrEqual(reopenedAt);
  expect(first.slot).toBeGreaterThan(reopenedAt - 1_000 - 100);
  expect(first.slot).toBeLessThanOrEqual(first.createdAt);
  expect(first.slot - lastBefore).toBeGreaterThanOrEqual(3_000);
  await pollUntil(() => page.evaluate((id: string) => window.harness.queue.getJob(id).then((j) => j?.state()), first.id), (s) => s === 'completed', { what: 'the caught-up job to complete' });
  expect(await page.evaluate((id: string) => window.harness.outcome(id), first.id)).toEqual({ ok: true, value: 'beat' });
});
