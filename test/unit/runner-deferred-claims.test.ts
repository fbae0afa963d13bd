// Deferred claims: a runner that holds the queue's lock does not write the claim of a short job before it
// runs; it writes it with the outcome (one write instead of two), or after CLAIM_WRITE_MS if the run goes on.
import { describe, expect, it } from 'vitest';
import { CLAIM_WRITE_MS } from '../../src/runner/deferred-claims';
import { crash, thrown, useHarness } from './support/runner-harness';

const { started } = useHarness();

/** A runner that may defer, over a pool that lines up short jobs (it takes 4 at once with concurrency 1). */
async function deferring() {
  const h = await started({ deferClaims: true });
  h.executor.capacity = 4;
  return h;
}

describe('Runner: deferred claims', () => {
  it('runs a short job without writing its claim, then writes claim and outcome in one commit', async () => {
    const h = await deferring();
    const [id] = await h.add({});
    const commitsBefore = h.store.commits;
    h.runner.wake();
    await h.settle();
    expect(h.executor.started).toEqual([id]);
    // Running, and said so, but still waiting in the store: nothing was written for it.
    expect(h.callsOf('active')).toMatchObject([{ id, state: 'active', attempt: 1 }]);
    expect(await h.job(id!)).toMatchObject({ state: 'waiting', attempt: 0, token: undefined });

    const startedAt = h.clock.now();
    await h.clock.advance(3);
    h.executor.runOf(id!).succeed('done');
    await h.settle();
    expect(await h.job(id!)).toMatchObject({
      state: 'completed',
      attempt: 1,
      result: 'done',
      startedAt,
      finishedAt: startedAt + 3,
      ranBy: 'tab:test',
      history: [{ attempt: 1, outcome: 'completed', startedAt, finishedAt: startedAt + 3 }],
    });
    expect(h.callsOf('settled')).toMatchObject([{ id, as: 'completed', state: 'completed', value: 'done' }]);
    // The claim, then the commit that wrote claim and completion together. That one did not look for more: the
    // claim had found the line empty, and nothing has joined it since.
    expect(h.store.log.slice(commitsBefore)).toEqual([
      { updates: 0, claimed: true },
      { updates: 2, claimed: false },
    ]);
  });

  it('does not take a job again while its claim is unwritten', async () => {
    const h = await deferring();
    const ids = await h.add({}, {});
    h.runner.wake();
    await h.settle();
    expect(h.executor.started).toEqual(ids);
    for (let i = 0; i < 3; i++) {
      h.runner.wake();
      await h.settle();
    }
    const [third] = await h.add({});
    h.runner.wake();
    await h.settle();
    expect(h.executor.started).toEqual([...ids, third]);
  });

  it('writes the claim of a run that goes on for CLAIM_WRITE_MS, and renews it from then', async () => {
    const h = await deferring();
    const [id] = await h.add({});
    h.runner.wake();
    await h.settle();
    await h.clock.advance(CLAIM_WRITE_MS - 1);
    expect(await h.job(id!)).toMatchObject({ state: 'waiting' });
    await h.clock.advance(1);
    const token = h.executor.runOf(id!).request.runId;
    expect(await h.job(id!)).toMatchObject({ state: 'active', attempt: 1, token, owner: h.runner.owner, leaseUntil: h.clock.now() + 30_000 });
    const { leaseUntil } = await h.job(id!);
    await h.clock.advance(10_000); // the lease is renewed every third of it
    expect((await h.job(id!)).leaseUntil).toBeGreaterThan(leaseUntil!);
    h.executor.runOf(id!).succeed(1);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'completed', attempt: 1 });
  });

  it('writes the claim before the first progress', async () => {
    const h = await deferring();
    const [id] = await h.add({});
    h.runner.wake();
    await h.settle();
    h.executor.runOf(id!).onProgress!(25);
    await h.clock.advance(250);
    expect(await h.job(id!)).toMatchObject({ state: 'active', progress: 25 });
  });

  it('a failure or a crash counts as the attempt it was', async () => {
    const h = await deferring();
    const [failing, crashing] = await h.add({ opts: { attempts: 2, backoff: 100 } }, { opts: { attempts: 1 } });
    h.runner.wake();
    await h.settle();
    h.executor.runOf(failing!).fail(thrown);
    h.executor.runOf(crashing!).fail(crash);
    await h.settle();
    expect(await h.job(failing!)).toMatchObject({ state: 'delayed', attempt: 1, error: thrown });
    expect(await h.job(crashing!)).toMatchObject({ state: 'waiting', attempt: 1, stalls: 1 });
  });

  it('a job cancelled or removed in the store meanwhile is not brought back; its run is stopped', async () => {
    const h = await deferring();
    const [cancelled, removed] = await h.add({}, {});
    h.runner.wake();
    await h.settle();
    // Another tab cancels one and removes the other, before this runner hears of it.
    await h.store.commit([{ id: cancelled!, action: { type: 'cancel', error: { name: 'JobCancelledError', message: 'cancelled elsewhere' } } }]);
    await h.store.remove([removed!]);
    await h.clock.advance(CLAIM_WRITE_MS);
    expect(h.executor.aborts.map((a) => a.runId)).toEqual([cancelled, removed].map((id) => h.executor.runs.find((r) => r.request.jobId === id)!.request.runId));
    h.executor.runOf(cancelled!).succeed('late');
    h.executor.runOf(removed!).succeed('late');
    await h.settle();
    expect(await h.job(cancelled!)).toMatchObject({ state: 'cancelled', result: undefined });
    expect(await h.store.get(removed!)).toBeUndefined();
    expect(h.callsOf('settled')).toEqual([]);
  });

  it('a forced close writes nothing for runs whose claim is unwritten: they still wait, attempt not spent', async () => {
    const h = await deferring();
    const [id] = await h.add({});
    h.runner.wake();
    await h.settle();
    await h.runner.close({ force: true });
    expect(await h.job(id!)).toMatchObject({ state: 'waiting', attempt: 0, token: undefined });
  });

  it('writes claims at once without deferClaims, or when jobs are not short (one per worker)', async () => {
    for (const [deferClaims, capacity] of [[false, 4], [true, 1]] as const) {
      const h = await started({ deferClaims });
      h.executor.capacity = capacity;
      const [id] = await h.add({});
      h.runner.wake();
      await h.settle();
      expect(await h.job(id!)).toMatchObject({ state: 'active', attempt: 1 });
    }
  });
});

