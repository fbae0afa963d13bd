// Network jobs offline and back in WebKit. WebDriver classic has no network emulation, so the browser runs in a
// network namespace of its own whose network the test really takes away (support/offline-lab.ts): the default
// route, which WebKitGTK's navigator.onLine follows, and the server the jobs upload to. The library decides it is
// offline from navigator.onLine (a network job is not started while it says false, and ctx.fetch calls a failed
// request offline when it does), and goes on at the `online` event.
import { afterEach, beforeEach, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../e2e/support/sw';
import { HARNESS_ORIGIN, openSwPage, pollUntil, readRunLog, runsOf, uniqueQueue } from './support/harness';
import { OfflineLab, whyNoNetworkNamespace } from './support/offline-lab';
import type { Tab, WebKit } from './support/webkit';

const noNamespace = whyNoNetworkNamespace();

let server: TestServer | undefined;
let lab: OfflineLab | undefined;
let webkit: WebKit | undefined;
beforeEach(async () => {
  server = await startTestServer(() => ({ status: 200, body: 'ok' }));
});
afterEach(async () => {
  await webkit?.end();
  await lab?.stop();
  await server?.close();
  webkit = lab = server = undefined;
});

function stateOf(page: Tab, id: string) {
  return page.evaluate(async (jobId: string) => {
    const info = await window.swHarness.info(jobId);
    return info && { state: info.state, attempt: info.attempt };
  }, id);
}

test.skipIf(noNamespace)(`offline, a requiresNetwork job waits without spending attempts (other jobs go on), and runs once back online${noNamespace ? ` (skipped: ${noNamespace})` : ''}`, async () => {
  lab = await OfflineLab.start([Number(new URL(HARNESS_ORIGIN).port)], [Number(new URL(server!.url).port)]);
  webkit = await lab.browser();
  const queue = uniqueQueue('wk-offline');
  const page = await openSwPage(webkit, { queue, tab: 'A', sw: false });
  await page.evaluate(() => {
    const w = window as unknown as { networkEvents: string[] };
    w.networkEvents = [];
    for (const type of ['online', 'offline']) addEventListener(type, () => w.networkEvents.push(type));
  });
  expect(await page.evaluate(() => navigator.onLine)).toBe(true);
  // The page's worker is started while online (its script comes from the harness server, which stays up anyway).
  expect(await page.evaluate(() => window.swHarness.queue.run('echo', 'warm-up'))).toBe('warm-up');

  await lab.setOnline(false);
  await pollUntil(() => page.evaluate(() => navigator.onLine), (onLine) => onLine === false, { timeout: 15_000, what: 'navigator.onLine to say offline' });
  expect(await page.evaluate(() => (window as unknown as { networkEvents: string[] }).networkEvents)).toEqual(['offline']);
  // The network is gone for the page, not only said to be: the upload server cannot be reached.
  expect(await page.evaluate((url: string) => fetch(url, { method: 'POST', body: 'probe' }).then(() => 'answered', (error: Error) => error.name), `${server!.url}/probe`)).toBe('TypeError');

  const url = `${server!.url}/up`;
  const [upload, echoNet, echo] = await page.evaluate(async (uploadUrl: string) => {
    const q = window.swHarness.queue as unknown as { addBulk(jobs: unknown[]): Promise<Array<{ id: string }>> };
    const jobs = await q.addBulk([
      { name: 'upload', data: { url: uploadUrl, body: 'later' }, opts: { attempts: 2 } },
      { name: 'echo', data: 'needs the network', opts: { requiresNetwork: true } },
      { name: 'echo', data: 'runs offline' },
    ]);
    return jobs.map((job) => job.id);
  }, url);
  expect(await page.evaluate((id: string) => window.swHarness.outcome(id), echo!)).toEqual({ ok: true, value: 'runs offline' });
  await new Promise((r) => setTimeout(r, 1_500));
  expect(await stateOf(page, upload!)).toEqual({ state: 'waiting', attempt: 0 });
  expect(await stateOf(page, echoNet!)).toEqual({ state: 'waiting', attempt: 0 });
  expect(server!.requests).toHaveLength(0);
  expect(runsOf(await readRunLog(page), upload!)).toHaveLength(0);

  await lab.setOnline(true);
  const outcomes = await page.evaluate((ids: string[]) => Promise.all(ids.map((id) => window.swHarness.outcome(id))), [upload!, echoNet!]);
  expect(outcomes).toEqual([
    { ok: true, value: { status: 200, body: 'ok', attempt: 1, ranIn: 'A' } },
    { ok: true, value: 'needs the network' },
  ]);
  expect(await page.evaluate(() => (window as unknown as { networkEvents: string[] }).networkEvents)).toEqual(['offline', 'online']);
  expect(server!.requests.map((r) => [r.method, r.path, r.body])).toEqual([['POST', '/up', 'later']]);
  expect(runsOf(await readRunLog(page), upload!).map((r) => [r.attempt, r.outcome])).toEqual([[1, 'ok']]);
});

// Where Background Sync is missing, the page stands in for it: a page that runs no queue itself, and added a network
// job while offline, asks the service worker (by message) to run it when the `online` event comes.
test.skipIf(noNamespace)(`a network job added offline by a page without workers is run by the service worker once back online${noNamespace ? ` (skipped: ${noNamespace})` : ''}`, async () => {
  lab = await OfflineLab.start([Number(new URL(HARNESS_ORIGIN).port)], [Number(new URL(server!.url).port)]);
  webkit = await lab.browser();
  const queue = uniqueQueue('wk-offline-sw');
  const page = await openSwPage(webkit, { queue, tab: 'adder', worker: false });
  await lab.setOnline(false);
  await pollUntil(() => page.evaluate(() => navigator.onLine), (onLine) => onLine === false, { timeout: 15_000, what: 'navigator.onLine to say offline' });
  const [id] = await page.evaluate(async (uploadUrl: string) => {
    const q = window.swHarness.queue as unknown as { addBulk(jobs: unknown[]): Promise<Array<{ id: string }>> };
    return (await q.addBulk([{ name: 'upload', data: { url: uploadUrl, body: 'from the service worker' } }])).map((job) => job.id);
  }, `${server!.url}/up`);
  await new Promise((r) => setTimeout(r, 2_000));
  expect(await stateOf(page, id!)).toEqual({ state: 'waiting', attempt: 0 });
  expect(server!.requests).toHaveLength(0);

  const onlineAt = Date.now();
  await lab.setOnline(true);
  const outcome = await page.evaluate((jobId: string) => window.swHarness.outcome(jobId), id!);
  expect(outcome).toEqual({ ok: true, value: { status: 200, body: 'ok', attempt: 1, ranIn: 'service-worker' } });
  expect(server!.requests.map((r) => r.body)).toEqual(['from the service worker']);
  expect(server!.requests[0]!.at).toBeGreaterThan(onlineAt);
  const runs = runsOf(await readRunLog(page), id!);
  expect(runs.map((r) => [r.attempt, r.tab, r.outcome])).toEqual([[1, 'service-worker', 'ok']]);
});
