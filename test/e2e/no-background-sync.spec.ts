// Where Background Sync and Periodic Background Sync are missing (Firefox, WebKit), what the README promises
// instead: work a closed page left is done by the service worker when it can (as it activates, or on the
// message a hiding page sends it), and by the next page load at the latest; periodic slots missed while no
// page was open are caught up on reopen (service-worker.spec.ts, in every engine). Run in every Playwright
// engine: in Chromium the same paths must hold beside Background Sync. Each test first checks what the engine has,
// so that a Firefox run is known to have gone without it.
//
// Timing bounds are loose on purpose: this runs on a shared 2-core machine.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { openBlank, openSwPage, readRunLog, runsOf, startTestServer, type TestServer } from './support/sw';
import { uniqueQueue } from './support/harness';

/** Whether the engine has Background Sync and Periodic Background Sync, seen from a page of the harness origin. */
function syncFeatures(page: Page) {
  return page.evaluate(() => ({ sync: 'SyncManager' in window, periodicSync: 'PeriodicSyncManager' in window }));
}

/** Adds jobs in a sw-page; resolves with their ids. */
function addJobs(page: Page, jobs: Array<{ name: string; data: unknown; opts?: Record<string, unknown> }>): Promise<string[]> {
  return page.evaluate(async (list) => {
    const queue = window.swHarness.queue as unknown as { addBulk(jobs: unknown[]): Promise<Array<{ id: string }>> };
    return (await queue.addBulk(list)).map((job) => job.id);
  }, jobs);
}

function stateOf(page: Page, id: string) {
  return page.evaluate(async (jobId) => {
    const info = await window.swHarness.info(jobId);
    return info && { state: info.state, attempt: info.attempt, ranBy: info.ranBy };
  }, id);
}

async function closeAll(context: BrowserContext): Promise<void> {
  for (const page of context.pages()) await page.close({ runBeforeUnload: false });
}

let server: TestServer | undefined;
test.afterEach(async () => {
  await server?.close();
  server = undefined;
});

test('the engine has Background Sync and Periodic Background Sync only in Chromium', async ({ context, browserName }) => {
  const page = await openBlank(context);
  expect(await syncFeatures(page)).toEqual(browserName === 'chromium' ? { sync: true, periodicSync: true } : { sync: false, periodicSync: false });
});

test('jobs a closed page left with no service worker are run by the service worker as it activates, and the next page reads their results', async ({ context }) => {
  const queue = uniqueQueue('nbs-activate');
  // A page that only adds (no workers, no service worker) leaves three jobs and closes.
  const adder = await openSwPage(context, { queue, tab: 'adder', worker: false, sw: false });
  const ids = await addJobs(adder, [
    { name: 'echo', data: 'one' },
    { name: 'echo', data: 'two' },
    { name: 'whereAmI', data: null },
  ]);
  await adder.close();

  // The next visit registers the service worker; the page runs nothing (no workers): the activation does.
  const page = await openSwPage(context, { queue, tab: 'next', worker: false });
  const outcomes = await page.evaluate((jobIds) => Promise.all(jobIds.map((id) => window.swHarness.outcome(id))), ids);
  expect(outcomes).toEqual([
    { ok: true, value: 'one' },
    { ok: true, value: 'two' },
    { ok: true, value: 'service-worker' },
  ]);
  for (const id of ids) expect(await stateOf(page, id)).toEqual({ state: 'completed', attempt: 1, ranBy: 'service-worker' });
  const log = await readRunLog(page);
  expect(ids.map((id) => runsOf(log, id).map((run) => [run.attempt, run.tab, run.outcome]))).toEqual(ids.map(() => [[1, 'service-worker', 'ok']]));
});

test('jobs a page left as it closed mid-run are finished by the next page load, each once', async ({ context }) => {
  const queue = uniqueQueue('nbs-next-load');
  // No service worker at all: only the next page can finish them.
  const first = await openSwPage(context, { queue, tab: 'A', sw: false, concurrency: 1 });
  const ids = await addJobs(first, [
    { name: 'attempt', data: 3_000 },
    { name: 'echo', data: 'waiting behind it' },
  ]);
  await expect.poll(async () => runsOf(await readRunLog(first), ids[0]!).length, { timeout: 15_000 }).toBe(1);
  const closedAt = Date.now();
  await closeAll(context);

  const next = await openSwPage(context, { queue, tab: 'B', sw: false });
  const outcomes = await next.evaluate((jobIds) => Promise.all(jobIds.map((id) => window.swHarness.outcome(id))), ids);
  expect(outcomes).toEqual([
    { ok: true, value: 2 },
    { ok: true, value: 'waiting behind it' },
  ]);
  const log = await readRunLog(next);
  const runs = runsOf(log, ids[0]!);
  expect(runs.map((run) => [run.attempt, run.tab, run.outcome])).toEqual([
    [1, 'A', undefined],
    [2, 'B', 'ok'],
  ]);
  expect(runs[1]!.start).toBeGreaterThan(closedAt);
  expect(runsOf(log, ids[1]!).map((run) => [run.attempt, run.tab, run.outcome])).toEqual([[1, 'B', 'ok']]);
});

test('network jobs left offline by a closed page run once, on the next page load back online', async ({ context }) => {
  server = await startTestServer((request) => ({ status: 200, body: `stored ${request.body}` }));
  const queue = uniqueQueue('nbs-offline');
  // No service worker: Playwright's offline emulation does not reach Firefox's service workers (their fetches
  // went out while the pages were offline), so here the page is all there is, and the next one runs the jobs.
  const adder = await openSwPage(context, { queue, tab: 'adder', worker: false, sw: false });
  await context.setOffline(true);
  expect(await adder.evaluate(() => navigator.onLine)).toBe(false);
  const ids = await addJobs(
    adder,
    ['a', 'b', 'c'].map((body) => ({ name: 'upload', data: { url: `${server!.url}/upload`, body } })),
  );
  for (const id of ids) expect(await stateOf(adder, id)).toMatchObject({ state: 'waiting', attempt: 0 });
  await closeAll(context);
  expect(server.requests).toHaveLength(0);
  await context.setOffline(false);

  const next = await openSwPage(context, { queue, tab: 'next', sw: false });
  const outcomes = await next.evaluate((jobIds) => Promise.all(jobIds.map((id) => window.swHarness.outcome(id))), ids);
  expect(outcomes).toEqual(['a', 'b', 'c'].map((body) => ({ ok: true, value: { status: 200, body: `stored ${body}`, attempt: 1, ranIn: 'next' } })));
  expect(server.requests.map((request) => request.body).sort()).toEqual(['a', 'b', 'c']);
  for (const id of ids) expect(await stateOf(next, id)).toMatchObject({ state: 'completed', attempt: 1 });
});
