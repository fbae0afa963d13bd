// The service worker's executor runs handlers in its own thread, through the same code as a worker
// (createTaskHost): a handler's strange outcomes end as they do in a worker. Run here in a page's thread.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock';
import { deserializeError } from '../../src/errors';
import type { RunResponse } from '../../src/protocol';
import { InThreadExecutor } from '../../src/sw/in-thread-executor';
import { hostileTasks } from '../fixtures/hostile-tasks';

let runs = 0;
function runIn(executor: InThreadExecutor, name: string, data: unknown, options: { timeoutMs?: number; progress?: (value: unknown) => void } = {}) {
  const id = ++runs;
  return new Promise<RunResponse>((resolve) => {
    executor.start({
      runId: `sw-run-${id}`,
      jobId: `sw-job-${id}`,
      name,
      data,
      attempt: 1,
      timeoutMs: options.timeoutMs,
      progress: (value) => options.progress?.(value),
      ended: resolve,
    });
  });
}

function errorOf(response: RunResponse): Error {
  if (response.ok) throw new Error(`expected a failed run, got ${String(response.value)}`);
  return deserializeError(response.error);
}

describe('InThreadExecutor: a handler\'s strange outcomes', () => {
  it('a result holding a Proxy fails the run with a TypeError naming its path (found by a clone, before IndexedDB would refuse it)', async () => {
    const executor = new InThreadExecutor(hostileTasks, systemClock);
    const error = errorOf(await runIn(executor, 'returns', 'nestedProxy'));
    expect(error.name).toBe('TypeError');
    expect(error.message).toMatch(/^The task's result cannot be sent to the page: result\.list\[1\]\.inner cannot be cloned \(a Proxy\?\)/);
    expect(await runIn(executor, 'echo', 'next')).toEqual({ ok: true, value: 'next' });
  });

  it('a thrown object whose getters throw, and an Error whose message getter throws, are readable errors', async () => {
    const executor = new InThreadExecutor(hostileTasks, systemClock);
    expect(errorOf(await runIn(executor, 'throws', 'getters')).message).toBe('Non-error value thrown: [object Object]');
    const error = errorOf(await runIn(executor, 'rejects', 'messageGetter'));
    expect([error.name, error.message]).toEqual(['RangeError', '(its message could not be read: Error: trapped)']);
  });

  it('a progress flood is coalesced, the last value told before the outcome', async () => {
    const executor = new InThreadExecutor(hostileTasks, systemClock);
    const seen: unknown[] = [];
    expect(await runIn(executor, 'progressFlood', 100_000, { progress: (value) => seen.push(value) })).toEqual({ ok: true, value: 100_000 });
    expect(seen.at(-1)).toBe(99_999);
    expect(seen.length).toBeLessThan(1_000);
  });

  it('a timeout of 2 ** 31 ms does not end the run at once', async () => {
    const executor = new InThreadExecutor(hostileTasks, systemClock);
    const ended = runIn(executor, 'sleep', 50, { timeoutMs: 2 ** 31 });
    expect(await ended).toEqual({ ok: true, value: 50 });
    expect(executor.running).toEqual([]);
  });
});
