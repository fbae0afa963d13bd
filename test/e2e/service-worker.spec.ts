// The service worker (serveQueue), network jobs (requiresNetwork, ctx.fetch) and periodic jobs (queue.schedule),
// end to end in real Chromium: the entries "Service worker killed mid-event", "Service worker time budget",
// "Offline", "HTTP errors in network jobs" and "Leader tab closed" (periodic slots) of the fault matrix in
// docs/guarantees.md.
//
// Pages: test/e2e/harness/sw-page.html (a queue with the service worker test/e2e/harness/sw.ts, which logs its
// events) and, for schedules without a service worker, the harness's index.html. Each test has a browser
// context of its own, so a service worker registered in one test is gone in the next.
// Background Sync: `context.setOffline(true)` keeps a `sync` tag pending and `setOffline(false)` fires it;
// CDP `ServiceWorker.dispatchSyncEvent` / `dispatchPeriodicSyncEvent` fire events at will.
//
// Timing bounds are loose on purpose: this runs on a shared 2-core machine.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { openTab, uniqueQueue } from './support/harness';
import {
  grantPeriodicSync,
  installSw,
  openBlank,
  openSwPage,
  periodicSyncTag,
  readRunLog,
  readSwLog,
  runsOf,
  startTestServer,
  SW_PAGE_URL,
  SwDevtools,
  syncTag,
  type RunEntry,
  type SwLogEntry,
  type TestServer,
} from './support/sw';

/** Notes a measured time in the test's annotations (printed too when OFFTHREAD_NOTES is set). */
function note(type: string, description: string): void {
  test.info().annotations.push({ type, description });
  if (process.env.OFFTHREAD_NOTES) console.log(`[${test.info().title.slice(0, 50)}] ${type}: ${description}`);
}

/** The events of type `type` (and tag `tag`) the service worker logged. */
function swEvents(log: SwLogEntry[], type: string, tag?: string): SwLogEntry[] {
  return log.filter((e) => e.kind === 'event' && e.type === type && (tag === undefined || e.tag === tag));
}

/** Waits until the service worker has logged `count` settled events of `type` (and `tag`); returns them all. */
async function waitForSettledEvents(page: Page, type: string, tag: string | undefined, count: number, timeout = 15_000): Promise<SwLogEntry[]> {
  await expect
    .poll(async () => swEvents(await readSwLog(page), type, tag).filter((e) => e.settledAt !== undefined).length, { timeout })
    .toBeGreaterThanOrEqual(count);
  return swEvents(await readSwLog(page), type, tag);
}

/** Waits until the run log shows the start of `jobId`'s run `attempt`; returns that run. */
async function waitForRunStart(page: Page, jobId: string, attempt = 1, timeout = 15_000): Promise<RunEntry> {
  await expect.poll(async () => runsOf(await readRunLog(page), jobId).some((run) => run.attempt === attempt), { timeout }).toBe(true);
  return runsOf(await readRunLog(page), jobId).find((run) => run.attempt === attempt)!;
}

/** Adds jobs in a sw-page; resolves with their ids. */
function addJobs(page: Page, jobs: Array<{ name: string; data: unknown; opts?: Record<string, unknown> }>): Promise<string[]> {
  return page.evaluate(async (list) => {
    const queue = window.swHarness.queue as unknown as {
      addBulk(jobs: unknown[]): Promise<Array<{ id: string }>>;
    };
    return (await queue.addBulk(list)).map((job) => job.id);
  }, jobs);
}

function stateOf(page: Page, id: string) {
  return page.evaluate(async (jobId) => {
    const info = await window.swHarness.info(jobId);
    return info && { state: info.state, attempt: info.attempt, ranBy: info.ranBy };
  }, id);
}

/**
 * Runs a job in the page, so that its worker is started (and stays for its idle timeout, 30 s): offline, the
 * worker's script could not be fetched from the dev server.
 */
async function warmUp(page: Page): Promise<void> {
  expect(await page.evaluate(() => window.swHarness.queue.run('echo', 'warm-up'))).toBe('warm-up');
}

/** Closes every page of the context. */
async function closeAll(context: BrowserContext): Promise<void> {
  for (const page of context.pages()) await page.close({ runBeforeUnload: false });
}

let server: TestServer | undefined;
test.afterEach(async () => {
  await server?.close();
  server = undefined;
});

