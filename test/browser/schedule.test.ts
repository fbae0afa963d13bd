// Periodic jobs in a real page: slots become jobs in the runner tab, once each; catch-up after absence.
import { describe, expect, it } from 'vitest';
import { IdbJobStore } from '../../src/store/idb-job-store';
import { useTestQueues } from './support/test-queues';

const makeQueue = useTestQueues('sched');

describe('schedules', () => {
  it('adds a job at each slot of an `every` schedule, named after the slot', async () => {
    const queue = makeQueue();
    const done: Array<{ id: string; result: unknown }> = [];
    queue.on('completed', ({ job, result }) => done.push({ id: job.id, result }));
    const made = await queue.schedule('heartbeat', { every: 1_000 }, { name: 'echo', data: 'beat' });
    expect(made.nextRunAt - made.createdAt).toBe(1_000);
    await expect.poll(() => done.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    expect(done[0]!.id).toBe(`heartbeat@${new Date(made.nextRunAt).toISOString()}`);
    expect(done[0]!.result).toBe('beat');
    const [info] = await queue.schedules();
    expect(info!.lastRunAt).toBeGreaterThanOrEqual(made.nextRunAt);
    expect(await queue.unschedule('heartbeat')).toBe(true);
    expect(await queue.unschedule('heartbeat')).toBe(false);
    expect(await queue.schedules()).toEqual([]);
  });

  it('keeps firing after a retention sweep (one follows a drain once 500 jobs have finished)', async () => {
    const queue = makeQueue({ storage: 'memory', retention: { completed: { count: 10 } } });
    await queue.schedule('tick', { every: 1_000 }, { name: 'echo', data: 'tick' });
    const jobs = await queue.addBulk(Array.from({ length: 520 }, () => ({ name: 'noop' as const })));
    await Promise.all(jobs.map((j) => j.result));
    // The sweep runs a second after the queue drains; then the schedule must still add its slots.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await expect.poll(async () => (await queue.counts()).completed, { timeout: 3_000 }).toBeLessThanOrEqual(12);
    const ticks = new Promise((resolve) => queue.on('completed', ({ job }) => job.id.startsWith('tick@') && resolve(job.id)));
    expect(await ticks).toMatch(/^tick@/);
  });

  it('validates the job against the tasks, and cron patterns through croner', async () => {
    const queue = makeQueue();
    // @ts-expect-error: not a task
    await expect(queue.schedule('x', { every: 5_000 }, { name: 'nope', data: 1 })).rejects.toThrow(/^Unknown task "nope"/);
    await expect(queue.schedule('y', { cron: '61 * * * *' }, { name: 'echo', data: 1 })).rejects.toThrow(/^Invalid schedule "y"/);
    const nightly = await queue.schedule('nightly', { cron: '0 3 * * *', tz: 'Asia/Tokyo' }, { name: 'echo', data: 'n' });
    expect(new Date(nightly.nextRunAt).getUTCHours()).toBe(18);
  });

  it('runs a schedule made by a tab that does not run the queue, once the runner tab hears of it', async () => {
    const runner = makeQueue();
    const done: string[] = [];
    runner.on('completed', ({ job }) => done.push(job.id));
    // The runner tab leads with no schedule stored (its schedule code is not loaded yet).
    await runner.run('echo', 'warm');
    const other = makeQueue({ name: runner.name, worker: undefined });
    await other.schedule('from-elsewhere', { every: 1_000 }, { name: 'echo', data: 'hi' });
    await expect.poll(() => done.filter((id) => id.startsWith('from-elsewhere@')).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
  });

  for (const [catchUp, expected] of [['latest', 1], ['all', 5], ['none', 0]] as const) {
    it(`catches up slots missed while nothing ran the queue: '${catchUp}' adds ${expected}`, async () => {
      const name = `catchup-${catchUp}-${crypto.randomUUID()}`;
      const now = Date.now();
      // A schedule whose last five slots passed while no page was open.
      const store = await IdbJobStore.open(name, { now: Date.now, random: Math.random });
      await store.putSchedule({
        id: 'missed', spec: { every: 60_000, catchUp }, job: { name: 'echo', data: 'late' },
        // Slots 275, 215, 155, 95 and 35 s ago: the latest is late by more than half a period, so 'none' skips it.
        nextRunAt: now - 4 * 60_000 - 35_000, lastRunAt: undefined, createdAt: now - 6 * 60_000,
      });
      store.close();
      const queue = makeQueue({ name });
      // Once the schedule has moved past now, the runner tab has dealt with the missed slots.
      await expect.poll(async () => (await queue.schedules())[0]!.nextRunAt, { timeout: 3_000 }).toBeGreaterThan(now);
      await expect.poll(async () => (await queue.counts()).completed, { timeout: 3_000 }).toBe(expected);
      const all = Object.values(await queue.counts()).reduce((a, b) => a + b);
      expect(all).toBe(expected);
    });
  }
});