describe('Runner: jobs offered by the context that stored them', () => {
  it('runs them at once when the line was empty, without a commit to find them', async () => {
    const h = await deferring();
    h.runner.wake();
    await h.settle(); // the line is seen empty
    const ids = await h.add({}, {});
    const commits = h.store.commits;
    h.runner.offer(await Promise.all(ids.map((id) => h.job(id))));
    expect(h.executor.started).toEqual(ids);
    expect(h.store.commits).toBe(commits);
    for (const id of ids) h.executor.runOf(id).succeed(id);
    await h.settle();
    expect(await Promise.all(ids.map(async (id) => (await h.job(id)).state))).toEqual(['completed', 'completed']);
  });

  it('leaves them to a turn when something else may be waiting, or a slot is missing', async () => {
    const h = await deferring();
    const [older] = await h.add({ opts: { priority: 1 } });
    const newerJob = await h.job((await h.add({}))[0]!);
    const newer = newerJob.id;
    // Another tab's job woke the runner, and its turn is under way: the offer must not pass that job.
    h.runner.wake();
    h.runner.offer([newerJob]);
    await h.settle();
    expect(h.executor.started).toEqual([older, newer]);

    const more = await h.add({}, {}, {});
    h.runner.offer(await Promise.all(more.map((id) => h.job(id)))); // 3 jobs, 2 free slots
    await h.settle();
    expect(h.executor.started).toEqual([older, newer, more[0], more[1]]);
  });
});