test.describe('service worker', () => {
  // Was a bug, fixed in c624a1f (src/sw/serve-queue.ts, `activate`): the activation drain waited up to `lockWaitMs`
  // (30 s) for the runner lock, which the page that registered the service worker holds for as long as it lives:
  // the worker stayed `activating` for 30 s (the browser holds back its sync, periodicsync and message events meanwhile).
  test('activates promptly while a tab runs the queue', async ({ context }) => {
    const queue = uniqueQueue('sw-activate');
    const page = await context.newPage();
    await page.goto(`${SW_PAGE_URL}?${new URLSearchParams({ queue, tab: 'A' })}`);
    const registeredAt = Date.now();
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    expect(await page.evaluate(() => window.swHarness.swReady().then((sw) => sw.state))).toMatch(/^activat(ing|ed)$/);
    await page.evaluate(() => window.swHarness.swActivated());
    const took = Date.now() - registeredAt;
    note('activated after', `${took} ms`);
    expect(took).toBeLessThan(5_000);
  });

  // Was a bug, the same cause, as a user met it: while the new service worker is `activating`, the fetch of the
  // page's in-scope worker script waits for its activation, which waited for the lock the page holds: the pool
  // gave up after 10 s and queue.add rejected with WorkerCrashedError ("did not answer within 10000 ms of starting").
  test('a page without workers gives the jobs it adds their task defaults and checks their names, with the tasks the service worker stored as it activated', async ({ context }) => {
    const queue = uniqueQueue('sw-defaults');
    const page = await openSwPage(context, { queue, tab: 'A', worker: false });
    // No tab with workers has opened this queue: the tasks in the store can only come from the service worker.
    const storedTasks = () =>
      page.evaluate(
        (name) =>
          new Promise<string[]>((resolve, reject) => {
            const open = indexedDB.open(`offthread:${name}`);
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const get = open.result.transaction('meta').objectStore('meta').get('tasks');
              get.onsuccess = () => resolve(Object.keys((get.result as object | undefined) ?? {}));
              get.onerror = () => reject(get.error);
            };
          }),
        queue,
      );
    await expect.poll(storedTasks, { timeout: 10_000 }).toContain('upload');
    await context.setOffline(true);
    // `upload` is a network job by its task's default: added offline, it waits.
    const [id] = await addJobs(page, [{ name: 'upload', data: { url: 'http://127.0.0.1:9/upload' } }]);
    expect(await page.evaluate((jobId) => window.swHarness.info(jobId).then((info) => info?.requiresNetwork), id!)).toBe(true);
    const unknown = await page.evaluate(() => (window.swHarness.queue.add as (name: string, data: unknown) => Promise<unknown>)('nope', 1).then(() => 'added', (error: Error) => `${error.name}: ${error.message}`));
    expect(unknown).toMatch(/^InvalidJobError: Unknown task "nope": the worker serves .*"upload"/);
    await context.setOffline(false);
  });

  test("on a first visit, a page that runs the queue starts its workers and runs jobs while its service worker activates", async ({ context }) => {
    const queue = uniqueQueue('sw-first-visit');
    const page = await context.newPage();
    await page.goto(`${SW_PAGE_URL}?${new URLSearchParams({ queue, tab: 'A' })}`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    await page.evaluate(() => window.swHarness.swReady());
    const startedAt = Date.now();
    const value = await page.evaluate(() => window.swHarness.queue.run('echo', 'first').catch((error: Error) => `${error.name}: ${error.message}`));
    expect(value).toBe('first');
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  // Two pages may leave network jobs behind: one that only adds (its offline add is its first request for a
  // sync), and the one that ran the queue, which added a job just before going offline. (Once flaky for the
  // second: a drain while offline counted the waiting network jobs as no work left and let the sync end; and the
  // offline add's own request for a sync was dropped by a throttle.)
  for (const runsQueue of [false, true]) {
    const who = runsQueue ? 'the page that ran the queue' : 'a page that only adds';
    test(`runs network jobs left by ${who} once the network is back (Background Sync), and a new page reads their results`, async ({ context, browserName }) => {
    test.skip(browserName !== 'chromium', 'Background Sync: only Chromium has it (no SyncManager in Firefox); without it, no-background-sync.spec.ts holds the fallback, the next page load');
      server = await startTestServer((request) => ({ status: 200, body: `stored ${request.body}` }));
      const queue = uniqueQueue('sw-online');
      let page;
      if (runsQueue) {
        await installSw(context, { queue, tab: 'A' });
        page = await openSwPage(context, { queue, tab: 'A' });
        // The page's worker is started while online (offline, its script could not be loaded from the dev server).
        await warmUp(page);
      } else {
        page = await openSwPage(context, { queue, tab: 'A', worker: false });
      }
      await context.setOffline(true);
      const ids = await addJobs(
        page,
        ['a', 'b', 'c'].map((body) => ({ name: 'upload', data: { url: `${server!.url}/upload`, body } })),
      );
      await page.waitForTimeout(700);
      for (const id of ids) {
        // On failure, says who ran the job and why it failed, and what the service worker saw.
        const why = async () =>
          JSON.stringify({ job: await page.evaluate((jobId) => window.swHarness.info(jobId), id), sw: await readSwLog(page), runs: await readRunLog(page) });
        const state = await stateOf(page, id);
        if (state?.state !== 'waiting' || state.attempt !== 0) expect(state, await why()).toMatchObject({ state: 'waiting', attempt: 0 });
      }
      await closeAll(context);

      // No page is open; the sync the page asked for is pending while offline.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(server.requests).toHaveLength(0);
      const onlineAt = Date.now();
      await context.setOffline(false);
      await expect.poll(() => server!.requests.length, { timeout: 15_000 }).toBe(3);
      note('back online to the third upload received', `${Math.max(...server.requests.map((r) => r.at)) - onlineAt} ms`);
      expect(server.requests.map((r) => r.body).sort()).toEqual(['a', 'b', 'c']);

      // A page that makes no queue reads what the service worker did: a sync of this queue, fired once online, that succeeded.
      const blank = await openBlank(context);
      const syncs = await waitForSettledEvents(blank, 'sync', syncTag(queue), 1);
      const ran = syncs.find((e) => e.at >= onlineAt - 200 && e.outcome === 'fulfilled');
      expect(ran, JSON.stringify(syncs)).toBeDefined();
      const log = await readRunLog(blank);
      for (const id of ids) {
        const runs = runsOf(log, id).map((r) => [r.attempt, r.tab, r.outcome, r.start < onlineAt ? 'offline' : 'online']);
        // The service worker may take a job while its navigator.onLine still says online (the emulation reaches
        // it late): ctx.fetch finds the browser offline, and the job waits, its attempt not spent.
        expect(runs.at(-1), JSON.stringify(runs)).toEqual([1, 'service-worker', 'ok', 'online']);
        for (const early of runs.slice(0, -1)) expect(early, JSON.stringify(runs)).toEqual([1, 'service-worker', 'threw', 'offline']);
      }

      // A page opened later gets each result through getJob(id).result.
      const later = await openSwPage(context, { queue, tab: 'later' });
      const outcomes = await later.evaluate((jobIds) => Promise.all(jobIds.map((id) => window.swHarness.outcome(id))), ids);
      expect(outcomes).toEqual(
        ['a', 'b', 'c'].map((body) => ({ ok: true, value: { status: 200, body: `stored ${body}`, attempt: 1, ranIn: 'service-worker' } })),
      );
      for (const id of ids) expect(await stateOf(later, id)).toEqual({ state: 'completed', attempt: 1, ranBy: 'service-worker' });
    });
  }

  test('a sync (asked for by the page that added the jobs, and fired through CDP) runs the jobs of a page that does not run the queue; results, progress and events reach that page', async ({ context, browserName }) => {
    test.skip(browserName !== 'chromium', 'Fires a sync event through CDP ServiceWorker.dispatchSyncEvent: only Chromium has CDP and Background Sync');
    const queue = uniqueQueue('sw-cdp');
    const page = await openSwPage(context, { queue, tab: 'adder', worker: false });
    const [echo, sleep, where] = await addJobs(page, [
      { name: 'echo', data: { n: 1 } },
      { name: 'sleep', data: 400 },
      { name: 'whereAmI', data: null },
    ]);
    for (const id of [echo!, sleep!, where!]) await page.evaluate((jobId) => window.swHarness.follow(jobId), id);
    // This page has no workers: the sync it asked for when it added the jobs (or this one) runs them.

    const devtools = await SwDevtools.attach(context, page);
    await devtools.dispatchSync(syncTag(queue));
    await expect.poll(() => page.evaluate((id) => window.swHarness.followed(id)?.outcome, sleep!), { timeout: 15_000 }).toBeDefined();

    const followed = await page.evaluate((ids) => ids.map((id) => window.swHarness.followed(id)), [echo!, sleep!, where!]);
    expect(followed.map((f) => f?.outcome)).toEqual([
      { ok: true, value: { n: 1 } },
      { ok: true, value: 400 },
      { ok: true, value: 'service-worker' },
    ]);
    // ctx.progress in the service worker reaches job.onProgress in the page (the sleep task reports every 50 ms, up to 1).
    const progress = followed[1]!.progress as number[];
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(1);
    // ...and queue.on sees the service worker's events.
    const events = await page.evaluate(() => window.swHarness.events);
    for (const id of [echo!, sleep!, where!]) {
      expect(events.filter((e) => e.id === id).map((e) => e.event)).toEqual(expect.arrayContaining(['added', 'active', 'completed']));
    }
    expect(events.some((e) => e.id === sleep && e.event === 'progress')).toBe(true);
    expect(events.find((e) => e.id === echo && e.event === 'completed')?.result).toEqual({ n: 1 });

    const log = await readRunLog(page);
    expect([echo!, sleep!, where!].map((id) => runsOf(log, id).map((r) => r.tab))).toEqual([['service-worker'], ['service-worker'], ['service-worker']]);
    const [sync] = await waitForSettledEvents(page, 'sync', syncTag(queue), 1);
    expect(sync).toMatchObject({ outcome: 'fulfilled', lastChance: false });
  });

  test('killed mid-event (CDP ServiceWorker.stopAllWorkers), it loses nothing: the next sync runs the job again as attempt 2', async ({ context, browserName }) => {
    test.skip(browserName !== 'chromium', 'Fires a sync event and kills the service worker through CDP (dispatchSyncEvent, stopAllWorkers): only Chromium has CDP and Background Sync');
    const queue = uniqueQueue('sw-kill');
    const page = await openSwPage(context, { queue, tab: 'adder', worker: false });
    const [id] = await addJobs(page, [{ name: 'attempt', data: 2_500 }]);
    const devtools = await SwDevtools.attach(context, page);
    await devtools.dispatchSync(syncTag(queue));
    const first = await waitForRunStart(page, id!, 1);
    expect(first.tab).toBe('service-worker');
    expect(await stateOf(page, id!)).toMatchObject({ state: 'active', attempt: 1 });

    const killedAt = Date.now();
    await devtools.stopAllWorkers();
    await page.waitForTimeout(3_500);
    // The run was cut: it never logged its end, its event never settled, and the job waits for a runner.
    const log = await readRunLog(page);
    expect(runsOf(log, id!).map((r) => [r.attempt, r.end])).toEqual([[1, undefined]]);
    const [killedSync] = swEvents(await readSwLog(page), 'sync', syncTag(queue));
    expect(killedSync?.settledAt).toBeUndefined();
    expect(await stateOf(page, id!)).toMatchObject({ attempt: 1 });

    await devtools.dispatchSync(syncTag(queue));
    const outcome = await page.evaluate((jobId) => window.swHarness.outcome(jobId), id!);
    expect(outcome).toEqual({ ok: true, value: 2 });
    const runs = runsOf(await readRunLog(page), id!);
    expect(runs.map((r) => [r.attempt, r.tab, r.outcome])).toEqual([
      [1, 'service-worker', undefined],
      [2, 'service-worker', 'ok'],
    ]);
    expect(runs[1]!.start).toBeGreaterThan(killedAt);
    const info = await page.evaluate((jobId) => window.swHarness.info(jobId), id!);
    expect(info).toMatchObject({ state: 'completed', attempt: 2, ranBy: 'service-worker' });
    expect(info!.history.map((h) => [h.attempt, h.outcome])).toEqual([
      [1, 'stalled'],
      [2, 'completed'],
    ]);
    // A new service worker (another start of its script) ran the second sync.
    const swLog = await readSwLog(page);
    const syncs = swEvents(swLog, 'sync', syncTag(queue));
    // (The page asked for a sync when it added the job, so there may be one more than the two fired here.)
    expect(syncs.length).toBeGreaterThanOrEqual(2);
    expect(syncs.at(-1)!.instance).not.toBe(syncs[0]!.instance);
    expect(syncs.at(-1)!.outcome).toBe('fulfilled');
  });

  test('killed mid-event, its job is finished by the next page to open, as attempt 2', async ({ context, browserName }) => {
    test.skip(browserName !== 'chromium', 'Fires a sync event and kills the service worker through CDP (dispatchSyncEvent, stopAllWorkers): only Chromium has CDP and Background Sync');
    const queue = uniqueQueue('sw-kill-page');
    const page = await openSwPage(context, { queue, tab: 'adder', worker: false });
    const [id] = await addJobs(page, [{ name: 'attempt', data: 2_500 }]);
    const devtools = await SwDevtools.attach(context, page);
    await devtools.dispatchSync(syncTag(queue));
    await waitForRunStart(page, id!, 1);
    await devtools.stopAllWorkers();
    const killedAt = Date.now();

    const runner = await openSwPage(context, { queue, tab: 'R' });
    const outcome = await runner.evaluate((jobId) => window.swHarness.outcome(jobId), id!);
    expect(outcome).toEqual({ ok: true, value: 2 });
    // The page took it back as soon as it ran the queue (the dead service worker's owner lock was free), not after a lease.
    const runs = runsOf(await readRunLog(runner), id!);
    expect(runs.map((r) => [r.attempt, r.tab, r.outcome])).toEqual([
      [1, 'service-worker', undefined],
      [2, 'R', 'ok'],
    ]);
    expect(runs[1]!.start - killedAt).toBeLessThan(10_000);
  });

  test('with a small budgetMs, it stops starting jobs, hands back the one running, and its sync event settles within the budget (failing, so it is retried; on its last chance, not); the rest waits', async ({ context, browserName }) => {
    test.skip(browserName !== 'chromium', 'The budget is that of a sync event, fired by Background Sync or CDP dispatchSyncEvent: only Chromium has either');
    const queue = uniqueQueue('sw-budget');
    const budgetMs = 1_500;
    const page = await openSwPage(context, { queue, tab: 'adder', worker: false, budgetMs });
    const ids = await addJobs(page, Array.from({ length: 6 }, () => ({ name: 'sleep', data: 500 })));
    const devtools = await SwDevtools.attach(context, page);
    // The page asks for a sync when it adds jobs; fire one through CDP only if that did not come (a second event
    // would take the queue as soon as the first let go, and the states read below would be moving).
    const started = () => readSwLog(page).then((log) => swEvents(log, 'sync', syncTag(queue)).length > 0);
    await expect.poll(started, { timeout: 3_000 }).toBe(true).catch(() => devtools.dispatchSync(syncTag(queue)));

    const [sync] = await waitForSettledEvents(page, 'sync', syncTag(queue), 1);
    const took = sync!.settledAt! - sync!.at;
    note('sync event with budget 1500 ms took', `${took} ms`);
    // It used its budget (work was left), and ended soon after it: the budget is a deadline, not a hint.
    expect(took).toBeGreaterThanOrEqual(budgetMs - 100);
    expect(took).toBeLessThan(budgetMs + 1_000);
    // Work was left, and this was not the sync's last chance: it failed, so the browser fires it again later.
    expect(sync).toMatchObject({ outcome: 'rejected' });
    expect(sync!.error).toContain('left for a later sync');

    const states = await Promise.all(ids.map((id) => stateOf(page, id)));
    const completed = states.filter((s) => s?.state === 'completed');
    const waiting = states.filter((s) => s?.state === 'waiting');
    expect(completed.length).toBeGreaterThanOrEqual(1);
    expect(completed.length).toBeLessThan(ids.length);
    // The rest wait, or have just been claimed by the next sync (the page asked for one when it added them).
    const active = states.filter((s) => s?.state === 'active');
    expect(waiting.length + active.length).toBe(ids.length - completed.length);
    expect(active.length).toBeLessThanOrEqual(1);
    // The run cut off by the budget did not spend its attempt.
    for (const s of waiting) expect(s!.attempt).toBe(0);

    // The next event goes on where this one stopped. On its last chance, work left does not fail the event
    // (the browser would not fire it again): it is left for the next page.
    await devtools.dispatchSync(syncTag(queue), true);
    // (Other syncs may settle meanwhile: the page asked for one when it added the jobs.)
    await expect
      .poll(async () => swEvents(await readSwLog(page), 'sync', syncTag(queue)).find((e) => e.lastChance && e.settledAt !== undefined)?.outcome, {
        timeout: 15_000,
      })
      .toBe('fulfilled');
    const done = (await Promise.all(ids.map((id) => stateOf(page, id)))).filter((s) => s?.state === 'completed').length;
    expect(done).toBeGreaterThan(completed.length);
    expect(done).toBeLessThan(ids.length);

    const runner = await openSwPage(context, { queue, tab: 'R', budgetMs });
    const outcomes = await runner.evaluate((jobIds) => Promise.all(jobIds.map((id) => window.swHarness.outcome(id))), ids);
    expect(outcomes).toEqual(ids.map(() => ({ ok: true, value: 500 })));
  });

  // Was a bug, fixed in c624a1f (src/sw/serve-queue.ts runUntil, src/sw/in-thread-executor.ts): out of budget, the
  // run in progress was handed back to the store (attempt given back) but its handler was not aborted: it went on
  // in the service worker's thread, and the next event claimed the job again as the same attempt while the first
  // run still ran (seen: runs of attempt 1 over [0, 1756] and [1032, 2676] ms).
  test('the run a budget cuts off is aborted, and never overlaps its rerun by the next event', async ({ context, browserName }) => {
    test.skip(browserName !== 'chromium', 'Fires sync events through CDP ServiceWorker.dispatchSyncEvent: only Chromium has CDP and Background Sync');
    const queue = uniqueQueue('sw-budget-cut');
    const budgetMs = 1_000;
    const page = await openSwPage(context, { queue, tab: 'adder', worker: false, budgetMs });
    // Each job outlasts the budget: the first is cut off with about 500 ms of it left.
    const [id] = await addJobs(page, [{ name: 'sleep', data: 1_500 }]);
    const devtools = await SwDevtools.attach(context, page);
    await devtools.dispatchSync(syncTag(queue));
    await expect
      .poll(async () => swEvents(await readSwLog(page), 'sync', syncTag(queue)).some((e) => e.settledAt !== undefined), { intervals: [25], timeout: 10_000 })
      .toBe(true);
    // The next event, at once (as a page opening, or the browser's retry, could come).
    await devtools.dispatchSync(syncTag(queue));
    await waitForSettledEvents(page, 'sync', syncTag(queue), 2);
    await page.waitForTimeout(1_000);

    const runs = runsOf(await readRunLog(page), id!);
    const shown = JSON.stringify(runs.map((r) => ({ attempt: r.attempt, start: r.start - runs[0]!.start, end: r.end && r.end - runs[0]!.start, outcome: r.outcome })));
    expect(runs.length, shown).toBeGreaterThanOrEqual(2);
    // The first run was stopped at the budget (its ctx.signal aborted: the sleep task then throws), not left to finish...
    expect(runs[0]!.outcome, shown).toBe('threw');
    expect(runs[0]!.end! - runs[0]!.start).toBeLessThan(budgetMs + 300);
    // ...and it had ended before the next run of the job began.
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end ?? Infinity);
  });

  // Was racy before c624a1f: the page asked for a sync only on `visibilitychange` to hidden, and the
  // `registration.sync.register()` call a closing page makes during its teardown often never lands (seen: 4 runs
  // in 9). Since c624a1f the page also asks when it adds jobs.
  test('after the last page closed mid-job, the service worker finishes the job (the sync asked for on hide), and a new page reads it', async ({ context }) => {
    const queue = uniqueQueue('sw-last-close');
    await installSw(context, { queue, tab: 'A' });
    const page = await openSwPage(context, { queue, tab: 'A' });
    const [id] = await addJobs(page, [{ name: 'attempt', data: 1_500 }]);
    await waitForRunStart(page, id!, 1);
    await closeAll(context);
    const closedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 6_000));

    const blank = await openBlank(context);
    const runs = runsOf(await readRunLog(blank), id!);
    expect(runs.map((r) => [r.attempt, r.tab, r.outcome])).toEqual([
      [1, 'A', undefined],
      [2, 'service-worker', 'ok'],
    ]);
    expect(runs[1]!.start - closedAt).toBeLessThan(5_000);
    const later = await openSwPage(context, { queue, tab: 'later', worker: false });
    expect(await later.evaluate((jobId) => window.swHarness.outcome(jobId), id!)).toEqual({ ok: true, value: 2 });
  });
});

