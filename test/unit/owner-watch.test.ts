// The owner watch: its owner lock, lease renewal, and taking back the runs of dead owners, with fake locks and a fake clock.
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/job/job';
import { resolveJobOptions } from '../../src/job/job-options';
import { OwnerWatch, type OwnerWatchOptions } from '../../src/runner/owner-watch';
import { MemoryJobStore } from '../../src/store/memory-job-store';
import { FakeClock, flushMicrotasks } from './support/fake-clock';
import { FakeLocks } from './support/fake-locks';

function watch(options: Partial<OwnerWatchOptions> & { locks: FakeLocks }) {
  const clock = new FakeClock();
  const store = new MemoryJobStore({ now: () => clock.now(), random: () => 0 });
  const told = { renewed: [] as number[], stalled: [] as JobRecord[][], checked: 0, errors: [] as unknown[] };
  const owners = new OwnerWatch({
    owner: 'me',
    store,
    clock,
    leaseMs: 30_000,
    reclaimIntervalMs: 5_000,
    maxStalls: 1,
    renew: (leaseUntil) => told.renewed.push(leaseUntil),
    stalled: (jobs) => told.stalled.push([...jobs]),
    checked: () => told.checked++,
    error: (error) => told.errors.push(error),
    ...options,
  });
  /** A job claimed by `owner` now, with a lease of 30 s. */
  const runBy = async (owner: string) => {
    const [added] = await store.add([resolveJobOptions('task', null, {}, clock.now())]);
    await store.commit([], { max: 1, owner, ranBy: `tab:${owner}`, leaseMs: 30_000, token: () => `${owner}-run`, online: true });
    return added!.job.id;
  };
  return { clock, store, owners, told, runBy };
}

describe('OwnerWatch: the owner lock', () => {
  it('hold() takes the lock; close() lets it go', async () => {
    const locks = new FakeLocks();
    const { owners } = watch({ locks });
    await owners.hold();
    expect(locks.held).toEqual(new Set(['me']));
    owners.close();
    expect(locks.held).toEqual(new Set());
  });

  it('closed while the lock was coming: it is let go at once', async () => {
    const locks = new FakeLocks();
    const { owners } = watch({ locks });
    const holding = owners.hold();
    owners.close();
    await holding;
    expect(locks.held).toEqual(new Set());
  });
});

describe('OwnerWatch: dead owners', () => {
  it("with locks that tell, a run whose owner's lock is free is taken back at once, as a stall", async () => {
    const locks = new FakeLocks();
    const { owners, told, runBy, store } = watch({ locks });
    const id = await runBy('gone-tab');
    await owners.reclaim();
    expect(told.stalled.map((jobs) => jobs.map((job) => [job.id, job.state, job.stalls]))).toEqual([[[id, 'waiting', 1]]]);
    expect(await store.get(id)).toMatchObject({ state: 'waiting', owner: undefined });
  });

  it('an owner alive is watched: its death takes its runs back then, with no timer', async () => {
    const locks = new FakeLocks();
    const { owners, told, runBy, clock } = watch({ locks });
    await locks.hold('other-tab');
    const id = await runBy('other-tab');
    await owners.reclaim();
    await owners.reclaim();
    expect(told.stalled).toEqual([]);
    locks.kill('other-tab');
    await flushMicrotasks();
    expect(told.stalled.map((jobs) => jobs.map((job) => job.id))).toEqual([[id]]);
    expect(clock.pending).toBe(0);
  });

  it("never its own runs, whatever its lock says", async () => {
    const { owners, told, runBy } = watch({ locks: new FakeLocks() });
    await runBy('me');
    await owners.reclaim();
    expect(told.stalled).toEqual([]);
  });

  it('with no locks to tell, a run is taken back only once its lease has expired', async () => {
    const { owners, told, runBy, clock } = watch({ locks: new FakeLocks({ tells: false }) });
    const id = await runBy('quiet-tab');
    await clock.advance(30_000);
    await owners.reclaim();
    expect(told.stalled).toEqual([]);
    await clock.advance(1);
    await owners.reclaim();
    expect(told.stalled.map((jobs) => jobs.map((job) => job.id))).toEqual([[id]]);
  });
});

describe('OwnerWatch: timers', () => {
  it('renews leases every third of leaseMs, and checks for dead owners every reclaimIntervalMs; close() stops both', async () => {
    const locks = new FakeLocks();
    const { owners, told, runBy, clock } = watch({ locks });
    const start = clock.now();
    owners.start();
    await clock.advance(10_000);
    expect(told.renewed).toEqual([start + 10_000 + 30_000]);
    expect(told.checked).toBe(2);
    const id = await runBy('gone-tab');
    await clock.advance(5_000);
    expect(told.stalled.map((jobs) => jobs.map((job) => job.id))).toEqual([[id]]);
    expect(told.checked).toBe(3);
    owners.close();
    expect(clock.pending).toBe(0);
    await clock.advance(60_000);
    expect(told.renewed).toHaveLength(1);
    expect(told.checked).toBe(3);
  });

  it('a check that storage fails is reported, and the next one goes on', async () => {
    const locks = new FakeLocks();
    const { owners, told, store, clock } = watch({ locks });
    const failure = new Error('storage is gone');
    const list = store.list.bind(store);
    let failing = true;
    store.list = (query) => (failing ? Promise.reject(failure) : list(query));
    owners.start();
    await clock.advance(5_000);
    expect(told.errors).toEqual([failure]);
    expect(told.checked).toBe(1);
    failing = false;
    await clock.advance(5_000);
    expect(told.errors).toEqual([failure]);
    expect(told.checked).toBe(2);
    owners.close();
  });
});
