// The Runner records failures: retries after backoff, stalls for crashed workers and for dead owners.
import { describe, expect, it } from 'vitest';
import { FakeLocks } from './support/fake-locks';
import { crash, thrown, useHarness } from './support/runner-harness';

const { create, started } = useHarness();

describe('Runner: failures and retries', () => {
  it('retries a failing run after its backoff, then fails it after `attempts`', async () => {
    const h = await started();
    const [id] = await h.add({ opts: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 } } });
    h.runner.wake();
    await h.settle();

    h.executor.runOf(id!).fail(thrown);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'delayed', attempt: 1, error: thrown, runAt: h.clock.now() + 1_000 });

    await h.clock.advance(999);
    expect(h.executor.runs).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.executor.runs).toHaveLength(2);
    expect(h.executor.runs[1]!.request.attempt).toBe(2);

    h.executor.runOf(id!).fail(thrown);
    await h.settle();
    await h.clock.advance(1_999); // exponential: 2 s before the third attempt
    expect(h.executor.runs).toHaveLength(2);
    await h.clock.advance(1);
    expect(h.executor.runs).toHaveLength(3);
    expect(h.executor.runs[2]!.request.attempt).toBe(3);

    h.executor.runOf(id!).fail(thrown);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'failed', attempt: 3, error: thrown, finishedAt: h.clock.now() });
    expect(h.callsOf('settled').map((call) => call.state)).toEqual(['delayed', 'delayed', 'failed']);
    // Told as the events the queue emits: a retry, a retry, then the failure.
    expect(h.callsOf('settled').map((call) => call.as)).toEqual(['retrying', 'retrying', 'failed']);

    await h.clock.advance(60_000);
    expect(h.executor.runs).toHaveLength(3);
  });

  it('a run that succeeds on retry completes with its value', async () => {
    const h = await started();
    const [id] = await h.add({ opts: { attempts: 2, backoff: 500 } });
    h.runner.wake();
    await h.settle();
    h.executor.runOf(id!).fail(thrown);
    await h.clock.advance(500);
    h.executor.runOf(id!).succeed({ pixels: 4 });
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'completed', attempt: 2, result: { pixels: 4 }, error: undefined });
    expect(h.callsOf('settled').map(({ state, value }) => [state, value])).toEqual([
      ['delayed', undefined],
      ['completed', { pixels: 4 }],
    ]);
  });

  it.each([
    ['UnrecoverableError', { name: 'UnrecoverableError', code: 'ERR_UNRECOVERABLE', message: 'bad input' }],
    ['InvalidJobError', { name: 'InvalidJobError', code: 'ERR_INVALID_JOB', message: 'Unknown task "resize"' }],
  ])('an %s fails the job at once, with attempts left', async (_, error) => {
    const h = await started();
    const [id] = await h.add({ opts: { attempts: 5 } });
    h.runner.wake();
    await h.settle();
    h.executor.runOf(id!).fail(error);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'failed', attempt: 1, error });
    expect(h.callsOf('settled').map((call) => call.state)).toEqual(['failed']);
  });
});