test.describe('network jobs', () => {
  test('a 503 with Retry-After: 1 is retried after at least about a second, and the job completes on attempt 2', async ({ context }) => {
    server = await startTestServer((_request, n) => (n === 1 ? { status: 503, headers: { 'Retry-After': '1' }, body: 'busy' } : { status: 200, body: 'ok' }));
    const queue = uniqueQueue('net-503');
    const page = await openSwPage(context, { queue, tab: 'A', sw: false });
    // A backoff far below a second: the wait before the retry is Retry-After's.
    const [id] = await addJobs(page, [{ name: 'upload', data: { url: `${server.url}/up`, body: 'x' }, opts: { attempts: 3, backoff: { type: 'fixed', delay: 50 } } }]);
    const outcome = await page.evaluate((jobId) => window.swHarness.outcome(jobId), id!);
    expect(outcome).toEqual({ ok: true, value: { status: 200, body: 'ok', attempt: 2, ranIn: 'A' } });
    expect(server.requests).toHaveLength(2);
    const gap = server.requests[1]!.at - server.requests[0]!.at;
    note('retry after a 503 with Retry-After: 1 came after', `${gap} ms`);
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(gap).toBeLessThan(6_000);
    const info = await page.evaluate((jobId) => window.swHarness.info(jobId), id!);
    expect(info).toMatchObject({ state: 'completed', attempt: 2 });
    expect(info!.history[0]).toMatchObject({ attempt: 1, outcome: 'failed', error: { name: 'FetchError', status: 503, retryAfterMs: 1_000 } });
    const events = await page.evaluate(() => window.swHarness.events);
    expect(events.find((e) => e.id === id && e.event === 'retrying')?.error).toMatch(/^FetchError: HTTP 503/);
  });

  test('a 400 fails the job at once, with UnrecoverableError as the cause, after one request', async ({ context }) => {
    server = await startTestServer(() => ({ status: 400, body: 'bad request' }));
    const queue = uniqueQueue('net-400');
    const page = await openSwPage(context, { queue, tab: 'A', sw: false });
    const [id] = await addJobs(page, [{ name: 'upload', data: { url: `${server.url}/up` }, opts: { attempts: 5, backoff: { type: 'fixed', delay: 50 } } }]);
    const outcome = await page.evaluate((jobId) => window.swHarness.outcome(jobId), id!);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toMatchObject({ name: 'JobFailedError', classes: ['JobFailedError'] });
    expect(outcome.error.cause).toMatchObject({ name: 'UnrecoverableError', classes: ['UnrecoverableError'], code: 'ERR_UNRECOVERABLE' });
    expect(outcome.error.cause!.message).toContain('HTTP 400');
    expect(outcome.error.cause!.cause).toMatchObject({ name: 'FetchError', status: 400 });
    // No retry comes later either.
    await page.waitForTimeout(1_000);
    expect(server.requests).toHaveLength(1);
    expect(await stateOf(page, id!)).toMatchObject({ state: 'failed', attempt: 1 });
  });

  // navigator.onLine says online, but the request gets no answer (a captive portal, a dead access point):
  // a network job is not spent on that, and its retries are spaced out, 1 s then 2 s.
  test('online but no answer: a requiresNetwork job is not failed; it is tried again after 1 s, then 2 s, and completes', async ({ context }) => {
    server = await startTestServer((_request, n) => (n <= 2 ? { status: 0 } : { status: 200, body: 'ok' }));
    const queue = uniqueQueue('net-no-answer');
    const page = await openSwPage(context, { queue, tab: 'A', sw: false });
    const [id] = await addJobs(page, [{ name: 'upload', data: { url: `${server.url}/up`, body: 'x' }, opts: { attempts: 1 } }]);
    const outcome = await page.evaluate((jobId) => window.swHarness.outcome(jobId), id!);
    expect(outcome).toEqual({ ok: true, value: { status: 200, body: 'ok', attempt: 1, ranIn: 'A' } });
    expect(server.requests).toHaveLength(3);
    const gaps = [1, 2].map((i) => server!.requests[i]!.at - server!.requests[i - 1]!.at);
    note('gaps between the tries', gaps.map((gap) => `${gap} ms`).join(', '));
    expect(gaps[0]).toBeGreaterThanOrEqual(900);
    expect(gaps[1]).toBeGreaterThanOrEqual(1_900);
    const info = await page.evaluate((jobId) => window.swHarness.info(jobId), id!);
    expect(info).toMatchObject({ state: 'completed', attempt: 1 });
  });

  test('offline, a requiresNetwork job waits without spending attempts (other jobs go on), and runs once back online', async ({ context }) => {
    server = await startTestServer(() => ({ status: 200, body: 'ok' }));
    const queue = uniqueQueue('net-offline');
    const page = await openSwPage(context, { queue, tab: 'A', sw: false });
    await warmUp(page);
    await context.setOffline(true);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    // `upload` is a network job by its task's default; `echo` is not, and is given the option per job.
    const [upload, echoNet, echo] = await addJobs(page, [
      { name: 'upload', data: { url: `${server.url}/up`, body: 'later' }, opts: { attempts: 2 } },
      { name: 'echo', data: 'needs the network', opts: { requiresNetwork: true } },
      { name: 'echo', data: 'runs offline' },
    ]);
    expect(await page.evaluate((id) => window.swHarness.outcome(id), echo!)).toEqual({ ok: true, value: 'runs offline' });
    await page.waitForTimeout(1_500);
    expect(await stateOf(page, upload!)).toMatchObject({ state: 'waiting', attempt: 0 });
    expect(await stateOf(page, echoNet!)).toMatchObject({ state: 'waiting', attempt: 0 });
    expect(server.requests).toHaveLength(0);
    expect(runsOf(await readRunLog(page), upload!)).toHaveLength(0);

    const onlineAt = Date.now();
    await context.setOffline(false);
    const outcomes = await page.evaluate((ids) => Promise.all(ids.map((id) => window.swHarness.outcome(id))), [upload!, echoNet!]);
    expect(outcomes).toEqual([
      { ok: true, value: { status: 200, body: 'ok', attempt: 1, ranIn: 'A' } },
      { ok: true, value: 'needs the network' },
    ]);
    note('back online to both network jobs done', `${Date.now() - onlineAt} ms`);
    expect(Date.now() - onlineAt).toBeLessThan(10_000);
    expect(server.requests).toHaveLength(1);
  });
});

