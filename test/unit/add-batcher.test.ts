// The add batcher: the adds of one tick reach the store as one batch; a refused call stores nothing and holds
// back no other; an addBulk is stored whole or not at all.
import { describe, expect, it } from 'vitest';
import { InvalidJobError, QueueClosedError } from '../../src/errors';
import type { JobRecord } from '../../src/job/job';
import type { NewJob } from '../../src/job/job-options';
import { MemoryJobStore } from '../../src/store/memory-job-store';
import type { TaskManifest } from '../../src/task/task';
import { AddBatcher } from '../../src/client/add-batcher';
import { ManifestCache } from '../../src/client/manifest-cache';
import { JobWatchers } from '../../src/client/job-watchers';
import { FakeClock } from './support/fake-clock';

const manifest: TaskManifest = { echo: {}, slow: { attempts: 3, timeout: 500 } };

function setUp(options: { closed?: () => Error | undefined; failAdd?: Error } = {}) {
  const clock = new FakeClock();
  const store = new MemoryJobStore({ now: () => clock.now(), random: Math.random });
  const writes: NewJob[][] = [];
  const add = store.add.bind(store);
  store.add = (jobs) => {
    writes.push([...jobs]);
    return options.failAdd ? Promise.reject(options.failAdd) : add(jobs);
  };
  const announced: JobRecord[][] = [];
  const batcher = new AddBatcher({
    clock,
    manifests: new ManifestCache({ tasks: async () => manifest }, () => {}),
    prepare: async () => ({ store, manifest }),
    closed: options.closed ?? (() => undefined),
    added: (created) => void announced.push(created),
    failure: (error) => new QueueClosedError(`cut off: ${(error as Error).message}`),
  });
  return { batcher, store, writes, announced, clock };
}

describe('AddBatcher', () => {
  it('stores the adds of one tick in one write, answers each call with its own jobs, and announces the new ones first', async () => {
    const { batcher, writes, announced } = setUp();
    const order: string[] = [];
    const one = batcher.add('echo', 1, undefined).then((stored) => (order.push('one'), stored));
    const bulk = batcher.addBulk([{ name: 'echo', data: 2 }, { name: 'slow', data: 3, opts: { priority: 5 } }]);
    const two = batcher.add('echo', 4, { jobId: 'fixed' });
    const [a, b, c] = await Promise.all([one, bulk, two]);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.map((job) => job.data)).toEqual([1, 2, 3, 4]);
    expect(a.job.data).toBe(1);
    expect(b.map((s) => s.job.data)).toEqual([2, 3]);
    expect(c.job.id).toBe('fixed');
    expect([a, ...b, c].every((s) => s.created)).toBe(true);
    expect(announced).toEqual([[a.job, ...b.map((s) => s.job), c.job]]);
    expect(order).toEqual(['one']);
  });

  it("applies the task's defaults under the job's own options", async () => {
    const { batcher } = setUp();
    const [stored] = await batcher.addBulk([{ name: 'slow', data: 1, opts: { timeout: 50 } }]);
    expect(stored?.job).toMatchObject({ attempts: 3, timeout: 50 });
  });

  it('a job already stored under its jobId is answered, not made again, and not announced', async () => {
    const { batcher, announced } = setUp();
    await batcher.add('echo', 'first', { jobId: 'same' });
    const again = await batcher.add('echo', 'second', { jobId: 'same' });
    expect(again.created).toBe(false);
    expect(again.job.data).toBe('first');
    expect(announced.at(-1)).toEqual([]);
  });

  it('a refused call stores nothing of its own, and the others of its tick are stored', async () => {
    const { batcher, writes, store } = setUp();
    const good = batcher.add('echo', 1, undefined);
    const unknown = batcher.add('ecco', 2, undefined);
    const badBulk = batcher.addBulk([{ name: 'echo', data: 3 }, { name: 'echo', data: 4, opts: { priority: 'high' as unknown as number } }]);
    const uncloneable = batcher.add('echo', { f: () => 1 }, undefined);
    await expect(unknown).rejects.toThrow(new InvalidJobError('Unknown task "ecco": the worker serves "echo", "slow"'));
    await expect(badBulk).rejects.toThrow(/^addBulk: job 1: /);
    await expect(uncloneable).rejects.toThrow(/^Cannot add a "echo" job: data\.f /);
    expect((await good).job.data).toBe(1);
    expect(writes).toEqual([[expect.objectContaining({ data: 1 })]]);
    expect((await store.counts()).waiting).toBe(1);
  });

  it("names a bad job of a batch by its place: an unknown task's message says which", async () => {
    const { batcher } = setUp();
    await expect(batcher.addBulk([{ name: 'echo', data: 1 }, { name: 'nope', data: 2 }])).rejects.toThrow(
      /^Unknown task "nope" \(job 1 of the batch\): the worker serves "echo", "slow"$/,
    );
    await expect(batcher.addBulk([{ name: 'echo', data: 1 }, null as never])).rejects.toThrow(/^addBulk: job 1: Expected a job as \{ name, data, opts \}, got `null` \(null\)$/);
  });

  it('a write that fails rejects every call of its slice with what the queue says of it', async () => {
    const { batcher } = setUp({ failAdd: new Error('disk gone') });
    const a = batcher.add('echo', 1, undefined);
    const b = batcher.addBulk([{ name: 'echo', data: 2 }]);
    await expect(a).rejects.toThrow(new QueueClosedError('cut off: disk gone'));
    await expect(b).rejects.toThrow(new QueueClosedError('cut off: disk gone'));
  });

  it('refuses a call once the queue is closed, storing nothing', async () => {
    const closed = new QueueClosedError('Queue "q" is closed');
    const { batcher, writes } = setUp({ closed: () => closed });
    await expect(batcher.add('echo', 1, undefined)).rejects.toBe(closed);
    expect(writes).toEqual([]);
  });

  it('thousands of adds in one tick go in slices of a few milliseconds, each call stored once, in order', async () => {
    const { batcher, writes } = setUp();
    const calls = Array.from({ length: 20_000 }, (_, i) => batcher.add('echo', i, undefined));
    const stored = await Promise.all(calls);
    expect(stored.map((s) => s.job.data)).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
    expect(writes.flat().map((job) => job.data)).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
  });
});

describe('JobWatchers.followSignal', () => {
  it('cancels at once a job whose signal aborted while it was being stored, and once on a later abort', () => {
    const watchers = new JobWatchers();
    const cancelled: string[] = [];
    const early = new AbortController();
    early.abort();
    watchers.followSignal('a', early.signal, () => cancelled.push('a'));
    const late = new AbortController();
    watchers.followSignal('b', late.signal, () => cancelled.push('b'));
    expect(cancelled).toEqual(['a']);
    late.abort();
    late.abort();
    expect(cancelled).toEqual(['a', 'b']);
  });
});
