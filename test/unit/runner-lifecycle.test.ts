// The Runner's life: cancel, pause and resume, close, drained.
import { describe, expect, it } from 'vitest';
import { thrown, useHarness } from './support/runner-harness';

const { create, started } = useHarness();

describe('Runner: cancel', () => {
  it('a late response for a cancelled run is not recorded', async () => {
    const h = await started({ cancelGraceMs: 750 });
    const [id, next] = await h.add({}, {});
    h.runner.wake();
    await h.settle();
    const run = h.executor.runOf(id!);

    // As queue.cancel does: the store first, then the runner.
    await h.store.commit([{ id: id!, action: { type: 'cancel', error: { name: 'JobCancelledError', message: 'cancelled' } } }]);
    const reason = new Error('cancelled by the user');
    h.runner.cancelled(id!, reason);
    expect(h.executor.aborts).toEqual([{ runId: run.request.runId, reason, graceMs: 750 }]);
    await h.settle();

    // The freed slot goes to the next job.
    expect(h.executor.runOf(next!)).toBeDefined();

    run.succeed('too late');
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'cancelled', result: undefined });
    expect(h.callsOf('settled').filter((call) => call.id === id)).toEqual([]);
  });

  it('cancelled() for a job that does not run here does nothing', async () => {
    const h = await started();
    h.runner.cancelled('elsewhere', new Error('x'));
    expect(h.executor.aborts).toEqual([]);
  });
});

describe('Runner: pause, resume, close', () => {
  // A claim under way when the runner is told to stop brings its jobs back after: they must not start then.
  for (const stop of ['pause', 'close', 'leaving'] as const) {
    for (const deferClaims of [false, true]) {
      it(`a claim ${deferClaims ? 'deferred' : 'written'} that comes back after ${stop === 'leaving' ? 'leaving(true)' : `${stop}()`} starts nothing: its job waits, its attempt not spent`, async () => {
        const h = await started({ deferClaims });
        const [id] = await h.add({});
        let open!: () => void;
        h.store.gate = new Promise((resolve) => (open = resolve));
        h.runner.wake();
        await h.settle();
        expect(h.store.log.at(-1)).toEqual({ updates: 0, claimed: true });
        const closed = stop === 'close' ? h.runner.close() : (h.runner[stop](true), undefined);
        h.store.gate = undefined;
        open();
        await closed;
        await h.settle();
        expect(h.executor.started).toEqual([]);
        expect(h.callsOf('active')).toEqual([]);
        expect(await h.job(id!)).toMatchObject({ state: 'waiting', attempt: 0, token: undefined });
        if (stop === 'close') return;
        // Once it may start jobs again, the job runs, as its first attempt.
        if (stop === 'pause') h.runner.resume();
        else h.runner.leaving(false);
        await h.settle();
        expect(h.executor.started).toEqual([id]);
        expect(h.callsOf('active')).toMatchObject([{ id, attempt: 1 }]);
      });
    }
  }

  it('resume() once close() has begun starts nothing: close wins', async () => {
    const h = await started({ concurrency: 1 });
    const [a, b] = await h.add({}, {});
    h.runner.wake();
    await h.settle();
    expect(h.executor.started).toEqual([a]);
    const closed = h.runner.close();
    h.runner.resume();
    await h.settle();
    h.executor.runOf(a!).succeed(1);
    await closed;
    expect(h.executor.started).toEqual([a]);
    expect(await h.job(b!)).toMatchObject({ state: 'waiting', attempt: 0 });
  });

  it('pause() stops claiming; the run in progress is still recorded; resume() restarts', async () => {
    const h = await started({ concurrency: 1 });
    const [a, b, c] = await h.add({}, {}, {});
    h.runner.wake();
    await h.settle();
    expect(h.executor.started).toEqual([a]);

    h.runner.pause();
    h.executor.runOf(a!).succeed(1);
    await h.settle();
    expect((await h.job(a!)).state).toBe('completed');
    expect(h.executor.started).toEqual([a]);
    h.runner.wake();
    await h.clock.advance(60_000);
    expect(h.executor.started).toEqual([a]);
    expect((await h.job(b!)).state).toBe('waiting');

    h.runner.resume();
    await h.settle();
    expect(h.executor.started).toEqual([a, b]);
    h.executor.runOf(b!).succeed(2);
    await h.settle();
    expect(h.executor.started).toEqual([a, b, c]);
  });

  it('leaving(true) (the page hides) stops claiming, offered jobs included, apart from pause(); leaving(false) restarts', async () => {
    const h = await started({ concurrency: 1, deferClaims: true });
    h.executor.capacity = 4;
    const [a] = await h.add({});
    h.runner.wake();
    await h.settle();
    expect(h.executor.started).toEqual([a]);

    h.runner.leaving(true);
    // The run in progress goes on and is recorded.
    h.executor.runOf(a!).succeed('a');
    await h.settle();
    expect(await h.job(a!)).toMatchObject({ state: 'completed', result: 'a' });
    // Neither a wake (the browser's online event, say) nor an offer of jobs just stored starts anything.
    const [b] = await h.add({});
    h.runner.offer([await h.job(b!)]);
    h.runner.wake();
    await h.clock.advance(60_000);
    expect(h.executor.started).toEqual([a]);
    expect(await h.job(b!)).toMatchObject({ state: 'waiting', attempt: 0, token: undefined });

    // A pause made meanwhile still holds once the page is shown again.
    h.runner.pause();
    h.runner.leaving(false);
    await h.settle();
    expect(h.executor.started).toEqual([a]);
    h.runner.resume();
    await h.settle();
    expect(h.executor.started).toEqual([a, b]);
  });

  it('a runner paused before it starts claims nothing', async () => {
    const h = create();
    await h.add({});
    h.runner.pause();
    await h.runner.start();
    await h.settle();
    expect(h.executor.runs).toHaveLength(0);
    h.runner.resume();
    await h.settle();
    expect(h.executor.runs).toHaveLength(1);
  });

  it('close() waits for runs in progress to end and be recorded, and claims nothing more', async () => {
    const h = await started({ concurrency: 2 });
    const [a, b, c] = await h.add({}, {}, {});
    h.runner.wake();
    await h.settle();

    let closed = false;
    const closing = h.runner.close().then(() => (closed = true));
    await h.settle();
    expect(closed).toBe(false);

    h.executor.runOf(a!).succeed('a');
    await h.settle();
    expect(closed).toBe(false);

    h.executor.runOf(b!).fail(thrown);
    await closing;
    expect(await h.job(a!)).toMatchObject({ state: 'completed', result: 'a' });
    expect(await h.job(b!)).toMatchObject({ state: 'failed', error: thrown });
    expect(await h.job(c!)).toMatchObject({ state: 'waiting', attempt: 0 });
    expect(h.executor.started).toEqual([a, b]);

    await h.clock.advance(60_000);
    expect(h.executor.started).toEqual([a, b]);
    expect(h.clock.pending).toBe(0);
  });

  it('close() of an idle runner resolves at once and clears its timers', async () => {
    const h = await started();
    await h.runner.close();
    expect(h.clock.pending).toBe(0);
  });

  it('close({ force: true }) hands running jobs back as waiting, their attempt not counted', async () => {
    const h = await started({ concurrency: 2 });
    const [a, b] = await h.add({ opts: { attempts: 1 } }, { opts: { attempts: 1 } });
    h.runner.wake();
    await h.settle();
    expect(h.executor.inFlight).toBe(2);

    await h.runner.close({ force: true });
    for (const id of [a!, b!]) {
      expect(await h.job(id)).toMatchObject({ state: 'waiting', attempt: 0, startedAt: undefined, token: undefined, owner: undefined });
    }

    // The runs end later: nothing of theirs is recorded.
    h.executor.runOf(a!).succeed('late');
    h.executor.runOf(b!).fail(thrown);
    await h.settle();
    expect(await h.job(a!)).toMatchObject({ state: 'waiting', result: undefined });
    expect(await h.job(b!)).toMatchObject({ state: 'waiting', error: undefined });
    expect(h.callsOf('settled')).toEqual([]);
  });
});

