// One contract, run against every JobStore: the memory one and the IndexedDB one (real IndexedDB).
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/job/job';
import type { NewJob } from '../../src/job/job-options';
import { StorageError } from '../../src/errors';
import { IdbJobStore, type QuarantineReport } from '../../src/store/idb-job-store';
import type { ClaimRequest, JobStore, StoreEnv } from '../../src/store/job-store';
import { MemoryJobStore } from '../../src/store/memory-job-store';
import { openQueueDb, QUEUE_DB_VERSION, queueDbName } from '../../src/store/queue-db';

interface Harness {
  store: JobStore;
  env: StoreEnv & { time: number };
}

const factories: Record<string, (env: StoreEnv) => Promise<JobStore>> = {
  memory: async (env) => new MemoryJobStore(env),
  indexeddb: async (env) => await IdbJobStore.open(`contract-${crypto.randomUUID()}`, env),
};

const opened: JobStore[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

function job(name: string, overrides: Partial<NewJob> = {}): NewJob {
  return { id: undefined, name, data: { name }, priority: 0, runAt: 1_000, attempts: 1, backoff: undefined, timeout: undefined, createdAt: 1_000, requiresNetwork: false, ...overrides };
}

let tokens = 0;
function claim(max: number, owner = 'owner-a', online = true): ClaimRequest {
  return { max, owner, ranBy: `tab:${owner}`, leaseMs: 30_000, token: () => `token-${++tokens}`, online };
}

for (const [kind, make] of Object.entries(factories)) {
  describe(`JobStore contract: ${kind}`, () => {
    async function harness(): Promise<Harness> {
      const env = { time: 1_000, now: () => env.time, random: () => 0.5 };
      const store = await make(env);
      opened.push(store);
      return { store, env };
    }

    it('adds jobs as waiting, or delayed when due later, and counts them', async () => {
      const { store } = await harness();
      const added = await store.add([job('a'), job('b', { runAt: 5_000 })]);
      expect(added.map((a) => [a.job.name, a.job.state, a.created])).toEqual([
        ['a', 'waiting', true],
        ['b', 'delayed', true],
      ]);
      expect(await store.counts()).toEqual({ waiting: 1, delayed: 1, active: 0, completed: 0, failed: 0, cancelled: 0 });
      expect((await store.get(added[0]!.job.id))?.data).toEqual({ name: 'a' });
    });

    it('claims by priority, then FIFO, in one commit', async () => {
      const { store } = await harness();
      await store.add([job('low-1', { priority: 0 }), job('high-1', { priority: 5 }), job('low-2', { priority: 0 }), job('high-2', { priority: 5 })]);
      const { claimed } = await store.commit([], claim(3));
      expect(claimed.map((j) => j.name)).toEqual(['high-1', 'high-2', 'low-1']);
      expect(claimed.every((j) => j.state === 'active' && j.attempt === 1 && j.owner === 'owner-a')).toBe(true);
      expect(new Set(claimed.map((j) => j.token)).size).toBe(3);
      const rest = await store.commit([], claim(3));
      expect(rest.claimed.map((j) => j.name)).toEqual(['low-2']);
    });

    it('keeps delayed jobs until due, and says when the next is due', async () => {
      const { store, env } = await harness();
      await store.add([job('later', { runAt: 3_000 }), job('soon', { runAt: 2_000 })]);
      const first = await store.commit([], claim(5));
      expect(first.claimed).toEqual([]);
      expect(first.nextRunAt).toBe(2_000);
      env.time = 2_500;
      const second = await store.commit([], claim(5));
      expect(second.claimed.map((j) => j.name)).toEqual(['soon']);
      expect(second.nextRunAt).toBe(3_000);
      env.time = 3_000;
      expect((await store.commit([], claim(5))).claimed.map((j) => j.name)).toEqual(['later']);
    });

    it('claims jobs that became due in line with the waiting ones, and keeps the rest in line for the next claim', async () => {
      const { store, env } = await harness();
      await store.add([
        job('waiting'),
        job('due-low', { runAt: 1_500 }),
        job('due-mid', { runAt: 1_800, priority: 1 }),
        job('due-high', { runAt: 2_000, priority: 5 }),
        job('due-network', { runAt: 1_200, requiresNetwork: true }),
        job('not-yet', { runAt: 9_000 }),
      ]);
      env.time = 2_500;
      const offline = await store.commit([], claim(1, 'owner-a', false));
      expect(offline.claimed.map((j) => j.name)).toEqual(['due-high']);
      expect(offline.nextRunAt).toBe(9_000);
      // Made waiting, not taken: the next claims (which read from where the last found the line's head) find them,
      // also one ahead of the job that claim found first.
      expect((await store.commit([], claim(2, 'owner-a', false))).claimed.map((j) => j.name)).toEqual(['due-mid', 'waiting']);
      expect((await store.commit([], claim(2, 'owner-a', false))).claimed.map((j) => j.name)).toEqual(['due-low']);
      expect((await store.commit([], claim(2))).claimed.map((j) => j.name)).toEqual(['due-network']);
      expect(await store.counts()).toMatchObject({ waiting: 0, delayed: 1, active: 5 });
    });

    it('returns the stored job for a jobId that exists, and adds nothing', async () => {
      const { store } = await harness();
      const [first] = await store.add([job('a', { id: 'fixed' })]);
      const again = await store.add([job('b', { id: 'fixed' }), job('c', { id: 'other' }), job('d', { id: 'other' })]);
      expect(first!.created).toBe(true);
      expect(again.map((a) => [a.job.id, a.job.name, a.created])).toEqual([
        ['fixed', 'a', false],
        ['other', 'c', true],
        ['other', 'c', false],
      ]);
      expect((await store.counts()).waiting).toBe(2);
    });

    it('records a completion, and refuses a write from a stale attempt', async () => {
      const { store } = await harness();
      await store.add([job('a')]);
      const [active] = (await store.commit([], claim(1))).claimed;
      const { updated } = await store.commit([
        { id: active!.id, action: { type: 'complete', token: 'not-the-token', result: 'forged' } },
        { id: active!.id, action: { type: 'complete', token: active!.token!, result: 42 } },
        { id: active!.id, action: { type: 'complete', token: active!.token!, result: 'twice' } },
      ]);
      expect(updated.map((j) => j?.state ?? null)).toEqual([null, 'completed', null]);
      const stored = await store.get(active!.id);
      expect(stored).toMatchObject({ state: 'completed', result: 42 });
      expect(stored?.token).toBeUndefined();
    });

    it('cleans finished jobs oldest first: past a count kept, and finished before a time, at most a limit', async () => {
      const { store, env } = await harness();
      await store.add(Array.from({ length: 7 }, (_, i) => job(`j${i}`)));
      const { claimed } = await store.commit([], claim(7));
      // j0..j5 complete at 2,000..2,005 (in reverse order of claim, so finish order is not add order); j6 fails.
      for (const j of claimed.slice(0, 6).reverse()) {
        env.time = 2_005 - Number(j.name.slice(1));
        await store.commit([{ id: j.id, action: { type: 'complete', token: j.token!, result: null, at: env.time } }]);
      }
      const j6 = claimed[6]!;
      await store.commit([{ id: j6.id, action: { type: 'fail', token: j6.token!, error: { name: 'Error', message: 'x' }, unrecoverable: true, at: 1_500 } }]);
      const byId = new Map(claimed.map((j) => [j.id, j.name]));
      const clean = async (query: { finishedBefore?: number; keep?: number; limit?: number }) =>
        (await store.clean({ state: 'completed', limit: 500, ...query })).map((id) => byId.get(id));
      // Finished first: j5 (2,000), then j4...
      expect(await clean({ keep: 4 })).toEqual(['j5', 'j4']);
      expect(await clean({ keep: 4 })).toEqual([]);
      // Keeping 3 of 4 drops one; finished before 2,004 drops two (j3 at 2,002, j2 at 2,003): the larger wins.
      expect(await clean({ keep: 3, finishedBefore: 2_004 })).toEqual(['j3', 'j2']);
      expect(await clean({ finishedBefore: Infinity, limit: 1 })).toEqual(['j1']);
      expect(await clean({ finishedBefore: 1_000 })).toEqual([]);
      expect(await store.counts()).toMatchObject({ completed: 1, failed: 1 });
    });

    it('records many outcomes and claims in the same commit', async () => {
      const { store } = await harness();
      await store.add(Array.from({ length: 6 }, (_, i) => job(`j${i}`)));
      const first = await store.commit([], claim(3));
      const second = await store.commit(
        first.claimed.map((j) => ({ id: j.id, action: { type: 'complete' as const, token: j.token!, result: j.name } })),
        claim(3),
      );
      expect(second.updated.map((j) => j?.state)).toEqual(['completed', 'completed', 'completed']);
      expect(second.claimed.map((j) => j.name)).toEqual(['j3', 'j4', 'j5']);
      expect(await store.counts()).toMatchObject({ completed: 3, active: 3, waiting: 0 });
    });

    it('defers a claim: returns the jobs, writes nothing, passes them next time; claim and outcome then write as one', async () => {
      const { store, env } = await harness();
      await store.add([job('a'), job('b'), job('c', { priority: 5 }), job('d')]);
      const first = await store.commit([], { ...claim(2), defer: true });
      expect(first.claimed.map((j) => [j.name, j.state, j.attempt])).toEqual([['c', 'active', 1], ['a', 'active', 1]]);
      // Nothing written: both still wait, first in line.
      expect(await store.counts()).toMatchObject({ waiting: 4, active: 0 });
      // The next claim passes them, also a job that has come before them since.
      await store.add([job('urgent', { priority: 9 })]);
      const second = await store.commit([], { ...claim(5), defer: true, skip: first.claimed });
      expect(second.claimed.map((j) => j.name)).toEqual(['urgent', 'b', 'd']);

      env.time = 1_500;
      const [c, a] = first.claimed as [JobRecord, JobRecord];
      const write = (j: JobRecord, outcome: 'complete' | 'progress') => [
        { id: j.id, action: { type: 'claim' as const, token: j.token!, owner: j.owner!, leaseUntil: 99_000, ranBy: j.ranBy!, at: j.startedAt, expect: { attempt: 0, runAt: j.runAt } } },
        outcome === 'complete'
          ? { id: j.id, action: { type: 'complete' as const, token: j.token!, result: j.name } }
          : { id: j.id, action: { type: 'progress' as const, token: j.token!, progress: 50 } },
      ];
      const { updated } = await store.commit([...write(c, 'complete'), ...write(a, 'progress')]);
      expect(updated.map((j) => j?.state ?? null)).toEqual(['active', 'completed', 'active', 'active']);
      expect(await store.get(c.id)).toMatchObject({ state: 'completed', attempt: 1, startedAt: 1_000, finishedAt: 1_500, result: 'c', history: [{ attempt: 1, outcome: 'completed' }] });
      expect(await store.get(a.id)).toMatchObject({ state: 'active', attempt: 1, token: a.token, progress: 50 });
    });

    it('claims a job that went back in line between jobs taken unwritten, once they are written', async () => {
      const { store } = await harness();
      await store.add(['a', 'b', 'c', 'd', 'e'].map((name) => job(name)));
      const first = await store.commit([], { ...claim(3), defer: true });
      const [a, b, c] = first.claimed as [JobRecord, JobRecord, JobRecord];
      expect([a, b, c].map((j) => j.name)).toEqual(['a', 'b', 'c']);
      const writeClaim = (j: JobRecord) => ({ id: j.id, action: { type: 'claim' as const, token: j.token!, owner: j.owner!, leaseUntil: 99_000, ranBy: j.ranBy!, expect: { attempt: 0, runAt: j.runAt } } });
      // b's run is written, then given back unrun (its worker died before it began): b waits again, between a and c.
      await store.commit([writeClaim(b), { id: b.id, action: { type: 'release', token: b.token! } }]);
      expect(await store.get(b.id)).toMatchObject({ state: 'waiting', attempt: 0 });
      // A store may take b now (memory does), or leave it until a and c are written (IndexedDB reads around them).
      const second = await store.commit([], { ...claim(5), defer: true, skip: [a, c] });
      expect(second.claimed.map((j) => j.name).filter((name) => name !== 'b')).toEqual(['d', 'e']);
      const done = (j: JobRecord) => [writeClaim(j), { id: j.id, action: { type: 'complete' as const, token: j.token!, result: j.name } }];
      await store.commit([...done(a), ...done(c), ...second.claimed.flatMap(done)]);
      // Nothing is unwritten now: b, if still waiting, heads the line, and the next claim takes it.
      const third = await store.commit([], claim(5));
      expect([...second.claimed, ...third.claimed].map((j) => j.name).filter((name) => name === 'b')).toEqual(['b']);
      expect(await store.counts()).toMatchObject({ waiting: 0 });
    });

    it('refuses a deferred claim once the job changed: cancelled, or cancelled and retried', async () => {
      const { store, env } = await harness();
      await store.add([job('a'), job('b')]);
      const { claimed } = await store.commit([], { ...claim(2), defer: true });
      const [a, b] = claimed as [JobRecord, JobRecord];
      const cancel = { type: 'cancel' as const, error: { name: 'JobCancelledError', message: 'cancelled' } };
      env.time = 2_000;
      await store.commit([{ id: a.id, action: cancel }, { id: b.id, action: cancel }, { id: b.id, action: { type: 'retry' } }]);
      expect(await store.get(b.id)).toMatchObject({ state: 'waiting', attempt: 0, runAt: 2_000 });
      // b waits again, but not as the job that was taken: the late claim must not take it for the old run.
      const late = (j: JobRecord) => ({ id: j.id, action: { type: 'claim' as const, token: j.token!, owner: 'owner-a', leaseUntil: 1, ranBy: 'tab:a', expect: { attempt: 0, runAt: j.runAt } } });
      const { updated } = await store.commit([late(a), late(b)]);
      expect(updated).toEqual([null, null]);
      expect(await store.get(a.id)).toMatchObject({ state: 'cancelled' });
      expect(await store.get(b.id)).toMatchObject({ state: 'waiting' });
      expect((await store.get(b.id))?.token).toBeUndefined();
    });

    it('retries a failed run after its backoff, then fails it with the last error', async () => {
      const { store, env } = await harness();
      await store.add([job('flaky', { attempts: 2, backoff: { type: 'fixed', delay: 1_000, jitter: 0 } })]);
      const [run1] = (await store.commit([], claim(1))).claimed;
      const error = { name: 'RangeError', message: 'first' };
      const [afterFirst] = (await store.commit([{ id: run1!.id, action: { type: 'fail', token: run1!.token!, error, unrecoverable: false } }])).updated;
      expect(afterFirst).toMatchObject({ state: 'delayed', runAt: 2_000, attempt: 1 });
      expect((await store.commit([], claim(1))).claimed).toEqual([]);
      env.time = 2_000;
      const [run2] = (await store.commit([], claim(1))).claimed;
      expect(run2).toMatchObject({ attempt: 2, state: 'active' });
      const last = { name: 'RangeError', message: 'second' };
      const [final] = (await store.commit([{ id: run2!.id, action: { type: 'fail', token: run2!.token!, error: last, unrecoverable: false } }])).updated;
      expect(final).toMatchObject({ state: 'failed', error: last, finishedAt: 2_000 });
      expect(await store.counts()).toMatchObject({ failed: 1, delayed: 0, active: 0 });
    });

    it('stalls the active jobs of a dead owner back into line, at the front', async () => {
      const { store } = await harness();
      await store.add([job('first'), job('second'), job('third')]);
      await store.commit([], claim(1, 'dead-owner'));
      await store.commit([], claim(1, 'live-owner'));
      const stalled = await store.updateActive((j) => j.owner === 'dead-owner', { type: 'stall', maxStalls: 1 });
      expect(stalled.map((j) => [j.name, j.state, j.stalls])).toEqual([['first', 'waiting', 1]]);
      const next = await store.commit([], claim(1, 'live-owner'));
      expect(next.claimed.map((j) => [j.name, j.attempt])).toEqual([['first', 2]]);
    });

    it('cancels unfinished jobs only', async () => {
      const { store } = await harness();
      const [a, b] = await store.add([job('a'), job('b')]);
      const error = { name: 'JobCancelledError', message: 'cancelled' };
      const { updated } = await store.commit([
        { id: a!.job.id, action: { type: 'cancel', error } },
        { id: a!.job.id, action: { type: 'cancel', error } },
        { id: 'missing', action: { type: 'cancel', error } },
      ]);
      expect(updated.map((j) => j?.state ?? null)).toEqual(['cancelled', null, null]);
      const { claimed } = await store.commit([], claim(5));
      expect(claimed.map((j) => j.id)).toEqual([b!.job.id]);
    });

    it('changes a job that has not started (data, priority, runAt, promote), and refuses one that has', async () => {
      const { store, env } = await harness();
      const [a, b, c] = (await store.add([job('a'), job('b'), job('later', { runAt: 9_000 })])).map((x) => x.job) as [JobRecord, JobRecord, JobRecord];
      const { updated } = await store.commit([
        { id: b.id, action: { type: 'change', data: { edited: true }, priority: 5 } },
        { id: c.id, action: { type: 'change', runAt: env.time, onlyDelayed: true } },
        { id: a.id, action: { type: 'change', runAt: env.time, onlyDelayed: true } },
      ]);
      expect(updated.map((j) => j && [j.name, j.state, j.priority])).toEqual([['b', 'waiting', 5], ['later', 'waiting', 0], null]);
      const { claimed } = await store.commit([], claim(3));
      expect(claimed.map((j) => j.name)).toEqual(['b', 'a', 'later']);
      expect(claimed[0]!.data).toEqual({ edited: true });
      const refused = await store.commit([{ id: a.id, action: { type: 'change', data: 1 } }, { id: 'missing', action: { type: 'change', priority: 1 } }]);
      expect(refused.updated).toEqual([null, null]);
      expect((await store.get(a.id))?.data).toEqual({ name: 'a' });
    });

    it('lists pages by state, newest first unless asked', async () => {
      const { store } = await harness();
      await store.add(Array.from({ length: 7 }, (_, i) => job(`j${i}`)));
      await store.commit([], claim(2));
      const waiting = await store.list({ state: 'waiting', limit: 3 });
      expect(waiting.map((j) => j.name)).toEqual(['j6', 'j5', 'j4']);
      const page2 = await store.list({ state: 'waiting', limit: 3, offset: 3, order: 'asc' });
      expect(page2.map((j) => j.name)).toEqual(['j5', 'j6']);
      expect((await store.list({ state: 'active' })).map((j) => j.name)).toEqual(['j1', 'j0']);
      expect((await store.list({ limit: 100 })).length).toBe(7);
    });

    it('stores everything a job holds', async () => {
      const { store } = await harness();
      const data = { bytes: new Uint8Array([1, 2, 3]), when: new Date(5), nested: { list: [1, 'two', null] }, map: new Map([[1, 'one']]) };
      const [{ job: added }] = (await store.add([job('rich', { data, priority: 3, attempts: 4, timeout: 500 })])) as unknown as [{ job: JobRecord }];
      const stored = await store.get(added.id);
      expect(stored).toMatchObject({ name: 'rich', priority: 3, attempts: 4, timeout: 500, attempt: 0, stalls: 0 });
      expect(stored!.data).toEqual(data);
    });
  });
}

describe('IdbJobStore specifics', () => {
  it('keeps jobs across connections (a reload)', async () => {
    const name = `reload-${crypto.randomUUID()}`;
    const env = { now: () => 1_000, random: () => 0.5 };
    const first = await IdbJobStore.open(name, env);
    const [{ job: added }] = (await first.add([job('persisted')])) as unknown as [{ job: JobRecord }];
    first.close();
    const second = await IdbJobStore.open(name, env);
    expect((await second.get(added.id))?.name).toBe('persisted');
    second.close();
    indexedDB.deleteDatabase(queueDbName(name));
  });

  it('rejects a whole batch that holds something IndexedDB cannot store, and stores none of it', async () => {
    const store = await IdbJobStore.open(`clone-${crypto.randomUUID()}`, { now: () => 1_000, random: () => 0 });
    await expect(store.add([job('ok'), job('bad', { data: { fn: () => 1 } })])).rejects.toThrow(/DataCloneError|could not be cloned/);
    expect(await store.counts()).toMatchObject({ waiting: 0 });
    // Also after adds that went well (the store then writes rows before it has read the stored seq).
    await store.add([job('first')]);
    await expect(store.add([job('ok'), job('bad', { data: { fn: () => 1 } })])).rejects.toThrow(/DataCloneError|could not be cloned/);
    await store.add([job('second')]);
    expect(await store.counts()).toMatchObject({ waiting: 2 });
    expect((await store.commit([], claim(5))).claimed.map((j) => [j.name, j.seq])).toEqual([
      ['first', 1],
      ['second', 2],
    ]);
    store.close();
  });

  it('keeps one FIFO line when two connections (two tabs) add in turn', async () => {
    const name = `two-${crypto.randomUUID()}`;
    const env = { now: () => 1_000, random: () => 0.5 };
    const tabA = await IdbJobStore.open(name, env);
    const tabB = await IdbJobStore.open(name, env);
    await tabA.add([job('a1')]);
    await tabB.add([job('b1')]);
    // Each store's last seq is now stale: the other one added since.
    await tabA.add([job('a2'), job('a3')]);
    await tabB.add([job('b2')]);
    await tabB.add([job('b3')]);
    const { claimed } = await tabA.commit([], claim(10));
    expect(claimed.map((j) => [j.name, j.seq])).toEqual([
      ['a1', 1],
      ['b1', 2],
      ['a2', 3],
      ['a3', 4],
      ['b2', 5],
      ['b3', 6],
    ]);
    tabA.close();
    tabB.close();
    indexedDB.deleteDatabase(queueDbName(name));
  });

  it('claims a job another connection (another tab) put in line ahead of where this one last found its head', async () => {
    const name = `mark-${crypto.randomUUID()}`;
    const env = { now: () => 1_000, random: () => 0.5 };
    const tabA = await IdbJobStore.open(name, env);
    const tabB = await IdbJobStore.open(name, env);
    await tabA.add(['a1', 'a2', 'a3'].map((n) => job(n)));
    expect((await tabA.commit([], claim(1))).claimed.map((j) => j.name)).toEqual(['a1']);
    await tabB.add([job('urgent', { priority: 9 })]);
    expect((await tabA.commit([], claim(1))).claimed.map((j) => j.name)).toEqual(['urgent']);
    // Also when this connection has put jobs in line itself since the other one did.
    await tabB.add([job('urgent-2', { priority: 10 })]);
    await tabA.add([job('a4')]);
    expect((await tabA.commit([], claim(4))).claimed.map((j) => j.name)).toEqual(['urgent-2', 'a2', 'a3', 'a4']);
    tabA.close();
    tabB.close();
    indexedDB.deleteDatabase(queueDbName(name));
  });

  it('claims a job another connection moved back into the line (cancelled and retried there)', async () => {
    const name = `retry-${crypto.randomUUID()}`;
    const env = { time: 1_000, now: () => env.time, random: () => 0.5 };
    const tabA = await IdbJobStore.open(name, env);
    const tabB = await IdbJobStore.open(name, env);
    await tabA.add([job('old', { priority: 5 }), job('b'), job('c')]);
    const cancel = { type: 'cancel' as const, error: { name: 'JobCancelledError', message: 'cancelled' } };
    const [old] = (await tabA.commit([], claim(1))).claimed as [JobRecord];
    expect(old.name).toBe('old');
    await tabA.commit([{ id: old.id, action: cancel }]);
    expect((await tabA.commit([], claim(1))).claimed.map((j) => j.name)).toEqual(['b']);
    env.time = 1_200;
    await tabB.commit([{ id: old.id, action: { type: 'retry' } }]);
    expect((await tabA.commit([], claim(2))).claimed.map((j) => j.name)).toEqual(['old', 'c']);
    tabA.close();
    tabB.close();
    indexedDB.deleteDatabase(queueDbName(name));
  });

  it('claims the best of 20,000 stored jobs (priority, then FIFO)', async () => {
    const store = await IdbJobStore.open(`big-${crypto.randomUUID()}`, { now: () => 1_000, random: () => 0 });
    const batch = Array.from({ length: 20_000 }, (_, i) => job(`j${i}`, { priority: i === 12_345 ? 9 : 0 }));
    await store.add(batch);
    const { claimed } = await store.commit([], claim(2));
    expect(claimed.map((j) => j.name)).toEqual(['j12345', 'j0']);
    expect((await store.counts()).waiting).toBe(19_998);
    store.close();
  });
});

// Hostile storage: rows, meta values, schedules and databases as this code never writes them (another version's
// bug, a hand edit in devtools, a half-written disk), planted with the plain IndexedDB API.
describe('IdbJobStore: malformed records are put aside, never stall the queue', () => {
  const env = { now: () => 1_000, random: () => 0.5 };
  const names: string[] = [];
  afterEach(() => {
    for (const name of names.splice(0)) indexedDB.deleteDatabase(queueDbName(name));
  });

  async function openStore(): Promise<{ store: IdbJobStore; name: string; reports: QuarantineReport[] }> {
    const name = `hostile-${crypto.randomUUID()}`;
    names.push(name);
    const reports: QuarantineReport[] = [];
    const store = await IdbJobStore.open(name, env, { onQuarantined: (found) => reports.push(...found) });
    opened.push(store);
    return { store, name, reports };
  }

  /** The database of queue `name` through a connection of its own, at whatever version it is. */
  function rawDb(name: string, version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
      const request = version === undefined ? indexedDB.open(queueDbName(name)) : indexedDB.open(queueDbName(name), version);
      request.onupgradeneeded = () => upgrade?.(request.result);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function rawRequest<T>(name: string, storeName: string, mode: IDBTransactionMode, make: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await rawDb(name);
    try {
      return await new Promise<T>((resolve, reject) => {
        const tx = db.transaction(storeName, mode);
        const request = make(tx.objectStore(storeName));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }

  const readRaw = (name: string, key: IDBValidKey, storeName = 'jobs') => rawRequest<unknown>(name, storeName, 'readonly', (s) => s.get(key));
  const plant = (name: string, value: unknown, storeName = 'jobs', key?: IDBValidKey) =>
    rawRequest(name, storeName, 'readwrite', (s) => (key === undefined ? s.put(value) : s.put(value, key)));

  /** A stored row of a good job, as the store wrote it, made the head of the line (priority 100) under `id`. */
  async function headRow(name: string, store: IdbJobStore, id: string): Promise<Record<string, unknown>> {
    const [{ job: added }] = (await store.add([job('template', { id: `template-${id}` })])) as unknown as [{ job: JobRecord }];
    const row = (await readRaw(name, added.id)) as Record<string, unknown>;
    await store.remove([added.id]);
    return { ...row, id, name: 'head', priority: 100, readyKey: [0, -100, row.runAt, row.seq] };
  }

  async function claimAll(store: IdbJobStore): Promise<string[]> {
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { claimed } = await store.commit([], claim(1));
      if (claimed.length === 0) break;
      names.push(...claimed.map((j) => j.name));
    }
    return names;
  }

  const GOOD = Array.from({ length: 10 }, (_, i) => `good-${i}`);

  it('a job put in line by something that leaves no mark (a hand edit) is claimed within a second, ahead of the line', async () => {
    const name = `unmarked-${crypto.randomUUID()}`;
    names.push(name);
    const clock = { time: 1_000, now: () => clock.time, random: () => 0.5 };
    const store = await IdbJobStore.open(name, clock);
    opened.push(store);
    await store.add(['good-0', 'good-1', 'good-2'].map((n) => job(n)));
    expect((await store.commit([], claim(1))).claimed.map((j) => j.name)).toEqual(['good-0']);
    await plant(name, await headRow(name, store, 'planted'));
    // Read from where the line's head was last found: nothing told this store of the planted row yet.
    expect((await store.commit([], claim(1))).claimed.map((j) => j.name)).toEqual(['good-1']);
    clock.time += 1_000;
    expect((await store.commit([], claim(2))).claimed.map((j) => j.id)).toEqual(['planted', expect.stringMatching(/./)]);
    expect(await store.counts()).toMatchObject({ waiting: 0, active: 4 });
  });

  it.each([
    ['an unknown state', { state: 'bogus' }, "state is 'bogus', expected one of waiting, delayed, active, completed, failed, cancelled"],
    ['priority a string', { priority: '5' }, "priority is '5' (a string), expected a finite number"],
    ['runAt NaN', { runAt: Number.NaN }, 'runAt is NaN, expected a finite number'],
    ['attempts negative', { attempts: -1 }, 'attempts is -1, expected an integer from 1 and up'],
    ['history not an array', { history: 'oops' }, "history is 'oops' (a string), expected an array"],
    ['a name that is not a string', { name: 7 }, 'name is 7, expected a string'],
    ['a backoff that is not one', { backoff: { type: 'linear', delay: 5 } }, "backoff is an object, expected { type: 'fixed' | 'exponential', delay }"],
  ])('a row at the head of the line with %s is put aside as corrupt; the 10 jobs behind it run', async (_, change, reason) => {
    const { store, name, reports } = await openStore();
    await store.add(GOOD.map((n) => job(n)));
    const planted = { ...(await headRow(name, store, 'bad')), ...change };
    await plant(name, planted);

    expect(await claimAll(store)).toEqual(GOOD);
    const bad = await store.get('bad');
    expect(bad).toMatchObject({ id: 'bad', state: 'corrupt', quarantine: { reason, stored: planted } });
    expect(bad?.error).toMatchObject({ name: 'StorageError', code: 'ERR_STORAGE_CORRUPT' });
    expect(bad?.error?.message).toContain(reason);
    expect(reports.map((r) => [r.kind, r.id, r.reason])).toEqual([['job', 'bad', reason]]);
    expect(await store.counts()).toEqual({ waiting: 0, delayed: 0, active: 10, completed: 0, failed: 0, cancelled: 0, corrupt: 1 });
    expect((await store.list({ state: 'corrupt' })).map((j) => j.id)).toEqual(['bad']);
    // Nothing applies to it but remove().
    const { updated } = await store.commit([{ id: 'bad', action: { type: 'cancel', error: { name: 'JobCancelledError', message: 'x' } } }]);
    expect(updated).toEqual([null]);
    expect((await store.remove(['bad'])).map((j) => [j.id, j.state])).toEqual([['bad', 'corrupt']]);
    expect(await store.counts()).toEqual({ waiting: 0, delayed: 0, active: 10, completed: 0, failed: 0, cancelled: 0 });
    expect(reports).toHaveLength(1);
  });

  it('a truncated row (only an id and its line key) is put aside, its stored form kept', async () => {
    const { store, name, reports } = await openStore();
    await store.add([job('good')]);
    const planted = { id: 'cut', readyKey: [0, -100, 0, 0], stateKey: ['waiting', 0] };
    await plant(name, planted);
    expect(await claimAll(store)).toEqual(['good']);
    expect(await store.get('cut')).toMatchObject({ state: 'corrupt', quarantine: { reason: "state is missing, expected one of waiting, delayed, active, completed, failed, cancelled", stored: planted } });
    expect(reports.map((r) => r.id)).toEqual(['cut']);
  });

  it('a row without data is a job like any other: undefined data is legitimate', async () => {
    const { store, name, reports } = await openStore();
    const { data: _data, ...row } = await headRow(name, store, 'no-data');
    await plant(name, row);
    const [claimed] = (await store.commit([], claim(1))).claimed;
    expect(claimed).toMatchObject({ id: 'no-data', state: 'active', attempt: 1 });
    expect(claimed!.data).toBeUndefined();
    expect(reports).toEqual([]);
  });

  it('a row in the line that says completed is rewritten with its own keys: it leaves the line, its result kept', async () => {
    const { store, name, reports } = await openStore();
    await store.add([job('good')]);
    const row: Record<string, unknown> = { ...(await headRow(name, store, 'done')), state: 'completed', result: 42, finishedAt: 900, attempt: 1 };
    await plant(name, row);
    expect(await claimAll(store)).toEqual(['good']);
    expect(await store.get('done')).toMatchObject({ state: 'completed', result: 42 });
    const stored = (await readRaw(name, 'done')) as Record<string, unknown>;
    expect(stored.readyKey).toBeUndefined();
    expect(stored.stateKey).toEqual(['completed', row.seq]);
    expect(stored.finishedKey).toEqual(['completed', 900, row.seq]);
    expect(await store.counts()).toEqual({ waiting: 0, delayed: 0, active: 1, completed: 1, failed: 0, cancelled: 0 });
    expect(reports).toEqual([]);
  });

  it('a waiting row with no line key is put back in line once read', async () => {
    const { store, name } = await openStore();
    const { readyKey: _key, ...row } = await headRow(name, store, 'lost');
    await plant(name, row);
    expect((await store.commit([], claim(1))).claimed).toEqual([]);
    // A read (a page awaiting its result, say) finds it, and the row gets its key again.
    expect(await store.get('lost')).toMatchObject({ state: 'waiting' });
    await expect.poll(async () => ((await readRaw(name, 'lost')) as { readyKey?: unknown }).readyKey).toEqual(row.readyKey === undefined ? [0, -100, row.runAt, row.seq] : row.readyKey);
    expect((await store.commit([], claim(1))).claimed.map((j) => j.id)).toEqual(['lost']);
  });

  it('a row whose key is not a string moves to a string id, what was stored kept', async () => {
    const { store, name, reports } = await openStore();
    await store.add([job('good')]);
    const planted = { ...(await headRow(name, store, 'x')), id: 42 };
    await plant(name, planted);
    expect(await claimAll(store)).toEqual(['good']);
    expect(await readRaw(name, 42)).toBeUndefined();
    expect(await store.get('corrupt:42')).toMatchObject({ state: 'corrupt', quarantine: { reason: 'id is 42, expected a string', stored: planted } });
    expect(reports.map((r) => r.id)).toEqual(['corrupt:42']);
  });

  it('a commit reading a row damaged while it ran refuses the update and puts the row aside; the commit goes through', async () => {
    const { store, name, reports } = await openStore();
    await store.add([job('a'), job('b')]);
    const [a, b] = (await store.commit([], claim(2))).claimed as [JobRecord, JobRecord];
    await plant(name, { ...((await readRaw(name, a.id)) as object), history: 'oops' });
    const { updated } = await store.commit([
      { id: a.id, action: { type: 'complete', token: a.token!, result: 1 } },
      { id: b.id, action: { type: 'complete', token: b.token!, result: 2 } },
    ]);
    expect(updated.map((j) => j?.state ?? null)).toEqual([null, 'completed']);
    expect(await store.get(a.id)).toMatchObject({ state: 'corrupt', quarantine: { reason: "history is 'oops' (a string), expected an array" } });
    expect(reports.map((r) => r.id)).toEqual([a.id]);
  });

  it('a list or a get that reads a malformed row shows it as corrupt, and it is put aside and reported once', async () => {
    const { store, name, reports } = await openStore();
    await plant(name, { ...(await headRow(name, store, 'odd')), state: 'bogus', readyKey: undefined, stateKey: ['waiting', 0] });
    expect((await store.list()).map((j) => [j.id, j.state])).toEqual([['odd', 'corrupt']]);
    expect((await store.get('odd'))?.state).toBe('corrupt');
    await expect.poll(() => reports.map((r) => r.id)).toEqual(['odd']);
    expect(((await readRaw(name, 'odd')) as { state: string }).state).toBe('corrupt');
    expect(await store.counts()).toMatchObject({ waiting: 0, corrupt: 1 });
    await store.list();
    expect(reports).toHaveLength(1);
  });

  it('a seq meta value that is not a number is found again from the rows; the next add keeps FIFO', async () => {
    const { store, name } = await openStore();
    await store.add([job('first'), job('second'), job('third')]);
    await plant(name, 'garbage', 'meta', 'seq');
    // Another tab (a store of its own, that has not added yet) adds next.
    const other = await IdbJobStore.open(name, env);
    opened.push(other);
    const [added] = await other.add([job('fourth')]);
    expect(added!.job.seq).toBe(4);
    expect(await readRaw(name, 'seq', 'meta')).toBe(4);
    expect((await store.commit([], claim(5))).claimed.map((j) => j.name)).toEqual(['first', 'second', 'third', 'fourth']);
  });

  it('a stored task list that is not one reads as none (adds are then not checked), not as a list of no tasks', async () => {
    const { store, name } = await openStore();
    for (const bad of [5, 'echo', null, { echo: 1 }, [null], []]) {
      await plant(name, bad, 'meta', 'tasks');
      expect(await store.getMeta('tasks')).toBeUndefined();
    }
    await store.setMeta('tasks', { echo: {} });
    expect(await store.getMeta('tasks')).toEqual({ echo: {} });
  });

  it('a malformed schedule is put aside and reported; listSchedules gives the sound ones; unschedule removes it', async () => {
    const { store, name, reports } = await openStore();
    const sound = { id: 'sound', spec: { every: 60_000 }, job: { name: 'a', data: 1 }, nextRunAt: 61_000, lastRunAt: undefined, createdAt: 1_000 };
    await store.putSchedule(sound);
    const planted = { id: 'broken', spec: 'every day', job: { name: 'a', data: 1 }, nextRunAt: 0, createdAt: 1_000 };
    await plant(name, planted, 'schedules');
    expect(await store.listSchedules()).toEqual([sound]);
    await expect.poll(() => reports.map((r) => [r.kind, r.id, r.reason])).toEqual([['schedule', 'broken', "spec is 'every day' (a string), expected { every } or { cron, tz }"]]);
    expect(await readRaw(name, 'broken', 'schedules')).toMatchObject({ id: 'broken', quarantine: { stored: planted } });
    expect(await store.listSchedules()).toEqual([sound]);
    expect(await store.materialize('broken', 0, [], { nextRunAt: 1, lastRunAt: undefined })).toBeNull();
    expect(await store.deleteSchedule('broken')).toBe(true);
    expect(reports).toHaveLength(1);
  });
});

describe('IdbJobStore: damaged and newer databases', () => {
  const env = { now: () => 1_000, random: () => 0.5 };
  const names: string[] = [];
  afterEach(() => {
    for (const name of names.splice(0)) indexedDB.deleteDatabase(queueDbName(name));
  });
  function newName(): string {
    const name = `damaged-${crypto.randomUUID()}`;
    names.push(name);
    return name;
  }
  function openAt(name: string, version: number | undefined, upgrade: (db: IDBDatabase) => void = () => {}): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
      const request = version === undefined ? indexedDB.open(queueDbName(name)) : indexedDB.open(queueDbName(name), version);
      request.onupgradeneeded = () => upgrade(request.result);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  function failureOf(promise: Promise<unknown>): Promise<StorageError> {
    return promise.then(
      () => Promise.reject(new Error('expected a rejection')),
      (error: unknown) => error as StorageError,
    );
  }

  it('an empty database of the right name (no object stores) is given its stores, and works', async () => {
    const name = newName();
    (await openAt(name, undefined)).close();
    const store = await IdbJobStore.open(name, env);
    opened.push(store);
    await store.add([job('a')]);
    expect((await store.commit([], claim(1))).claimed.map((j) => j.name)).toEqual(['a']);
  });

  it('a version 1 database missing an index gets it back, built from the rows it holds', async () => {
    const name = newName();
    const db = await openAt(name, 1, (database) => {
      const jobs = database.createObjectStore('jobs', { keyPath: 'id' });
      for (const [index, path] of [['due', 'dueKey'], ['state', 'stateKey'], ['finished', 'finishedKey'], ['seq', 'seq']]) jobs.createIndex(index!, path!);
      database.createObjectStore('meta');
      database.createObjectStore('schedules', { keyPath: 'id' });
    });
    const seed = await IdbJobStore.open(`seed-${crypto.randomUUID()}`, env);
    const [{ job: template }] = (await seed.add([job('kept', { id: 'kept' })])) as unknown as [{ job: JobRecord }];
    seed.close();
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('jobs', 'readwrite');
      tx.objectStore('jobs').put({ ...template, stateKey: ['waiting', template.seq], readyKey: [0, 0, template.runAt, template.seq] });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
    const store = await IdbJobStore.open(name, env);
    opened.push(store);
    expect((await store.commit([], claim(1))).claimed.map((j) => j.id)).toEqual(['kept']);
  });

  it('a database made by a newer version: the open rejects with ERR_STORAGE_NEWER_VERSION, and writes nothing to it', async () => {
    const name = newName();
    const db = await openAt(name, QUEUE_DB_VERSION + 1, (database) => database.createObjectStore('jobs', { keyPath: 'id' }).put({ id: 'future', shape: 'new' }));
    db.close();
    const error = await failureOf(IdbJobStore.open(name, env));
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe('ERR_STORAGE_NEWER_VERSION');
    expect(error.message).toBe(
      `IndexedDB database "${queueDbName(name)}" is at version ${QUEUE_DB_VERSION + 1}, made by a newer version of offthread; ` +
        `this code knows version ${QUEUE_DB_VERSION}, so it leaves the database as it is and writes nothing to it`,
    );
    const after = await openAt(name, undefined);
    expect(after.version).toBe(QUEUE_DB_VERSION + 1);
    expect([...after.objectStoreNames]).toEqual(['jobs']);
    const rows = await new Promise<unknown[]>((resolve) => {
      const request = after.transaction('jobs').objectStore('jobs').getAll();
      request.onsuccess = () => resolve(request.result);
    });
    after.close();
    expect(rows).toEqual([{ id: 'future', shape: 'new' }]);
  });

  it('a newer version upgrading the database while it is open: every later call fails with ERR_STORAGE_NEWER_VERSION', async () => {
    const name = newName();
    const told: Array<number | null> = [];
    const store = await IdbJobStore.open(name, env, { onVersionChange: (version) => told.push(version) });
    opened.push(store);
    await store.add([job('before')]);
    (await openAt(name, QUEUE_DB_VERSION + 1, (database) => database.createObjectStore('addedLater'))).close();
    expect(told).toEqual([QUEUE_DB_VERSION + 1]);
    for (const call of [() => store.add([job('after')]), () => store.counts(), () => store.commit([], claim(1)), () => store.get('x')]) {
      const error = await failureOf(call());
      expect(error).toBeInstanceOf(StorageError);
      expect(error.code).toBe('ERR_STORAGE_NEWER_VERSION');
      expect(error.message).toMatch(new RegExp(`is at version ${QUEUE_DB_VERSION + 1}, made by a newer version of offthread; this code knows version ${QUEUE_DB_VERSION}`));
    }
  });

  it('an upgrade blocked by a connection that will not close fails with a StorageError saying so, not a hang; it goes through once that one closes', async () => {
    const name = newName();
    const holder = await openAt(name, 1, (database) => database.createObjectStore('meta'));
    // A connection that ignores versionchange (a tab of an older build that does not step aside, devtools).
    holder.onversionchange = null;
    const error = await failureOf(openQueueDb(name, {}, 200));
    expect(error).toBeInstanceOf(StorageError);
    expect(error.message).toBe(
      `Upgrading IndexedDB database "${queueDbName(name)}" from version 1 to ${QUEUE_DB_VERSION} is blocked: another connection to it did not close within 200 ms; close this site's other tabs, then reload`,
    );
    holder.close();
    const store = await IdbJobStore.open(name, env);
    opened.push(store);
    await store.add([job('after')]);
    expect((await store.commit([], claim(1))).claimed.map((j) => j.name)).toEqual(['after']);
  });

  it('a database at this version that lacks a store is refused with a StorageError saying which, not a raw DOMException', async () => {
    const name = newName();
    (await openAt(name, QUEUE_DB_VERSION, (database) => database.createObjectStore('meta'))).close();
    const error = await failureOf(IdbJobStore.open(name, env));
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe('ERR_STORAGE');
    expect(error.message).toBe(
      `IndexedDB database "${queueDbName(name)}" (version ${QUEUE_DB_VERSION}) is damaged: it has no object store "jobs", "schedules". ` +
        'Nothing was written to it; delete it (its jobs are lost) or use another queue name',
    );
  });
});
