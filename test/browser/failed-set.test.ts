// The failed set as BullMQ users know it: review, retry, remove, clean, and retention.
import { describe, expect, it } from 'vitest';
import { JobCancelledError } from '../../src/index';
import { useTestQueues } from './support/test-queues';

const makeQueue = useTestQueues('failed');

const settle = (p: Promise<unknown>) => p.then(() => 'ok', () => 'rejected');

for (const storage of ['indexeddb', 'memory'] as const) {
  describe(`the failed set (${storage})`, () => {
    it('keeps the attempt history of a failed job, each run with its error', async () => {
      const queue = makeQueue({ storage });
      const job = await queue.add('fail', 'nope', { attempts: 3, backoff: { type: 'fixed', delay: 5 } });
      await settle(job.result);
      const [failed] = await queue.list({ state: 'failed' });
      expect(failed!.id).toBe(job.id);
      expect(failed!.history.map((h) => [h.attempt, h.outcome, h.error?.message])).toEqual([
        [1, 'failed', 'nope'],
        [2, 'failed', 'nope'],
        [3, 'failed', 'nope'],
      ]);
      expect(failed!.history.every((h) => h.finishedAt >= (h.startedAt ?? 0))).toBe(true);
    });

    it('retries one failed job from its first attempt, and all of them', async () => {
      const queue = makeQueue({ storage });
      const jobs = await queue.addBulk([
        { name: 'failUntil', data: { succeedOn: 2 } },
        { name: 'failUntil', data: { succeedOn: 2 } },
        { name: 'failUntil', data: { succeedOn: 2 } },
      ]);
      await Promise.all(jobs.map((j) => settle(j.result)));
      expect((await queue.counts()).failed).toBe(3);

      expect(await queue.retry(jobs[0].id)).toBe(true);
      expect(await queue.retry(jobs[0].id)).toBe(false);
      // A retried job starts over at attempt 1, so this handler fails again: it needs attempt 2.
      await settle((await queue.getJob(jobs[0].id))!.result);
      expect((await jobs[0].info())!.attempt).toBe(1);

      expect(await queue.retryAll()).toBe(3);
      await Promise.all(jobs.map(async (j) => settle((await queue.getJob(j.id))!.result)));
      expect((await queue.counts()).failed).toBe(3);
      const history = (await jobs[0].info())!.history;
      expect(history.length).toBe(3);
    });

    it('removes a job in any state; a running one is stopped and its result rejects', async () => {
      const queue = makeQueue({ storage });
      const done = await queue.add('add', { a: 1, b: 1 });
      await done.result;
      expect(await queue.remove(done.id)).toBe(true);
      expect(await queue.getJob(done.id)).toBeUndefined();
      expect(await queue.remove(done.id)).toBe(false);

      const active = new Promise<void>((resolve) => queue.on('active', ({ job }) => job.name === 'abortable' && resolve()));
      const running = await queue.add('abortable', null);
      const result = running.result;
      await active;
      expect(await queue.remove(running.id)).toBe(true);
      await expect(result).rejects.toThrow(JobCancelledError);
      expect(await queue.run('add', { a: 2, b: 2 })).toBe(4);
    });

    it('cleans finished jobs by state and age, oldest first', async () => {
      const queue = makeQueue({ storage });
      const jobs = await queue.addBulk(Array.from({ length: 6 }, (_, i) => ({ name: 'echo' as const, data: i })));
      await Promise.all(jobs.map((j) => j.result));
      const failed = await queue.add('fail', 'x');
      await settle(failed.result);

      expect(await queue.clean({ state: 'completed', olderThan: 60_000 })).toEqual([]);
      const removed = await queue.clean({ state: 'completed', limit: 4 });
      expect(removed).toHaveLength(4);
      expect((await queue.counts())).toMatchObject({ completed: 2, failed: 1 });
      expect(await queue.clean({ state: 'completed' })).toHaveLength(2);
      expect((await queue.counts())).toMatchObject({ completed: 0, failed: 1 });
      await expect(queue.clean({ state: 'waiting' as 'completed' })).rejects.toThrow(
        "Expected `state` to be 'completed', 'failed' or 'cancelled', got `\"waiting\"` (string)",
      );
    });

    it('keeps finished jobs as retention says, failed ones apart from completed ones', async () => {
      // One at a time, so they finish in the order they were added.
      const queue = makeQueue({ storage, concurrency: 1, retention: { completed: { count: 2 }, failed: false } });
      const failed = await queue.add('fail', 'kept');
      await settle(failed.result);
      const jobs = await queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'echo' as const, data: i })));
      await Promise.all(jobs.map((j) => j.result));
      // The runner tab sweeps soon after it starts and after many jobs finish; close() and reopen sweeps at start.
      await expect.poll(async () => (await queue.counts()).completed, { timeout: 5_000 }).toBeLessThanOrEqual(5);
      if (storage === 'indexeddb') {
        const name = queue.name;
        await queue.close();
        const again = makeQueue({ storage, name, retention: { completed: { count: 2 }, failed: false } });
        await expect.poll(async () => (await again.counts()).completed, { timeout: 5_000 }).toBe(2);
        expect((await again.counts()).failed).toBe(1);
        const kept = await again.list({ state: 'completed' });
        expect(kept.map((j) => j.data).sort()).toEqual([3, 4]);
      }
    });
  });
}

describe('retention sweeps wait for a quiet queue', () => {
  it('a burst is not slowed by deleting: the sweep follows the drain, not the 500th job', async () => {
    const queue = makeQueue({ storage: 'memory', retention: { completed: { count: 10 } } });
    const burst = await queue.addBulk(Array.from({ length: 600 }, () => ({ name: 'noop' as const })));
    // Last in line, it keeps the queue busy for a while after the 600 are done.
    const slow = await queue.add('sleep', 1_500, { priority: -1 });
    await Promise.all(burst.map((j) => j.result));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await slow.state()).toBe('active');
    expect((await queue.counts()).completed).toBe(600);
    await slow.result;
    // Drained: a second later, the sweep.
    await expect.poll(async () => (await queue.counts()).completed, { timeout: 5_000 }).toBe(10);
  });

  it('under load that never drains, a sweep still runs after 10,000 finished jobs', async () => {
    const queue = makeQueue({ storage: 'memory', retention: { completed: { count: 10 } } });
    const slow = await queue.add('sleep', 4_000, { priority: -1 });
    const burst = await queue.addBulk(Array.from({ length: 10_000 }, () => ({ name: 'noop' as const })));
    await Promise.all(burst.map((j) => j.result));
    await expect.poll(async () => (await queue.counts()).completed, { timeout: 3_000 }).toBe(10);
    // Swept while the queue was still busy.
    expect(await slow.state()).toBe('active');
  });
});

describe('storage', () => {
  it('refuses nonsense retention options', () => {
    expect(() => makeQueue({ retention: { completed: { count: -1 } } })).toThrow(
      'Expected `retention.completed.count` to be an integer from 0 and up, got `-1` (number)',
    );
    expect(() => makeQueue({ retention: { done: false } as never })).toThrow('Unknown retention state `done`; expected completed, failed or cancelled');
  });

  it('reports usage, quota and whether storage is persistent', async () => {
    const queue = makeQueue({ persist: true });
    const info = await queue.storageInfo();
    expect(typeof info.persisted).toBe('boolean');
    expect(info.quota).toBeGreaterThan(0);
    expect(info.usage).toBeGreaterThanOrEqual(0);
  });
});
