// The Runner picks jobs in priority order, within its concurrency, when they are due.
import { describe, expect, it } from 'vitest';
import { thrown, useHarness } from './support/runner-harness';

const { create, started } = useHarness();

describe('Runner: order and concurrency', () => {
  it('runs higher priority first, then first in, first out', async () => {
    const h = create({ concurrency: 1 });
    await h.add(
      { data: 'low-1', opts: { priority: 0 } },
      { data: 'high-1', opts: { priority: 10 } },
      { data: 'mid-1', opts: { priority: 5 } },
      { data: 'high-2', opts: { priority: 10 } },
      { data: 'low-2', opts: { priority: 0 } },
      { data: 'negative', opts: { priority: -1 } },
    );
    await h.runner.start();
    await h.settle();
    const order: unknown[] = [];
    while (h.executor.open.length > 0) {
      const [run] = h.executor.open;
      order.push(run!.request.data);
      run!.succeed();
      await h.settle();
    }
    expect(order).toEqual(['high-1', 'high-2', 'mid-1', 'low-1', 'low-2', 'negative']);
  });

  it('never has more runs in flight than its concurrency', async () => {
    const h = await started({ concurrency: 3 });
    await h.add(...Array.from({ length: 20 }, (_, i) => ({ data: i })));
    h.runner.wake();
    await h.settle();
    expect(h.executor.inFlight).toBe(3);
    expect(h.runner.running).toBe(3);
    // End runs out of order, a few at a time.
    while (h.executor.open.length > 0) {
      const open = h.executor.open;
      open[open.length - 1]!.succeed();
      if (open.length > 1) open[0]!.fail(thrown);
      await h.settle();
      expect(h.executor.inFlight).toBeLessThanOrEqual(3);
    }
    expect(h.executor.maxInFlight).toBe(3);
    expect(h.executor.runs).toHaveLength(20);
    const counts = await h.store.counts();
    expect(counts.completed + counts.failed).toBe(20);
  });

  it('passes the run what the handler needs', async () => {
    const h = await started();
    const [id] = await h.add({ name: 'resize', data: { width: 64 }, opts: { timeout: 5_000 } });
    h.runner.wake();
    await h.settle();
    const [run] = h.executor.runs;
    const { runId, jobId, name, data, attempt, timeoutMs } = run!.request;
    expect({ runId, jobId, name, data, attempt, timeoutMs }).toEqual({ runId: expect.any(String), jobId: id, name: 'resize', data: { width: 64 }, attempt: 1, timeoutMs: 5_000 });
    expect(run!.timeoutMs).toBe(5_000);
    expect(run!.request.runId).toBe((await h.job(id!)).token);
    expect(h.callsOf('active')).toEqual([{ event: 'active', id, state: 'active', attempt: 1 }]);
  });
});

describe('Runner: delayed jobs', () => {
  it('dispatches a delayed job only when the clock reaches its runAt', async () => {
    const h = await started();
    const [id] = await h.add({ opts: { delay: 5_000 } });
    h.runner.wake();
    await h.settle();
    expect(h.executor.runs).toHaveLength(0);
    expect((await h.job(id!)).state).toBe('delayed');

    await h.clock.advance(4_999);
    expect(h.executor.runs).toHaveLength(0);

    await h.clock.advance(1);
    expect(h.executor.started).toEqual([id]);
    expect((await h.job(id!)).state).toBe('active');
  });

  it('runs delayed jobs in the order they fall due', async () => {
    const h = await started({ concurrency: 5 });
    const [late, early, middle] = await h.add({ opts: { delay: 3_000 } }, { opts: { delay: 1_000 } }, { opts: { runAt: h.clock.now() + 2_000 } });
    h.runner.wake();
    await h.settle();
    await h.clock.advance(1_000);
    expect(h.executor.started).toEqual([early]);
    await h.clock.advance(1_000);
    expect(h.executor.started).toEqual([early, middle]);
    await h.clock.advance(1_000);
    expect(h.executor.started).toEqual([early, middle, late]);
  });

  it('a delayed job added while the runner waits for a later one is still run on time', async () => {
    const h = await started();
    const [later] = await h.add({ opts: { delay: 60_000 } });
    h.runner.wake();
    await h.settle();
    const [sooner] = await h.add({ opts: { delay: 1_000 } });
    h.runner.wake(); // as queue.add does
    await h.settle();
    await h.clock.advance(1_000);
    expect(h.executor.started).toEqual([sooner]);
    h.executor.runOf(sooner!).succeed();
    await h.clock.advance(59_000);
    expect(h.executor.started).toEqual([sooner, later]);
  });

  it('a job due hours from now runs then, not before (timers hop at most an hour)', async () => {
    const h = await started();
    const [id] = await h.add({ opts: { delay: 3 * 3_600_000 + 5 } });
    h.runner.wake();
    await h.settle();
    await h.clock.advance(3 * 3_600_000);
    expect(h.executor.runs).toHaveLength(0);
    await h.clock.advance(5);
    expect(h.executor.started).toEqual([id]);
  });
});
