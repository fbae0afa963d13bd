// Tabs in WebKit: windows of one browser on one queue. The runner tab (the holder of the queue's Web Lock) runs
// every job; closed mid-job, another window takes the queue over at once and runs the job again.
import { afterEach, beforeEach, expect, test } from 'vitest';
import { openTab, pollUntil, readRunLog, runnerLockState, runsOf, uniqueQueue } from './support/harness';
import { WebKit, type Tab } from './support/webkit';

let webkit: WebKit;
beforeEach(async () => {
  webkit = await WebKit.start();
});
afterEach(async () => {
  await webkit?.end();
});

/** Opens tabs one after the other, each once the one before is in line for the runner lock, so the first runs the queue. */
async function openTabs(queue: string, labels: string[]): Promise<Tab[]> {
  const tabs: Tab[] = [];
  for (const [i, label] of labels.entries()) {
    const tab = await openTab(webkit, { queue, tab: label });
    tabs.push(tab);
    await pollUntil(() => runnerLockState(tab, queue), (s) => s.held === 1 && s.pending === i, { what: `tab ${label} in line for the runner lock` });
  }
  return tabs;
}

test('a job added in one tab is run by the runner tab, and its result, progress and events reach the tab that added it', async () => {
  const queue = uniqueQueue('wk-tabs');
  const [, b] = await openTabs(queue, ['A', 'B']);
  const seen = await b!.evaluate(async () => {
    const q = window.harness.queue;
    const job = await q.add('sleep', 400);
    const progress: unknown[] = [];
    job.onProgress((value) => progress.push(value));
    const value = await job.result;
    const where = await q.run('whereAmI', null);
    return { id: job.id, value, progress, where };
  });
  expect(seen.value).toBe(400);
  expect(seen.where).toBe('A');
  const progress = seen.progress as number[];
  expect(progress.length).toBeGreaterThanOrEqual(2);
  expect(progress.at(-1)).toBe(1);
  const events = (await b!.evaluate(() => window.harness.events)).filter((e) => e.id === seen.id);
  expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['added', 'active', 'progress', 'completed']));
  expect(events.find((e) => e.event === 'completed')).toMatchObject({ state: 'completed', attempt: 1, result: 400 });
  expect(runsOf(await readRunLog(b!), seen.id).map((r) => r.tab)).toEqual(['A']);
});

test('the runner tab closed mid-job: another tab takes the queue over, runs the job again as attempt 2, and the adder gets its result', async () => {
  const queue = uniqueQueue('wk-tabs-close');
  const [a, , c] = await openTabs(queue, ['A', 'B', 'C']);
  const id = await c!.evaluate(async () => (await window.harness.queue.add('attempt', 5_000)).id);
  await pollUntil(async () => runsOf(await readRunLog(c!), id).length, (n) => n === 1, { what: 'the first run to start' });
  expect(runsOf(await readRunLog(c!), id)[0]!.tab).toBe('A');
  await c!.evaluate((jobId: string) => {
    (window as unknown as { awaited: unknown }).awaited = window.harness.outcome(jobId);
  }, id);
  const closedAt = Date.now();
  await a!.close();

  // The lock went to a tab in line: one holds it, the other still waits.
  expect(await pollUntil(() => runnerLockState(c!, queue), (s) => s.pending === 1, { what: 'the lock to pass on' })).toEqual({ held: 1, pending: 1 });
  const outcome = await c!.evaluate(() => (window as unknown as { awaited: Promise<unknown> }).awaited);
  expect(outcome).toEqual({ ok: true, value: 2 });
  const runs = runsOf(await readRunLog(c!), id);
  expect(runs.map((r) => [r.attempt, r.outcome])).toEqual([
    [1, undefined],
    [2, 'ok'],
  ]);
  expect(['B', 'C']).toContain(runs[1]!.tab);
  // From the lock's release, not a 30 s lease.
  expect(runs[1]!.start - closedAt).toBeLessThan(5_000);
  const info = await c!.evaluate(async (jobId: string) => (await window.harness.queue.getJob(jobId))?.info(), id);
  expect(info).toMatchObject({ state: 'completed', attempt: 2 });
  expect(info!.history.map((h) => h.outcome)).toEqual(['stalled', 'completed']);
});
