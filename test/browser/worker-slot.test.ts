import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock';
import { WorkerCrashedError } from '../../src/errors';
import { WorkerSlot, type WorkerSlotEvents } from '../../src/pool/worker-slot';
import type { RunRequest, RunResult } from '../../src/protocol';

const tasksWorker = () => new Worker(new URL('../fixtures/tasks.worker.ts', import.meta.url), { type: 'module' });
const wrongHelloWorker = () => new Worker(new URL('../fixtures/wrong-hello.worker.ts', import.meta.url), { type: 'module' });

const slots: WorkerSlot[] = [];
afterEach(() => {
  for (const slot of slots.splice(0)) slot.terminate();
});

/** A slot whose events are logged: what it told, in order. */
function makeSlot(create: () => Worker, options: { startTimeoutMs?: number; idleTimeoutMs?: number } = {}) {
  const told: Array<{ done: RunResult[]; recalled: string[] } | { progress: unknown } | { died: Error } | 'expired'> = [];
  let onTold = () => {};
  const events: WorkerSlotEvents = {
    done: (done, recalled) => (told.push({ done, recalled }), onTold()),
    progress: (_, progress) => (told.push({ progress }), onTold()),
    died: (died) => (told.push({ died }), onTold()),
    expired: () => (told.push('expired'), onTold()),
  };
  const slot = new WorkerSlot({ create, startTimeoutMs: options.startTimeoutMs ?? 10_000, idleTimeoutMs: options.idleTimeoutMs ?? 30_000, clock: systemClock }, events);
  slots.push(slot);
  /** Resolves once `count` events in all have been told. */
  const until = (count: number) =>
    new Promise<void>((resolve) => {
      onTold = () => told.length >= count && resolve();
      onTold();
    });
  return { slot, told, until };
}

const run = (runId: string, name: string, data: unknown): RunRequest => ({ runId, jobId: `job-${runId}`, name, data, attempt: 1 });

describe('WorkerSlot', () => {
  it('says hello, then runs what it is sent and tells each outcome with the time the worker measured', async () => {
    const { slot, told, until } = makeSlot(tasksWorker);
    expect((await slot.ready).tasks.flaky).toEqual({ attempts: 3, backoff: 5 });
    expect(slot.isReady).toBe(true);
    const told2 = until(2);
    expect(slot.send([run('r1', 'add', { a: 1, b: 2 }), run('r2', 'fail', 'no')], [], () => undefined)).toEqual([]);
    await told2;
    const results = told.flatMap((event) => (typeof event === 'object' && 'done' in event ? event.done : []));
    expect(results.map(({ runId, response }) => [runId, response.ok])).toEqual([['r1', true], ['r2', false]]);
    expect(results[0]!.response).toEqual({ ok: true, value: 3 });
    expect(results.every(({ tookMs }) => typeof tookMs === 'number' && tookMs >= 0)).toBe(true);
  });

  it('tells progress before the outcome of its run', async () => {
    const { slot, told, until } = makeSlot(tasksWorker);
    await slot.ready;
    const all = until(4);
    slot.send([run('r1', 'steps', 3)], [], () => undefined);
    await all;
    expect(told).toEqual([{ progress: 1 / 3 }, { progress: 2 / 3 }, { progress: 1 }, { done: [expect.objectContaining({ runId: 'r1', response: { ok: true, value: 3 } })], recalled: [] }]);
  });

  it('a worker that answers hello with another shape is taken for dead, saying why; its hello rejects', async () => {
    const { slot, told, until } = makeSlot(wrongHelloWorker);
    await expect(slot.ready).rejects.toThrow(new TypeError('Expected the worker\'s hello to be { tasks: { name: defaults } }, got `"all of them"` (string)'));
    await until(1);
    const [event] = told;
    expect(event).toEqual({ died: expect.any(WorkerCrashedError) });
    expect((event as { died: Error }).died.message).toBe(
      'A worker died: its hello failed: Expected the worker\'s hello to be { tasks: { name: defaults } }, got `"all of them"` (string)',
    );
  });

  it('a worker that never says hello is taken for dead after startTimeoutMs', async () => {
    const silent = () => new Worker(new URL('../browser/fixtures/echo.worker.ts', import.meta.url), { type: 'module' });
    const { slot, told, until } = makeSlot(silent, { startTimeoutMs: 200 });
    await until(1);
    expect((told[0] as { died: Error }).died.message).toBe('A worker died: it did not answer within 200 ms of starting (does it call serveTasks?)');
    await expect(slot.ready).rejects.toThrow(WorkerCrashedError);
  });

  it('tells of a death once, and nothing after it was terminated', async () => {
    const { slot, told } = makeSlot(tasksWorker);
    await slot.ready;
    slot.fail('the pool was closed');
    slot.fail('again');
    slot.terminate();
    slot.fail('after the end');
    expect(slot.dead).toBe(true);
    expect(told).toEqual([{ died: new WorkerCrashedError('A worker died: the pool was closed') }]);
  });

  it('reports it expired once idle for idleTimeoutMs, not while busy', async () => {
    const { slot, told, until } = makeSlot(tasksWorker, { idleTimeoutMs: 150 });
    await slot.ready;
    slot.idle();
    slot.busy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(told).toEqual([]);
    const expired = until(1);
    slot.idle();
    await expired;
    expect(told).toEqual(['expired']);
  });

  it('throws a WorkerCrashedError when the factory throws, and a TypeError when it returns no Worker', () => {
    expect(() => new WorkerSlot({ create: () => { throw new Error('no workers here'); }, startTimeoutMs: 1, idleTimeoutMs: 1, clock: systemClock }, {} as WorkerSlotEvents)).toThrow(
      new WorkerCrashedError('The `worker` factory threw instead of returning a Worker'),
    );
    expect(() => new WorkerSlot({ create: () => null as unknown as Worker, startTimeoutMs: 1, idleTimeoutMs: 1, clock: systemClock }, {} as WorkerSlotEvents)).toThrow(
      new TypeError('Expected the `worker` factory to return a Worker, got null'),
    );
  });
});

describe('serveTasks over comlink', () => {
  it('answers hello and abort there, never run: runs travel as messages on the port', async () => {
    const worker = tasksWorker();
    try {
      const remote = Comlink.wrap<{ hello(lockName: undefined): Promise<{ tasks: object }>; run(request: RunRequest): Promise<unknown> }>(worker);
      expect(Object.keys((await remote.hello(undefined)).tasks)).toContain('add');
      // Comlink rethrows what the worker threw as a plain Error with its name: there is no `run` to call.
      await expect(remote.run(run('r1', 'add', { a: 1, b: 2 }))).rejects.toMatchObject({ name: 'TypeError' });
    } finally {
      worker.terminate();
    }
  });
});
