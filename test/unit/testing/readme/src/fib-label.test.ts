import { expect, test } from 'vitest';
import { createTestQueue } from 'offthread/testing';
import { tasks } from './tasks';
import { fibLabel } from './fib-label';

test('fibLabel shows the result of its job', async () => {
  const queue = createTestQueue(tasks); // handlers run in this thread: no Worker, no IndexedDB
  expect(await fibLabel(queue, 30)).toBe('fib(30) = 832040');
  await queue.close();
});

test('a delayed job runs when the clock gets there', async () => {
  const queue = createTestQueue(tasks);
  const job = await queue.add('fib', 10, { delay: 60_000 });
  await queue.clock.advance(59_999);
  expect(await job.state()).toBe('delayed');
  await queue.clock.advance(1);
  expect(await job.result).toBe(55);
  await queue.close();
});
