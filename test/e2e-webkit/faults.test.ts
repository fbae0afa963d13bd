// Faults in WebKit, as test/e2e/faults.spec.ts causes them in Chromium: a worker that dies under its job, a
// job that spins past its timeout, and jobs cancelled while they wait and while they run (from another tab).
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { ErrorFacts, Settled } from '../e2e/harness/main';
import { openTab, pollUntil, readRunLog, runnerLockState, runsOf, uniqueQueue } from './support/harness';
import { WebKit } from './support/webkit';

let webkit: WebKit;
beforeEach(async () => {
  webkit = await WebKit.start();
});
afterEach(async () => {
  await webkit?.end();
});

/** The error of a settled call that must have failed. */
function failure(settled: Settled): ErrorFacts {
  if (settled.ok) throw new Error(`Expected a failure, got the value ${JSON.stringify(settled.value)}`);
  return settled.error;
}

test('a worker that dies under its job (self.close()) is noticed without a timeout: the job runs again and completes; one that always dies fails at the stall cap', async () => {
  const queue = uniqueQueue('wk-crash');
  const tab = await openTab(webkit, { queue, tab: 'A', concurrency: 2 });
  const once = await tab.evaluate(() =>
    window.harness.settle(async () => (await window.harness.queue.add('misbehave', { how: 'close', times: 1 }, { jobId: 'crash-once' })).result),
  );
  expect(once).toMatchObject({ ok: true, value: 'recovered on attempt 2' });
  expect(runsOf(await readRunLog(tab), 'crash-once').map((r) => [r.attempt, r.end === undefined ? 'never ended' : r.outcome])).toEqual([
    [1, 'never ended'],
    [2, 'ok'],
  ]);
  const stalled = (await tab.evaluate(() => window.harness.events)).find((e) => e.id === 'crash-once' && e.event === 'stalled');
  expect(stalled).toMatchObject({ state: 'waiting', attempt: 1 });

  // A poison pill: its worker dies every time. It stops at the stall cap (maxStalls 1: two runs), saying why,
  // its `attempts: 5` not spent; the jobs beside it complete.
  const { pill, others } = await tab.evaluate(async () => {
    const q = window.harness.queue;
    const pillJob = await q.add('crash', null, { jobId: 'pill', attempts: 5 });
    const rest = await q.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'echo' as const, data: i })));
    const [p, ...o] = await Promise.all([window.harness.settle(() => pillJob.result), ...rest.map((j) => window.harness.settle(() => j.result))]);
    return { pill: p!, others: o };
  });
  const error = failure(pill);
  expect(error).toMatchObject({ name: 'JobFailedError', code: 'ERR_JOB_FAILED' });
  const cause = error.cause as ErrorFacts;
  expect(cause.classes).toContain('WorkerCrashedError');
  expect(cause.message).toBe('Job pill (crash) stalled 2 times: the tab or worker running it kept dying, more than maxStalls (1) allows');
  expect(runsOf(await readRunLog(tab), 'pill').map((r) => [r.attempt, r.end])).toEqual([
    [1, undefined],
    [2, undefined],
  ]);
  expect(others.map((o) => (o.ok ? o.value : o.error.message))).toEqual(Array.from({ length: 10 }, (_, i) => i));
  expect(await tab.evaluate(() => window.harness.queue.counts())).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 11, failed: 1, cancelled: 0 });
});

test('an infinite loop with a timeout: the worker is terminated, JobTimeoutError is the cause, the killed run never writes, the queue keeps flowing', async () => {
  const queue = uniqueQueue('wk-loop');
  const tab = await openTab(webkit, { queue, tab: 'A', concurrency: 2 });
  // Spins 3 s (only terminate() stops it) against a 400 ms timeout, twice (attempts 2); a quick job beside it.
  const [loop, quick] = await tab.evaluate(async () => {
    const q = window.harness.queue;
    const [s, e] = await Promise.all([q.add('spin', 3_000, { jobId: 'spinner', timeout: 400, attempts: 2, backoff: 0 }), q.add('echo', 'beside the loop')]);
    return Promise.all([window.harness.settle(() => s.result), window.harness.settle(() => e.result)]);
  });
  expect(quick).toMatchObject({ ok: true, value: 'beside the loop' });
  const error = failure(loop);
  expect(error).toMatchObject({ name: 'JobFailedError', message: expect.stringMatching(/failed after 2 attempts: Job spinner \(spin\) ran over its timeout of 400 ms/) });
  const cause = error.cause as ErrorFacts;
  expect(cause.classes).toContain('JobTimeoutError');
  expect(cause).toMatchObject({ name: 'JobTimeoutError', code: 'ERR_JOB_TIMEOUT' });

  // Well after the spins would have ended, the killed runs still have no end: their workers are gone.
  await new Promise((r) => setTimeout(r, 3_500));
  expect(runsOf(await readRunLog(tab), 'spinner').map((r) => [r.attempt, r.end])).toEqual([
    [1, undefined],
    [2, undefined],
  ]);
  expect(await tab.evaluate(async () => (await window.harness.queue.getJob('spinner'))!.info())).toMatchObject({
    state: 'failed',
    attempt: 2,
    error: { name: 'JobTimeoutError' },
  });
  const after = await tab.evaluate(() => window.harness.settle(async () => (await window.harness.queue.add('spin', 50, { timeout: 5_000 })).result));
  expect(after).toMatchObject({ ok: true, value: 50 });
});

