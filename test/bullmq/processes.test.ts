// serveBullmq in real child processes: two share the load; one killed mid-job is recovered by BullMQ's
// stalled-job check, and the job's stream gets one result.
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, startServeChild } from './support/child';
import { queueName, readEvents, serveBridge, type SseEvent } from './support/harness';
import { serverTasks } from './fixtures/server-tasks';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killAll();
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function bridgeOn(queue: string) {
  const bridge = await serveBridge({ queue, tasks: serverTasks, authorize: () => true });
  cleanups.push(() => bridge.close());
  return bridge;
}

describe('serveBullmq processes', () => {
  it('two processes share the load: both run jobs, and every job completes once', async () => {
    const queue = queueName('share');
    const bridge = await bridgeOn(queue);
    const [a, b] = await Promise.all([startServeChild(queue), startServeChild(queue)]);
    const ids = Array.from({ length: 12 }, (_, i) => `share-${i}`);
    for (const id of ids) expect((await bridge.add({ id, name: 'steps', data: { n: 2, ms: 60 } })).status).toBe(201);
    const streams = await Promise.all(ids.map((id) => readEvents(`${bridge.url}/${id}/events`)));
    const results = streams.map((events) => {
      expect(events.filter((event) => event.type === 'completed')).toHaveLength(1);
      return events.at(-1)!.data.result as { pid: number };
    });
    const byPid = new Map<number, number>();
    for (const { pid } of results) byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
    expect([...byPid.keys()].sort()).toEqual([a.pid, b.pid].sort());
    await Promise.all([a.stop(), b.stop()]);
  });

  it('a process killed mid-job: another one takes the stalled job, and the stream gets one result', async () => {
    const queue = queueName('stalled');
    const bridge = await bridgeOn(queue);
    // A short lock, so the killed process's lock runs out soon, and a frequent stalled check in the next one.
    const fast = { LOCK_MS: '1000', STALLED_MS: '500' };
    const first = await startServeChild(queue, fast);
    await bridge.add({ id: 'stalled-1', name: 'steps', data: { n: 10, ms: 150 } });
    let killed: Promise<void> | undefined;
    let second: ReturnType<typeof startServeChild> | undefined;
    const events: SseEvent[] = await readEvents(`${bridge.url}/stalled-1/events`, {
      timeoutMs: 30_000,
      stopAfter: (event) => {
        // Once the first process has run a few steps, kill it, then start the next.
        if (!killed && event.type === 'progress' && (event.data.progress as number) >= 0.3) {
          killed = first.kill();
          second = killed.then(() => startServeChild(queue, fast));
        }
        return false;
      },
    });
    await killed;
    const survivor = await second!;
    const completed = events.filter((event) => event.type === 'completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.data.result).toEqual({ steps: 10, attempt: 2, pid: survivor.pid });
    expect(events.map((event) => event.type)).toContain('waiting');
    const job = await bridge.queue.getJob('stalled-1');
    expect(job?.returnvalue).toEqual({ steps: 10, attempt: 2, pid: survivor.pid });
    await survivor.stop();
  });
});