describe('Runner: crashed workers are stalls', () => {
  it('a WorkerCrashedError does not spend an attempt: the job runs again at once', async () => {
    const h = await started({ maxStalls: 1 });
    const [id] = await h.add({ opts: { attempts: 1 } });
    h.runner.wake();
    await h.settle();
    h.executor.runOf(id!).fail(crash);
    await h.settle();

    expect(h.callsOf('stalled').map(({ state, job }) => [state, job.stalls])).toEqual([['waiting', 1]]);
    expect(h.callsOf('settled')).toEqual([]);
    expect(h.executor.runs).toHaveLength(2);
    expect(h.executor.runs[1]!.request.attempt).toBe(2);

    h.executor.runOf(id!).succeed('done');
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'completed', attempt: 2, stalls: 1, result: 'done' });
  });

  it('a crash and a handler failure: only the failure spends an attempt', async () => {
    const h = await started({ maxStalls: 3 });
    const [id] = await h.add({ opts: { attempts: 2, backoff: 0 } });
    h.runner.wake();
    await h.settle();
    h.executor.runOf(id!).fail(crash);
    await h.settle();
    h.executor.runOf(id!).fail(thrown);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'active', attempt: 3, stalls: 1 });
    h.executor.runOf(id!).fail(thrown);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'failed', attempt: 3, stalls: 1, error: thrown });
  });

  it('a job that crashes its worker every time ends failed after maxStalls, saying so', async () => {
    const h = await started({ maxStalls: 2 });
    const [poison, healthy] = await h.add({ name: 'poison', opts: { attempts: 5 } }, { name: 'healthy' });
    h.runner.wake();
    await h.settle();
    for (let i = 0; i < 3; i++) {
      h.executor.runOf(poison!).fail(crash);
      await h.settle();
    }
    const job = await h.job(poison!);
    expect(job).toMatchObject({ state: 'failed', attempt: 3, stalls: 3 });
    expect(job.error).toEqual({
      name: 'WorkerCrashedError',
      code: 'ERR_WORKER_CRASHED',
      message: `Job ${poison} (poison) stalled 3 times: the tab or worker running it kept dying, more than maxStalls (2) allows`,
      cause: crash,
    });
    expect(h.callsOf('stalled').map((call) => call.state)).toEqual(['waiting', 'waiting', 'failed']);

    // Other jobs keep flowing.
    expect(h.executor.runOf(healthy!).request.name).toBe('healthy');
  });
});

describe('Runner: leases (Node has no Web Locks, so lease expiry is what tells a dead owner)', () => {
  it('renews the lease of a run in progress', async () => {
    const h = await started({ leaseMs: 30_000 });
    const [id] = await h.add({});
    h.runner.wake();
    await h.settle();
    const claimedAt = h.clock.now();
    expect((await h.job(id!)).leaseUntil).toBe(claimedAt + 30_000);
    await h.clock.advance(10_000);
    expect((await h.job(id!)).leaseUntil).toBe(claimedAt + 40_000);
    await h.clock.advance(60_000);
    expect((await h.job(id!)).leaseUntil).toBe(claimedAt + 100_000);
  });

  it('takes back a job whose owner stopped renewing once its lease expires, as a stall', async () => {
    const h = create({ leaseMs: 30_000, reclaimIntervalMs: 5_000, maxStalls: 1 });
    const [id] = await h.add({ opts: { attempts: 1 } });
    // Another runner claimed it, then died.
    await h.store.commit([], { max: 1, owner: 'dead-tab', ranBy: 'tab:dead', leaseMs: 30_000, token: () => 'dead-run', online: true });
    await h.runner.start();
    await h.settle();
    expect(h.executor.runs).toHaveLength(0);

    await h.clock.advance(25_000);
    expect((await h.job(id!)).state).toBe('active');
    expect(h.executor.runs).toHaveLength(0);

    await h.clock.advance(10_000);
    expect(h.callsOf('stalled').map(({ id: stalledId, state, job }) => [stalledId, state, job.stalls])).toEqual([[id, 'waiting', 1]]);
    expect(h.executor.runs).toHaveLength(1);
    expect(h.executor.runs[0]!.request.attempt).toBe(2);
    h.executor.runOf(id!).succeed('rerun');
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'completed', result: 'rerun', stalls: 1 });
  });

  it("with owner locks that tell (Web Locks, faked), a dead owner's job is taken back at start, its lease unexpired, and a live one's when it dies", async () => {
    const locks = new FakeLocks();
    const h = create({ leaseMs: 30_000, reclaimIntervalMs: 5_000, maxStalls: 1, locks, concurrency: 2 });
    const [dead, alive] = await h.add({}, {});
    await h.store.commit([], { max: 1, owner: 'dead-tab', ranBy: 'tab:dead', leaseMs: 30_000, token: () => 'dead-run', online: true });
    await locks.hold('live-tab');
    await h.store.commit([], { max: 1, owner: 'live-tab', ranBy: 'tab:live', leaseMs: 30_000, token: () => 'live-run', online: true });
    await h.runner.start();
    await h.settle();
    expect(locks.held).toEqual(new Set(['live-tab', h.runner.owner]));
    expect(h.callsOf('stalled').map((call) => call.id)).toEqual([dead]);
    expect(h.executor.started).toEqual([dead]);

    locks.kill('live-tab');
    await h.settle();
    await h.settle();
    expect(h.callsOf('stalled').map((call) => call.id)).toEqual([dead, alive]);
    expect(h.executor.started).toEqual([dead, alive]);
    await h.runner.close({ force: true });
    expect(locks.held).toEqual(new Set());
  });

  it('does not take back its own runs, however long they take', async () => {
    const h = await started({ leaseMs: 30_000, reclaimIntervalMs: 5_000 });
    const [id] = await h.add({});
    h.runner.wake();
    await h.settle();
    await h.clock.advance(10 * 60_000);
    expect(h.callsOf('stalled')).toEqual([]);
    expect(h.executor.runs).toHaveLength(1);
    expect((await h.job(id!)).state).toBe('active');
  });
});