test.describe('periodic jobs', () => {
  /** The slot jobs of schedule `id`, by slot time. */
  async function slotJobs(page: Page, id: string) {
    const jobs = await page.evaluate(async (prefix) => {
      const list = await window.harness.queue.list({ limit: 1_000 });
      return list.filter((job) => job.id.startsWith(prefix)).map((job) => ({ id: job.id, state: job.state, createdAt: job.createdAt }));
    }, `${id}@`);
    return jobs.map((job) => ({ ...job, slot: Date.parse(job.id.slice(id.length + 1)) })).sort((a, b) => a.slot - b.slot);
  }

  test('with two tabs open, each slot of an `every: 1000` schedule becomes one job, run once, also across a change of runner tab', async ({ context }) => {
    const queue = uniqueQueue('every');
    const a = await openTab(context, { queue, tab: 'A' });
    await a.waitForFunction(async (name) => ((await navigator.locks.query()).held ?? []).some((l) => l.name === name), `offthread:${queue}:runner`);
    const b = await openTab(context, { queue, tab: 'B' });
    // Scheduled from the tab that does not run the queue: the runner tab hears of it.
    await b.evaluate(() => window.harness.queue.schedule('tick', { every: 1_000 }, { name: 'echo', data: 'tick' }));
    await b.waitForTimeout(4_300);
    const closedAt = Date.now();
    await a.close();
    // A tab lives until its close() resolves (Firefox takes 60-150 ms over WebDriver BiDi): a slot due meanwhile may still start in A.
    const goneAt = Date.now();
    await b.waitForTimeout(3_300);
    await b.evaluate(() => window.harness.queue.unschedule('tick'));
    await b.waitForTimeout(700);

    const jobs = await slotJobs(b, 'tick');
    const slots = jobs.map((j) => j.slot);
    expect(new Set(slots).size).toBe(slots.length);
    expect(jobs.length).toBeGreaterThanOrEqual(5);
    // Slots are the schedule's: one period apart (a longer gap only where catch-up skipped slots, at most once, at the handover).
    const gaps = slots.slice(1).map((slot, i) => slot - slots[i]!);
    for (const gap of gaps) expect(gap % 1_000).toBe(0);
    expect(gaps.filter((gap) => gap > 1_000).length).toBeLessThanOrEqual(1);
    for (const job of jobs) expect(job.state).toBe('completed');
    // Each slot's job ran once: before the close in A, after it in B.
    const log = await readRunLog(b);
    for (const job of jobs) {
      const runs = runsOf(log, job.id);
      expect(runs.map((r) => r.attempt), job.id).toEqual([1]);
      if (runs[0]!.start < closedAt) expect(runs[0]!.tab).toBe('A');
      else if (runs[0]!.start >= goneAt) expect(runs[0]!.tab).toBe('B');
      else expect(['A', 'B']).toContain(runs[0]!.tab);
    }
    expect(jobs.some((j) => runsOf(log, j.id)[0]!.tab === 'A')).toBe(true);
    expect(jobs.some((j) => runsOf(log, j.id)[0]!.tab === 'B')).toBe(true);
  });

  test("slots missed while no page was open are caught up on reopen by one job (catchUp: 'latest')", async ({ context }) => {
    const queue = uniqueQueue('catchup');
    let page = await openTab(context, { queue, tab: 'A' });
    await page.evaluate(() => window.harness.queue.schedule('beat', { every: 1_000, catchUp: 'latest' }, { name: 'echo', data: 'beat' }));
    await expect.poll(async () => (await slotJobs(page, 'beat')).filter((j) => j.state === 'completed').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await page.close();
    const closedAt = Date.now();

    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const reopenedAt = Date.now();
    page = await openTab(context, { queue, tab: 'B' });
    await expect.poll(async () => (await slotJobs(page, 'beat')).some((j) => j.createdAt >= reopenedAt), { timeout: 10_000 }).toBe(true);
    await page.evaluate(() => window.harness.queue.unschedule('beat'));

    const after = await slotJobs(page, 'beat');
    // (A slot may have come due while the page was closing: the last job before is the last one made by then.)
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
    expect(caughtUp.filter((j) => j.slot < first.slot)).toEqual([]);
    await expect.poll(async () => (await page.evaluate((id) => window.harness.queue.getJob(id).then((j) => j?.state()), first.id))).toBe('completed');
    expect(await page.evaluate((id) => window.harness.outcome(id), first.id)).toEqual({ ok: true, value: 'beat' });
  });

  test('a periodicsync event (CDP, permission granted) makes the service worker add and run a due slot while no page is open', async ({ context, browserName }) => {
    test.skip(browserName !== 'chromium', 'Periodic Background Sync, and CDP to grant and fire it: only Chromium has them; without it, missed slots are caught up on reopen (tested in every engine)');
    const queue = uniqueQueue('sw-periodic');
    await installSw(context, { queue, tab: 'A' });
    const page = await openSwPage(context, { queue, tab: 'A' });
    const grant = await grantPeriodicSync(context, page);
    // A period long enough that a closing page's sync (which materialises due slots too) comes before the first slot.
    const schedule = await page.evaluate(() => window.swHarness.queue.schedule('beat', { every: 3_000 }, { name: 'whereAmI', data: null }));
    await closeAll(context);

    // Let the first slot come due with no page open (and any sync a closing page asked for come and go).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, schedule.nextRunAt - Date.now()) + 500));
    const blank = await openBlank(context);
    const beats = async () => (await readRunLog(blank)).filter((run) => run.jobId.startsWith('beat@'));
    expect(await beats()).toEqual([]);
    const devtools = await SwDevtools.attach(context, blank);
    const dispatchedAt = Date.now();
    await devtools.dispatchPeriodicSync(periodicSyncTag(queue));
    const [event] = await waitForSettledEvents(blank, 'periodicsync', periodicSyncTag(queue), 1);
    expect(event).toMatchObject({ outcome: 'fulfilled' });
    // One job, for the latest due slot (catchUp 'latest'), added and run by the service worker in that event.
    const runs = await beats();
    expect(runs.map((r) => [r.attempt, r.tab, r.outcome])).toEqual([[1, 'service-worker', 'ok']]);
    const slotId = runs[0]!.jobId;
    const slot = Date.parse(slotId.slice('beat@'.length));
    expect((slot - schedule.nextRunAt) % 3_000).toBe(0);
    expect(slot).toBeGreaterThanOrEqual(schedule.nextRunAt);
    expect(slot).toBeLessThanOrEqual(dispatchedAt + 100);

    const later = await openSwPage(context, { queue, tab: 'later', worker: false });
    expect(await later.evaluate((id) => window.swHarness.outcome(id), slotId)).toEqual({ ok: true, value: 'service-worker' });
    const info = await later.evaluate((id) => window.swHarness.info(id), slotId);
    expect(info).toMatchObject({ state: 'completed', attempt: 1, ranBy: 'service-worker' });
    expect(info!.createdAt).toBeGreaterThanOrEqual(dispatchedAt - 100);
    const jobs = await later.evaluate(() => window.swHarness.queue.list({ limit: 100 }));
    expect(jobs.map((j) => j.id)).toEqual([slotId]);
    await later.evaluate(() => window.swHarness.queue.unschedule('beat'));
    await grant.detach();
  });

  // Was a bug, fixed in c624a1f (src/client/queue.ts): nothing called ServiceWorkerLink.registerPeriodic, so no
  // page registered the `offthread:<queue>:periodic` tag and the browser never fired `periodicsync`.
  test('a page with a service worker and a schedule registers Periodic Background Sync for the queue (permission granted)', async ({ context, browserName }) => {
    test.skip(browserName !== 'chromium', 'Periodic Background Sync: only Chromium has it (no PeriodicSyncManager in Firefox)');
    const queue = uniqueQueue('sw-periodic-reg');
    await installSw(context, { queue, tab: 'A' });
    const page = await openSwPage(context, { queue, tab: 'A' });
    const grant = await grantPeriodicSync(context, page);
    expect(await page.evaluate(() => navigator.permissions.query({ name: 'periodic-background-sync' as PermissionName }).then((s) => s.state))).toBe('granted');
    await page.evaluate(() => window.swHarness.queue.schedule('beat', { every: 60_000 }, { name: 'echo', data: 'beat' }));
    const tags = () =>
      page.evaluate(async () => {
        const registration = (await window.swHarness.queue.serviceWorkerRegistration) as ServiceWorkerRegistration & {
          periodicSync?: { getTags(): Promise<string[]> };
        };
        return registration.periodicSync ? await registration.periodicSync.getTags() : ['(no periodicSync)'];
      });
    await expect.poll(tags, { timeout: 5_000 }).toContain(periodicSyncTag(queue));
    await grant.detach();
  });
});