test('cancellation: a waiting job never runs; a running one is cancelled from another tab (its handler sees ctx.signal), one that ignores it is stopped, and one cancelled by its AbortSignal too', async () => {
  const queue = uniqueQueue('wk-cancel');
  const a = await openTab(webkit, { queue, tab: 'A', concurrency: 2 });
  await pollUntil(() => runnerLockState(a, queue), (s) => s.held === 1, { what: 'tab A to run the queue' });
  const b = await openTab(webkit, { queue, tab: 'B', worker: false });

  // Waiting (delayed a minute): cancelled before it runs.
  const waiting = await b.evaluate(async () => {
    const q = window.harness.queue;
    const job = await q.add('echo', 'never', { jobId: 'later', delay: 60_000 });
    const first = await q.cancel(job.id);
    const second = await q.cancel(job.id);
    return { first, second, result: await window.harness.settle(() => job.result), state: await job.state() };
  });
  expect(waiting).toMatchObject({ first: true, second: false, state: 'cancelled' });
  expect(failure(waiting.result)).toMatchObject({ name: 'JobCancelledError', message: 'Job later was cancelled' });

  // Running in A, cancelled from B: the sleep task stops when ctx.signal aborts.
  await b.evaluate(async () => {
    await window.harness.queue.add('sleep', 30_000, { jobId: 'cooperative' });
    await window.harness.queue.add('spin', 20_000, { jobId: 'stubborn' });
  });
  await pollUntil(async () => (await readRunLog(b)).filter((r) => r.jobId === 'cooperative' || r.jobId === 'stubborn').length, (n) => n === 2, {
    what: 'both long jobs to start in A',
  });
  const cancelled = await b.evaluate(async () => {
    const q = window.harness.queue;
    const jobs = await Promise.all(['cooperative', 'stubborn'].map((id) => q.getJob(id)));
    const done = await Promise.all(['cooperative', 'stubborn'].map((id) => q.cancel(id)));
    const results = await Promise.all(jobs.map((job) => window.harness.settle(() => job!.result)));
    return { done, results, states: await Promise.all(jobs.map((job) => job!.state())) };
  });
  expect(cancelled.done).toEqual([true, true]);
  expect(cancelled.states).toEqual(['cancelled', 'cancelled']);
  for (const [i, id] of ['cooperative', 'stubborn'].entries()) {
    expect(failure(cancelled.results[i]!)).toMatchObject({ name: 'JobCancelledError', message: `Job ${id} was cancelled` });
  }
  // The cooperative run ended (its sleep threw the abort); the spinning one never could: its worker was terminated.
  await pollUntil(async () => runsOf(await readRunLog(b), 'cooperative')[0]?.outcome, (o) => o !== undefined, { what: 'the cooperative run to end' });
  const log = await readRunLog(b);
  expect(runsOf(log, 'cooperative').map((r) => [r.tab, r.attempt, r.outcome])).toEqual([['A', 1, 'threw']]);
  expect(runsOf(log, 'stubborn').map((r) => [r.tab, r.attempt, r.end])).toEqual([['A', 1, undefined]]);

  // Cancelled through the AbortSignal it was added with, in the runner tab itself.
  const bySignal = await a.evaluate(async () => {
    const q = window.harness.queue;
    const controller = new AbortController();
    const job = await q.add('sleep', 30_000, { jobId: 'by-signal', signal: controller.signal });
    while ((await job.state()) !== 'active') await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    return { result: await window.harness.settle(() => job.result), state: await job.state() };
  });
  expect(bySignal.state).toBe('cancelled');
  expect(failure(bySignal.result).name).toBe('JobCancelledError');

  // The pool is whole again after the terminated worker: two jobs side by side complete.
  expect(await a.evaluate(() => Promise.all([window.harness.queue.run('echo', 1), window.harness.queue.run('echo', 2)]))).toEqual([1, 2]);
  expect(await b.evaluate(() => window.harness.queue.counts())).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 2, failed: 0, cancelled: 4 });
});
