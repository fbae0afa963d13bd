// The service worker's drain, run here in a page's thread (it needs only IndexedDB, Web Locks and BroadcastChannel):
// what other tabs tell it on the queue's channel while it drains.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock';
import { resolveJobOptions } from '../../src/job/job-options';
import { IdbJobStore } from '../../src/store/idb-job-store';
import { drainQueue } from '../../src/sw/serve-queue';
import { defineTasks } from '../../src/task/define-tasks';
import type { QueueMessage } from '../../src/tabs/queue-channel';

/** A queue of its own, with `count` jobs of `name` stored; `post` speaks on its channel as another tab would. */
async function storedQueue(name: string, count: number) {
  const queue = `sw-drain-${crypto.randomUUID()}`;
  const store = await IdbJobStore.open(queue, { now: () => systemClock.now(), random: Math.random });
  const added = await store.add(Array.from({ length: count }, (_, i) => resolveJobOptions(name, i, {}, systemClock.now())));
  const channel = new BroadcastChannel(`offthread:${queue}`);
  return {
    queue,
    store,
    ids: added.map(({ job }) => job.id),
    post: (message: QueueMessage) => channel.postMessage(message),
    close: () => (channel.close(), store.close()),
  };
}

/** Resolves once `check` holds, looking every few ms. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('drainQueue: messages from other tabs while it drains', () => {
  it('a pause told by a page stops it starting jobs: the run under way ends and is recorded, the others wait', async () => {
    const started: number[] = [];
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const tasks = defineTasks({
      slow: async (n: number) => {
        started.push(n);
        await gate;
        return n;
      },
    });
    const q = await storedQueue('slow', 3);
    try {
      const drain = drainQueue({ queue: q.queue, tasks }, 60_000);
      await until(() => started.length === 1);
      // As queue.pause() in a page: the pause is stored, then told.
      await q.store.setMeta('paused', true);
      q.post({ type: 'paused', paused: true });
      // Told before the run ends: give the message its turn.
      await new Promise((resolve) => setTimeout(resolve, 50));
      finish();
      const report = await drain;
      expect(report).toMatchObject({ ran: true, settled: 1 });
      expect(started).toEqual([0]);
      expect(await q.store.get(q.ids[0]!)).toMatchObject({ state: 'completed', result: 0 });
      for (const id of q.ids.slice(1)) expect(await q.store.get(id)).toMatchObject({ state: 'waiting', attempt: 0 });
    } finally {
      finish();
      q.close();
    }
  });

  for (const removed of [true, false]) {
    const how = removed ? 'removed' : 'cancelled';
    it(`a job ${how} in a page stops its run here, its handler told it was ${how}`, async () => {
      const running: number[] = [];
      const reasons: string[] = [];
      const tasks = defineTasks({
        waits: (n: number, ctx) =>
          new Promise<never>((_resolve, reject) => {
            running.push(n);
            ctx.signal.addEventListener('abort', () => {
              reasons.push((ctx.signal.reason as Error).message);
              reject(ctx.signal.reason);
            });
          }),
      });
      const q = await storedQueue('waits', 1);
      const [id] = q.ids as [string];
      try {
        const drain = drainQueue({ queue: q.queue, tasks }, 60_000);
        await until(() => running.length === 1);
        // As queue.remove() or queue.cancel() in a page: the store first, then the message.
        if (removed) await q.store.remove([id]);
        else await q.store.commit([{ id, action: { type: 'cancel', error: { name: 'JobCancelledError', message: `Job ${id} was cancelled` } } }]);
        q.post({ type: 'stop', id, removed });
        const report = await drain;
        expect(reasons).toEqual([`Job ${id} was ${how}`]);
        expect(report).toMatchObject({ ran: true, settled: 0, left: 0 });
        expect(await q.store.get(id)).toEqual(removed ? undefined : expect.objectContaining({ state: 'cancelled' }));
      } finally {
        q.close();
      }
    });
  }
});