describe('Runner: a queue whose line is empty', () => {
  it('records the end of a run without looking for jobs: one write; a wake from outside makes it look again', async () => {
    const h = await started({ concurrency: 2 });
    const [first] = await h.add({});
    h.runner.wake();
    await h.settle(); // the claim takes it, and finds the line empty after it
    const mark = h.store.log.length;
    h.executor.runOf(first!).succeed(1);
    await h.settle();
    expect(h.store.log.slice(mark)).toEqual([{ updates: 1, claimed: false }]);
    expect(await h.job(first!)).toMatchObject({ state: 'completed', result: 1 });
    // Told in order: the result, then that the queue drained.
    expect(h.calls.slice(-2).map((c) => c.event)).toEqual(['settled', 'drained']);

    // Another tab added a job while this one ran: its message wakes the runner, which then looks, also when a run ends.
    const [second] = await h.add({});
    const [third] = await h.add({});
    h.runner.wake();
    await h.settle();
    expect(h.executor.started).toEqual([first, second, third]);
    const [fourth] = await h.add({});
    h.runner.wake(); // no room for it: both slots run
    await h.settle();
    h.executor.runOf(second!).succeed(2);
    await h.settle();
    expect(h.executor.started).toEqual([first, second, third, fourth]);
  });

  it('looks for jobs after a run whose job went back in line: a retry at once, or after its backoff', async () => {
    const h = await started({ concurrency: 3 }); // a slot more than there are jobs: the claim finds the line empty
    const [now, later] = await h.add({ opts: { attempts: 2, backoff: { type: 'fixed', delay: 0 } } }, { opts: { attempts: 2, backoff: { type: 'fixed', delay: 1_000 } } });
    h.runner.wake();
    await h.settle();
    const drained = h.callsOf('drained').length;
    h.executor.runOf(now!).fail({ name: 'Error', message: 'once' });
    h.executor.runOf(later!).fail({ name: 'Error', message: 'once' });
    await h.settle();
    // The first goes again at once; the second once its backoff is over.
    expect(h.executor.started).toEqual([now, later, now]);
    await h.clock.advance(1_000);
    expect(h.executor.started).toEqual([now, later, now, later]);
    expect(h.callsOf('drained')).toHaveLength(drained);
    h.executor.runOf(now!).succeed(1);
    h.executor.runOf(later!).succeed(2);
    await h.settle();
    expect(await Promise.all([now, later].map(async (id) => (await h.job(id!)).state))).toEqual(['completed', 'completed']);
    expect(h.callsOf('drained')).toHaveLength(drained + 1);
  });
});

describe("Runner: deferClaims 'offered' (a memory queue)", () => {
  it('writes the claims it makes in turns at once, and starts offered jobs without a turn', async () => {
    const h = await started({ deferClaims: 'offered' });
    h.executor.capacity = 4;
    const [turned] = await h.add({});
    h.runner.wake();
    await h.settle();
    expect(await h.job(turned!)).toMatchObject({ state: 'active', attempt: 1 });
    h.executor.runOf(turned!).succeed(1);
    await h.settle(); // the line is seen empty

    const offered = await h.job((await h.add({}))[0]!);
    const commits = h.store.commits;
    h.runner.offer([offered]);
    expect(h.executor.runOf(offered.id)).toBeDefined();
    expect(h.store.commits).toBe(commits);
    expect(await h.job(offered.id)).toMatchObject({ state: 'waiting', attempt: 0 });
    h.executor.runOf(offered.id).succeed(2);
    await h.settle();
    expect(await h.job(offered.id)).toMatchObject({ state: 'completed', attempt: 1, result: 2 });
  });
});

describe('Runner: jobs claimed ahead of room (claimAhead)', () => {
  it('takes claimAhead jobs per slot beyond what the executor takes while jobs are short, and one more as each run ends', async () => {
    const h = await started({ deferClaims: true, claimAhead: 2, concurrency: 2 });
    h.executor.capacity = 4;
    const ids = await h.add(...Array.from({ length: 20 }, () => ({})));
    h.runner.wake();
    await h.settle();
    // 2 workers with 2 runs in their lines, and 2 jobs per worker waiting for room.
    expect(h.executor.started).toEqual(ids.slice(0, 8));
    h.executor.runOf(ids[0]!).succeed(1);
    await h.settle();
    expect(h.executor.started).toEqual(ids.slice(0, 9));
    expect(h.executor.maxInFlight).toBe(8);
  });

  it('takes none ahead while jobs are not short, nor without claimAhead', async () => {
    for (const [claimAhead, capacity, taken] of [
      [2, undefined, 2],
      [undefined, 4, 4],
    ] as const) {
      const h = await started({ deferClaims: true, claimAhead, concurrency: 2 });
      h.executor.capacity = capacity;
      await h.add(...Array.from({ length: 20 }, () => ({})));
      h.runner.wake();
      await h.settle();
      expect(h.executor.started).toHaveLength(taken);
    }
  });
});