describe('Runner: the backstop', () => {
  it('an idle runner whose last claim followed no wake from outside claims again at the next reclaim check: a job its store missed does not wait for ever; then it rests', async () => {
    const h = await started({ reclaimIntervalMs: 5_000 });
    // A store that, once `hideUntil` is set, misses jobs until the reclaim check (as IndexedDB's read floor could
    // miss a job put in line by something that leaves no mark): only a claim made at the check finds them.
    const checkAt = h.clock.now() + 5_000;
    let hideUntil = -Infinity;
    const commit = h.store.commit.bind(h.store);
    h.store.commit = (updates, claim) => commit(updates, claim && h.clock.now() < hideUntil ? { ...claim, max: 0 } : claim);
    // A job runs and ends: the turn that records its end claims from the floor.
    const [first] = await h.add({});
    h.runner.wake();
    await h.settle();
    h.executor.runOf(first!).succeed(1);
    await h.settle();
    expect((await h.job(first!)).state).toBe('completed');
    hideUntil = checkAt;
    const [id] = await h.add({});
    // Stored without the runner being woken (as by a path that forgot to): it is not run yet...
    await h.clock.advance(4_000);
    expect(h.executor.started).toEqual([first]);
    // ...but at the next check it is.
    await h.clock.advance(1_000);
    expect(h.executor.started).toEqual([first, id]);
    h.executor.runOf(id!).succeed(2);
    await h.settle();
    // Once a read from the start has found nothing more, an idle runner makes no more commits.
    await h.clock.advance(5_000);
    const commits = h.store.commits;
    await h.clock.advance(30_000);
    expect(h.store.commits).toBe(commits);
  });
});

describe('Runner: drained', () => {
  it('fires once nothing is running and nothing is ready, and again after new work', async () => {
    const h = await started({ concurrency: 2 });
    const drained = () => h.callsOf('drained').length;
    expect(drained()).toBe(1); // started with nothing to do

    const [a, b] = await h.add({}, {});
    h.runner.wake();
    await h.settle();
    h.executor.runOf(a!).succeed();
    await h.settle();
    expect(drained()).toBe(1); // b still runs

    h.executor.runOf(b!).succeed();
    await h.settle();
    expect(drained()).toBe(2);

    h.runner.wake(); // a wake with nothing new does not repeat it
    await h.settle();
    expect(drained()).toBe(2);

    const [c] = await h.add({});
    h.runner.wake();
    await h.settle();
    h.executor.runOf(c!).succeed();
    await h.settle();
    expect(drained()).toBe(3);
  });

  it('fires while a retry waits out its backoff (nothing running, nothing ready), and after it', async () => {
    const h = await started();
    const [id] = await h.add({ opts: { attempts: 2, backoff: 1_000 } });
    h.runner.wake();
    await h.settle();
    const drained = () => h.callsOf('drained').length;
    const before = drained();

    h.executor.runOf(id!).fail(thrown);
    await h.settle();
    expect((await h.job(id!)).state).toBe('delayed');
    expect(drained()).toBe(before + 1);

    await h.clock.advance(1_000);
    h.executor.runOf(id!).succeed();
    await h.settle();
    expect((await h.job(id!)).state).toBe('completed');
    expect(drained()).toBe(before + 2);
    expect(h.calls.at(-1)).toEqual({ event: 'drained' });
  });
});