describe('Runner: network jobs', () => {
  const offline = { name: 'FetchError', code: 'ERR_OFFLINE', message: 'Offline: could not fetch /api' };

  it('leaves network jobs waiting while offline, and runs the others', async () => {
    let online = false;
    const h = await started({ concurrency: 2, isOnline: () => online });
    const [upload, local] = await h.add({ name: 'upload', opts: { requiresNetwork: true } }, { name: 'local' });
    h.runner.wake();
    await h.settle();
    expect(h.executor.started).toEqual([local]);
    expect((await h.job(upload!)).state).toBe('waiting');

    online = true;
    h.runner.wake(); // as the queue does on the browser's `online` event
    await h.settle();
    expect(h.executor.started).toEqual([local, upload]);
  });

  it('a network job that finds the network gone waits for it without spending an attempt', async () => {
    let online = true;
    const h = await started({ isOnline: () => online });
    const [id] = await h.add({ name: 'upload', opts: { requiresNetwork: true, attempts: 1 } });
    h.runner.wake();
    await h.settle();
    online = false;
    h.executor.runOf(id!).fail(offline);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'waiting', attempt: 0, error: offline });
    expect(h.executor.runs).toHaveLength(1);

    online = true;
    h.runner.wake();
    await h.settle();
    expect(h.executor.runs[1]!.request.attempt).toBe(1);
    h.executor.runOf(id!).succeed('uploaded');
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'completed', attempt: 1, result: 'uploaded' });
  });

  // navigator.onLine says online while requests get no answer (a captive portal, a dead access point): the job
  // must not be spent on it, and network jobs must not be retried in a tight loop either.
  it('a network job whose request got no answer while "online" waits, without spending an attempt, for a probe that doubles', async () => {
    const noAnswer = { name: 'FetchError', code: 'ERR_FETCH', message: 'Network failure: could not fetch /api' };
    const h = await started({ concurrency: 2, isOnline: () => true });
    const [id, local] = await h.add({ name: 'upload', opts: { requiresNetwork: true, attempts: 1 } }, { name: 'local' });
    h.runner.wake();
    await h.settle();
    h.executor.runOf(id!).fail(noAnswer);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'waiting', attempt: 0, error: noAnswer });
    expect(h.executor.started).toEqual([id, local]); // the other job was not held back

    await h.clock.advance(999);
    expect(h.executor.runs.filter((r) => r.request.jobId === id)).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.executor.runs.filter((r) => r.request.jobId === id)).toHaveLength(2);
    h.executor.runOf(id!).fail(noAnswer);
    await h.settle();
    await h.clock.advance(1_999); // the second wait is 2 s
    expect(h.executor.runs.filter((r) => r.request.jobId === id)).toHaveLength(2);

    h.runner.networkBack(); // the browser's `online` event ends the wait
    await h.settle();
    expect(h.executor.runs.filter((r) => r.request.jobId === id)).toHaveLength(3);
    h.executor.runOf(id!).succeed('uploaded');
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'completed', attempt: 1, result: 'uploaded' });
  });

  // A host that is down, a wrong URL, a CORS refusal: no answer ever, while the browser says online. The job
  // must not wait forever out of sight: past the grace, its attempts are spent and it ends in the failed set.
  it('a network job that keeps getting no answer while "online" spends its attempts once the grace is over; an answer restarts the grace', async () => {
    const noAnswer = { name: 'FetchError', code: 'ERR_FETCH', message: 'Network failure: could not fetch /api' };
    const unavailable = { name: 'FetchError', code: 'ERR_FETCH', message: 'HTTP 503 from /api', status: 503 };
    const h = await started({ isOnline: () => true, unansweredGraceMs: 10_000 });
    const [id] = await h.add({ name: 'upload', opts: { requiresNetwork: true, attempts: 4, backoff: 0 } });
    const runsOf = () => h.executor.runs.filter((r) => r.request.jobId === id);
    const t0 = h.clock.now();
    h.runner.wake();
    await h.settle();
    h.executor.runOf(id!).fail(noAnswer);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'waiting', attempt: 0, unansweredSince: t0 });

    // Within the grace: given back. The next run (after the 1 s probe) is still going when the grace ends.
    await h.clock.advance(1_000);
    expect(runsOf()).toHaveLength(2);
    await h.clock.advance(9_000);
    h.executor.runOf(id!).fail(noAnswer);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'waiting', attempt: 1, unansweredSince: t0, error: noAnswer, history: [{ attempt: 1, outcome: 'failed', error: noAnswer }] });

    // An answer (even an error) restarts the grace: the retry goes at once (backoff 0), and its no-answer is given back.
    await h.clock.advance(2_000);
    expect(runsOf()).toHaveLength(3);
    h.executor.runOf(id!).fail(unavailable);
    await h.settle();
    expect(runsOf()).toHaveLength(4);
    expect(await h.job(id!)).toMatchObject({ state: 'active', attempt: 3, unansweredSince: undefined, error: unavailable });
    h.executor.runOf(id!).fail(noAnswer);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'waiting', attempt: 2, unansweredSince: h.clock.now() });

    // Past the grace once more: from then on every no-answer spends an attempt, and the job ends failed, saying why.
    h.runner.networkBack(); // the next run at once, not after the doubling probe
    await h.settle();
    expect(runsOf()).toHaveLength(5);
    await h.clock.advance(10_000);
    h.executor.runOf(id!).fail(noAnswer);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'waiting', attempt: 3 });
    h.runner.networkBack();
    await h.settle();
    expect(runsOf()).toHaveLength(6);
    h.executor.runOf(id!).fail(noAnswer);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'failed', attempt: 4, error: noAnswer });
  });

  it('an HTTP error (a FetchError with a status) spends attempts as any failure does', async () => {
    const unavailable = { name: 'FetchError', code: 'ERR_FETCH', message: 'HTTP 503 from /api', status: 503 };
    const h = await started();
    const [id] = await h.add({ name: 'upload', opts: { requiresNetwork: true, attempts: 1 } });
    h.runner.wake();
    await h.settle();
    h.executor.runOf(id!).fail(unavailable);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'failed', attempt: 1, error: unavailable });
  });

  // A tab without workers may add jobs without knowing their task's `requiresNetwork` (seen in the Background
  // Sync e2e test: the service worker ran such a job while its navigator.onLine still said online).
  it('a job not added as a network job whose ctx.fetch finds the browser offline becomes one, and waits', async () => {
    let online = true;
    const h = await started({ isOnline: () => online });
    const [id] = await h.add({ opts: { attempts: 1 } });
    h.runner.wake();
    await h.settle();
    online = false;
    h.executor.runOf(id!).fail(offline);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'waiting', attempt: 0, requiresNetwork: true, error: offline });
    h.runner.wake();
    await h.settle();
    expect(h.executor.runs).toHaveLength(1); // no loop while offline

    online = true;
    h.runner.wake();
    await h.settle();
    h.executor.runOf(id!).succeed('uploaded');
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'completed', attempt: 1, result: 'uploaded' });
  });

  it('no answer while "online", from a job that did not ask for the network, is an ordinary failure', async () => {
    const noAnswer = { name: 'FetchError', code: 'ERR_FETCH', message: 'Network failure: could not fetch /api' };
    const h = await started();
    const [id] = await h.add({ opts: { attempts: 1 } });
    h.runner.wake();
    await h.settle();
    h.executor.runOf(id!).fail(noAnswer);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'failed', attempt: 1, requiresNetwork: false, error: noAnswer });
  });
});
