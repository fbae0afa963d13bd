import { expect, test } from '@playwright/test';
import { openTab, uniqueQueue } from './support/harness';

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
