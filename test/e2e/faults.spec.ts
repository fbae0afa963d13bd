// The core queue's entries of the fault matrix in docs/guarantees.md, one test each (or more),
// in real Chromium, with harness tabs (test/e2e/harness/) on a queue of their own.
//
// Not here: the service worker entries, offline and periodic jobs (test/e2e/service-worker.spec.ts), and "clock
// jumps", which needs a clock injected into the library (Playwright's fake clock does not reach workers).
//
// Timing bounds are loose on purpose: this runs on a shared 2-core machine.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { ErrorFacts, Settled } from './harness/main';
import { HARNESS_ORIGIN, openTab, uniqueQueue } from './support/harness';
import {
  closeTab,
  crashTab,
  eventsOf,
  overlapProblems,
  readRunLog,
  runnerLockState,
  runsOf,
  waitForRunnerLock,
  type Death,
  type RunEntry,
} from './support/faults';

/** The error of a settled call that must have failed. */
function failure(settled: Settled): ErrorFacts {
  if (settled.ok) throw new Error(`Expected a failure, got the value ${JSON.stringify(settled.value)}`);
  return settled.error;
}

/** Notes a measured time in the test's annotations (printed too when OFFTHREAD_NOTES is set). */
function note(type: string, description: string): void {
  test.info().annotations.push({ type, description });
  if (process.env.OFFTHREAD_NOTES) console.log(`[${test.info().title.slice(0, 40)}] ${type}: ${description}`);
}

/** Opens tab A and waits until it is the queue's runner, then opens B (a runner in waiting). */
async function runnerAndSpare(context: BrowserContext, queue: string, options: { concurrency?: number; maxStalls?: number } = {}) {
  const a = await openTab(context, { queue, tab: 'A', ...options });
  await waitForRunnerLock(a, queue);
  const b = await openTab(context, { queue, tab: 'B', ...options });
  // B asks for the lock once its store is open: wait until it does.
  await expect.poll(() => runnerLockState(b, queue), { timeout: 5_000, intervals: [25] }).toEqual({ held: 1, pending: 1 });
  return { a, b };
}

/** Waits until the run log shows a run of `jobId` started, and returns that run. */
async function waitForRunStart(page: Page, jobId: string, attempt = 1) {
  await expect
    .poll(async () => runsOf(await readRunLog(page), jobId).filter((run) => run.attempt === attempt).length, { timeout: 10_000 })
    .toBe(1);
  return runsOf(await readRunLog(page), jobId).find((run) => run.attempt === attempt)!;
}

/**
 * The pool has (at least) two live workers: a second long job, added while a first one runs, runs beside it.
 * (Added one after the other, so that this does not depend on how jobs added together are placed.)
 */
async function expectTwoWorkersAtWork(page: Page) {
  const first = await page.evaluate(async () => (await window.harness.queue.add('sleep', 800)).id);
  await waitForRunStart(page, first);
  const second = await page.evaluate(async () => (await window.harness.queue.add('echo', 'beside')).id);
  expect(await page.evaluate((id) => window.harness.outcome(id), second)).toEqual({ ok: true, value: 'beside' });
  expect(await page.evaluate((id) => window.harness.outcome(id), first)).toEqual({ ok: true, value: 800 });
  const log = await readRunLog(page);
  const [one, two] = [runsOf(log, first)[0]!, runsOf(log, second)[0]!];
  // The quick job ran (start to end) while the long one was running.
  expect(two.start).toBeGreaterThan(one.start);
  expect(two.end!).toBeLessThan(one.end!);
}

/**
 * The runner tab dies (by `kill`) while a 1.5 s `sleep` job runs in it; the other tab must take over,
 * rerun the job as attempt 2 soon after the death (from the lock being freed, not a lease timeout), and finish it.
 */
async function runnerDiesMidJob(context: BrowserContext, kill: (a: Page) => Promise<Death>) {
  const queue = uniqueQueue('dies');
  const { a, b } = await runnerAndSpare(context, queue);
  const id = await b.evaluate(async () => (await window.harness.queue.add('sleep', 1_500, { jobId: 'long-sleep' })).id);
  const first = await waitForRunStart(b, id);
  expect(first.tab).toBe('A');

  const death = await kill(a);
  const outcome = await b.evaluate((jobId) => window.harness.outcome(jobId), id);
  const settledAt = Date.now();
  expect(outcome).toEqual({ ok: true, value: 1_500 });
  // 1.5 s of sleep, plus a takeover well within a few seconds.
  expect(settledAt - death.requestedAt).toBeLessThan(1_500 + 4_000);

  const runs = runsOf(await readRunLog(b), id);
  expect(runs).toHaveLength(2);
  const [dead, rerun] = runs as [RunEntry, RunEntry];
  expect(dead).toMatchObject({ tab: 'A', attempt: 1 });
  expect(dead.end).toBeUndefined(); // the first run never ended: its tab died under it
  expect(rerun).toMatchObject({ tab: 'B', attempt: 2, outcome: 'ok' });
  // The rerun started after the first tab was killed, and soon after: lock release, not a 30 s lease.
  note('rerun started after the kill (ms)', (rerun.start - death.requestedAt).toFixed(0));
  expect(rerun.start).toBeGreaterThan(death.requestedAt);
  expect(rerun.start - death.requestedAt).toBeLessThan(3_000);

  const info = await b.evaluate(async (jobId) => (await window.harness.queue.getJob(jobId))!.info(), id);
  expect(info).toMatchObject({ state: 'completed', attempt: 2, result: 1_500 });
  const events = (await eventsOf(b)).filter((e) => e.id === id);
  expect(events.find((e) => e.event === 'stalled')).toMatchObject({ state: 'waiting', attempt: 1 });
  expect(events.find((e) => e.event === 'completed')).toMatchObject({ attempt: 2, result: 1_500 });
  expect(await runnerLockState(b, queue)).toEqual({ held: 1, pending: 0 });
}

test('tab closed mid-job: another tab reruns it at once as attempt 2 and finishes it', async ({ context }) => {
  await runnerDiesMidJob(context, (a) => closeTab(a));
});

test('renderer crash mid-job (CDP Page.crash): another tab reruns it at once as attempt 2 and finishes it', async ({ context, browserName }) => {
    test.skip(browserName !== 'chromium', 'A renderer crash needs CDP Page.crash, which only Chromium has; a tab closed mid-job covers the same takeover in every engine');
  await runnerDiesMidJob(context, (a) => crashTab(context, a));
});

test('tab closed mid-job with no other tab open: the next tab to open reruns it as attempt 2', async ({ context }) => {
  const queue = uniqueQueue('alone');
  const a = await openTab(context, { queue, tab: 'A' });
  const id = await a.evaluate(async () => (await window.harness.queue.add('sleep', 500, { jobId: 'orphan' })).id);
  await waitForRunStart(a, id);
  const death = await closeTab(a);
  const b = await openTab(context, { queue, tab: 'B' });
  const opened = Date.now();
  const outcome = await b.evaluate((jobId) => window.harness.settle(async () => (await window.harness.queue.getJob(jobId))!.result), id);
  expect(outcome).toMatchObject({ ok: true, value: 500 });
  const runs = runsOf(await readRunLog(b), id);
  expect(runs.map((r) => [r.tab, r.attempt, r.end === undefined ? 'never ended' : r.outcome])).toEqual([
    ['A', 1, 'never ended'],
    ['B', 2, 'ok'],
  ]);
  expect(runs[1]!.start).toBeGreaterThan(death.requestedAt);
  // Reclaimed when B's runner started (A's owner lock was free), not after a lease ran out.
  expect(runs[1]!.start - opened).toBeLessThan(3_000);
  expect(await b.evaluate(async (jobId) => (await window.harness.queue.getJob(jobId))!.info(), id)).toMatchObject({ state: 'completed', attempt: 2 });
});

test('handler throws: class, message and stack kept; backoff respected; failed after the last attempt with the last error', async ({ context, browserName }) => {
  const queue = uniqueQueue('throws');
  const page = await openTab(context, { queue, tab: 'A' });
  const delay = 300;
  const id = await page.evaluate(
    async (ms) =>
      (await window.harness.queue.add('failAttempt', 'bad input', { jobId: 'thrower', attempts: 3, backoff: { type: 'exponential', delay: ms, jitter: 0 } })).id,
    delay,
  );
  const settled = await page.evaluate(async (jobId) => window.harness.settle(async () => (await window.harness.queue.getJob(jobId))!.result), id);
  const error = failure(settled);
  expect(error).toMatchObject({
    name: 'JobFailedError',
    code: 'ERR_JOB_FAILED',
    jobId: 'thrower',
    message: 'Job thrower (failAttempt) failed after 3 attempts: bad input (attempt 3)',
  });
  expect(error.classes).toEqual(expect.arrayContaining(['JobFailedError', 'OffthreadError', 'Error']));
  // The last attempt's error: the handler's own class (by name), message and stack, from inside the worker.
  const cause = error.cause as ErrorFacts;
  expect(cause).toMatchObject({ name: 'RangeError', message: 'bad input (attempt 3)' });
  // The stack as the engine wrote it: V8's begins with the name and message, Gecko's has the frames only.
  if (browserName === 'chromium') expect(cause.stack).toContain('bad input (attempt 3)');
  else expect(cause.stack).toMatch(/^failAttempt\S*@\S+tasks\.ts:\d+:\d+$/m);
  expect(cause.stack).toMatch(/tasks\.ts/);

  // Backoff: each retry started at least its delay after the run before it ended (exponential: 300, 600).
  const runs = runsOf(await readRunLog(page), id);
  expect(runs.map((r) => [r.attempt, r.outcome])).toEqual([[1, 'threw'], [2, 'threw'], [3, 'threw']]);
  const gaps = [runs[1]!.start - runs[0]!.end!, runs[2]!.start - runs[1]!.end!];
  note('backoff gaps (ms)', gaps.map((g) => g.toFixed(0)).join(', '));
  // 2 ms of slack: the run log's times come from the worker's clock, the backoff from the page's.
  expect(gaps[0]).toBeGreaterThanOrEqual(delay - 2);
  expect(gaps[1]).toBeGreaterThanOrEqual(2 * delay - 2);
  expect(gaps[0]).toBeLessThan(delay + 3_000);
  expect(gaps[1]).toBeLessThan(2 * delay + 3_000);

  const info = await page.evaluate(async (jobId) => (await window.harness.queue.getJob(jobId))!.info(), id);
  expect(info).toMatchObject({ state: 'failed', attempt: 3, attempts: 3, error: { name: 'RangeError', message: 'bad input (attempt 3)' } });
  expect(info!.error!.stack).toMatch(/tasks\.ts/);
  if (browserName === 'chromium') expect(info!.error!.stack).toContain('bad input (attempt 3)');
  const events = (await eventsOf(page)).filter((e) => e.id === id && ['retrying', 'failed'].includes(e.event));
  expect(events.map((e) => [e.event, e.attempt, e.error])).toEqual([
    ['retrying', 1, 'RangeError: bad input (attempt 1)'],
    ['retrying', 2, 'RangeError: bad input (attempt 2)'],
    ['failed', 3, 'JobFailedError: Job thrower (failAttempt) failed after 3 attempts: bad input (attempt 3)'],
  ]);

  // UnrecoverableError skips the attempts left, and comes back as its class.
  const unrecoverable = await page.evaluate(() =>
    window.harness.settle(async () => (await window.harness.queue.add('unrecoverable', 'no point retrying', { jobId: 'hopeless', attempts: 5, backoff: 10 })).result),
  );
  const hopeless = failure(unrecoverable);
  expect(hopeless.message).toBe('Job hopeless (unrecoverable) failed after 1 attempt: no point retrying');
  expect((hopeless.cause as ErrorFacts).classes).toEqual(expect.arrayContaining(['UnrecoverableError', 'OffthreadError']));
  expect(runsOf(await readRunLog(page), 'hopeless')).toHaveLength(1);
});

test('async throw, unhandled rejection, self.close() in the worker: no hang, the job is retried or failed, the pool is whole again', async ({ context }) => {
  const queue = uniqueQueue('misbehave');
  const page = await openTab(context, { queue, tab: 'A', concurrency: 2 });
  const kinds = ['asyncThrow', 'unhandledRejection', 'close'] as const;
  for (const how of kinds) {
    // Misbehaves on attempt 1 only: the worker is seen dead (a stall), and the rerun completes. No timeout is
    // set, so only the pool noticing the worker's death can end the first run.
    const result = await page.evaluate(
      (h) => window.harness.settle(async () => (await window.harness.queue.add('misbehave', { how: h, times: 1 }, { jobId: `once-${h}` })).result),
      how,
    );
    expect(result, how).toMatchObject({ ok: true, value: 'recovered on attempt 2' });
    expect(result.ms, how).toBeLessThan(5_000);
    const runs = runsOf(await readRunLog(page), `once-${how}`);
    expect(runs.map((r) => [r.attempt, r.end === undefined ? 'never ended' : r.outcome]), how).toEqual([[1, 'never ended'], [2, 'ok']]);
    const stalled = (await eventsOf(page)).find((e) => e.id === `once-${how}` && e.event === 'stalled');
    expect(stalled, how).toMatchObject({ state: 'waiting', attempt: 1 });
  }

  // Misbehaving every time: it stops at the stall cap (maxStalls 1: two runs) and fails saying why, with what
  // the worker last did as the cause: the error it raised, or that it closed.
  const lastReason = { asyncThrow: /async throw on attempt 2/, unhandledRejection: /unhandled rejection on attempt 2/, close: /closed or was killed/ };
  for (const how of kinds) {
    const result = await page.evaluate(
      (h) => window.harness.settle(async () => (await window.harness.queue.add('misbehave', { how: h, times: 99 }, { jobId: `always-${h}` })).result),
      how,
    );
    const error = failure(result);
    expect(error.name, how).toBe('JobFailedError');
    const cause = error.cause as ErrorFacts;
    expect(cause.classes, how).toContain('WorkerCrashedError');
    expect(cause.message, how).toMatch(/stalled 2 times: the tab or worker running it kept dying, more than maxStalls \(1\) allows/);
    expect((cause.cause as ErrorFacts).message, how).toMatch(lastReason[how]);
    expect(result.ms, how).toBeLessThan(8_000);
    expect(runsOf(await readRunLog(page), `always-${how}`).map((r) => [r.attempt, r.end]), how).toEqual([[1, undefined], [2, undefined]]);
  }

  // The pool is whole again: two workers at work side by side (concurrency 2).
  await expectTwoWorkersAtWork(page);
});

test('infinite loop with a timeout: the worker is terminated, JobTimeoutError is the cause, the queue keeps flowing', async ({ context }) => {
  const queue = uniqueQueue('loop');
  const page = await openTab(context, { queue, tab: 'A', concurrency: 2 });
  // Spins 3 s (only terminate() stops it) against a 400 ms timeout, twice (attempts 2); a quick job next to it.
  const [loop, quick] = await page.evaluate(async () => {
    const q = window.harness.queue;
    const spinning = q.add('spin', 3_000, { jobId: 'spinner', timeout: 400, attempts: 2, backoff: 0 });
    const echo = q.add('echo', 'beside the loop', { jobId: 'beside' });
    const [s, e] = await Promise.all([spinning, echo]);
    return Promise.all([window.harness.settle(() => s.result), window.harness.settle(() => e.result)]);
  });
  expect(quick).toMatchObject({ ok: true, value: 'beside the loop' });
  expect(quick.ms).toBeLessThan(2_000);
  const error = failure(loop);
  expect(error).toMatchObject({ name: 'JobFailedError', message: expect.stringMatching(/failed after 2 attempts: Job spinner \(spin\) ran over its timeout of 400 ms/) });
  const cause = error.cause as ErrorFacts;
  expect(cause.classes).toContain('JobTimeoutError');
  expect(cause).toMatchObject({ name: 'JobTimeoutError', code: 'ERR_JOB_TIMEOUT' });
  // Two runs of ~400 ms each, plus a new worker for the second: well under the 6 s the spins would take.
  expect(loop.ms).toBeLessThan(5_000);
  note('two timed-out runs took (ms)', loop.ms.toFixed(0));

  // The killed runs never got to write their end, even after their spin would have ended; the job stays failed.
  await page.waitForTimeout(3_500);
  const runs = runsOf(await readRunLog(page), 'spinner');
  expect(runs.map((r) => [r.attempt, r.end])).toEqual([[1, undefined], [2, undefined]]);
  expect(await page.evaluate(async () => (await window.harness.queue.getJob('spinner'))!.info())).toMatchObject({
    state: 'failed',
    attempt: 2,
    error: { name: 'JobTimeoutError' },
  });

  // The queue keeps flowing, on a whole pool: a short spin within its timeout completes, and two workers work side by side.
  const shortSpin = await page.evaluate(() => window.harness.settle(async () => (await window.harness.queue.add('spin', 50, { timeout: 5_000 })).result));
  expect(shortSpin).toMatchObject({ ok: true, value: 50 });
  await expectTwoWorkersAtWork(page);
});

// A job's timeout must hold wherever it waits: the pool lines quick jobs up in a worker, and a spinning job
// lined up behind them must still be stopped at its timeout.
//
// (Once a bug: the worker sent results in batches, so the page heard that the quick jobs had ended only with
// the spin's own result, and its timer never started. The worker now says what has ended before it starts a
// run that has a timeout.)
test('infinite loop lined up behind quick jobs: its timeout still holds', async ({ context }) => {
  const queue = uniqueQueue('loop-line');
  const page = await openTab(context, { queue, tab: 'A', concurrency: 2 });
  const results = await page.evaluate(async () => {
    const q = window.harness.queue;
    const out: Settled[] = [];
    for (let round = 0; round < 3; round++) {
      const jobs = await q.addBulk([
        ...Array.from({ length: 200 }, (_, i) => ({ name: 'plain' as const, data: i })),
        { name: 'spin' as const, data: 1_000, opts: { timeout: 100, jobId: `spin-${round}` } },
        ...Array.from({ length: 200 }, (_, i) => ({ name: 'plain' as const, data: i })),
      ]);
      out.push(await window.harness.settle(() => jobs[200]!.result));
      await Promise.all(jobs.map((job) => job.result.catch(() => undefined)));
    }
    return out;
  });
  for (const [round, result] of results.entries()) {
    const error = failure(result);
    expect((error.cause as ErrorFacts).classes, `round ${round}`).toContain('JobTimeoutError');
  }
});

test('jobs added together run side by side, up to the concurrency', async ({ context }) => {
  const queue = uniqueQueue('side-by-side');
  const page = await openTab(context, { queue, tab: 'A', concurrency: 2 });
  const ids = await page.evaluate(async () => {
    const q = window.harness.queue;
    const jobs = await Promise.all([q.add('workerId', 800), q.add('workerId', 800), q.add('workerId', 800)]);
    await Promise.all(jobs.map((job) => job.result));
    return jobs.map((job) => job.id);
  });
  const runs = (await readRunLog(page)).filter((run) => ids.includes(run.jobId)).sort((a, b) => a.start - b.start);
  const [one, two, three] = runs as [RunEntry, RunEntry, RunEntry];
  // Two at once: the first two overlap, the third waits for one of them (concurrency 2).
  expect(two.start).toBeLessThan(one.end!);
  expect(three.start).toBeGreaterThanOrEqual(Math.min(one.end!, two.end!) - 5);
  const workers = await page.evaluate(async (list) => Promise.all(list.map((id) => window.harness.outcome(id))), ids);
  expect(new Set(workers.map((w) => (w.ok ? w.value : undefined))).size).toBe(2);
});

for (const maxStalls of [1, 2]) {
  test(`poison pill (maxStalls ${maxStalls}): stops after the stall cap, failed saying it kept dying; other jobs keep flowing`, async ({ context }) => {
    const queue = uniqueQueue('poison');
    const page = await openTab(context, { queue, tab: 'A', concurrency: 2, maxStalls });
    const { pill, others } = await page.evaluate(async () => {
      const q = window.harness.queue;
      const pillJob = await q.add('crash', null, { jobId: 'pill', attempts: 5 });
      const rest = await q.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'echo' as const, data: i, opts: { jobId: `other-${i}` } })));
      const [p, ...o] = await Promise.all([window.harness.settle(() => pillJob.result), ...rest.map((j) => window.harness.settle(() => j.result))]);
      return { pill: p!, others: o };
    });
    const error = failure(pill);
    expect(error.name).toBe('JobFailedError');
    const cause = error.cause as ErrorFacts;
    expect(cause.classes).toContain('WorkerCrashedError');
    expect(cause.message).toBe(
      `Job pill (crash) stalled ${maxStalls + 1} times: the tab or worker running it kept dying, more than maxStalls (${maxStalls}) allows`,
    );
    expect(pill.ms).toBeLessThan(5_000 * (maxStalls + 1));
    // Its `attempts: 5` were not spent by the crashes: it stopped at the stall cap.
    const runs = runsOf(await readRunLog(page), 'pill');
    expect(runs.map((r) => [r.attempt, r.end])).toEqual(Array.from({ length: maxStalls + 1 }, (_, i) => [i + 1, undefined]));
    expect(others.map((o) => (o.ok ? o.value : o.error.message))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await page.evaluate(() => window.harness.queue.counts())).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 20, failed: 1, cancelled: 0 });
  });
}

test('tabs racing: three tabs adding and consuming one queue, a runner handing over mid-way: every job completes exactly once', async ({ context }) => {
  const queue = uniqueQueue('race');
  const labels = ['A', 'B', 'C'] as const;
  const pages: Page[] = [];
  for (const tab of labels) {
    pages.push(await openTab(context, { queue, tab, concurrency: 2 }));
    if (tab === 'A') await waitForRunnerLock(pages[0]!, queue);
  }
  const PER_TAB = 80;
  const SHARED = 20;

  /** Each tab adds its own jobs (one by one, and in bulk) and the shared ids, all at the same moment. */
  const addAll = (page: Page, start: number) =>
    page.evaluate(
      async ({ start: at, perTab, shared }) => {
        const { queue: q, tab } = window.harness;
        while (Date.now() < at) await new Promise((r) => setTimeout(r, 1));
        const own = Array.from({ length: perTab }, (_, i) =>
          i % 4 === 0
            ? { name: 'sleep' as const, data: 20, opts: { jobId: `${tab}-${i}` } }
            : { name: 'echo' as const, data: `${tab}-${i}`, opts: { jobId: `${tab}-${i}` } },
        );
        const addOne = q.add.bind(q) as (name: string, data: unknown, opts: unknown) => ReturnType<typeof q.add>;
        const single = Promise.all(own.slice(0, perTab / 2).map((j) => addOne(j.name, j.data, j.opts)));
        const bulk = q.addBulk(own.slice(perTab / 2));
        const sharedJobs = Promise.all(Array.from({ length: shared }, (_, i) => q.add('echo', `shared-${i} from ${tab}`, { jobId: `shared-${i}` })));
        const handles = [...(await single), ...(await bulk), ...(await sharedJobs)];
        return handles.map((h) => h.id);
      },
      { start, perTab: PER_TAB, shared: SHARED },
    );
  const start = Date.now() + 300;
  const added = await Promise.all(pages.map((page) => addAll(page, start)));
  expect(added.map((ids) => ids.length)).toEqual([PER_TAB + SHARED, PER_TAB + SHARED, PER_TAB + SHARED]);

  // Mid-way the runner (A) closes its queue gracefully, hands over to B or C, and comes back as a spare.
  await expect.poll(async () => (await readRunLog(pages[1]!)).length, { timeout: 10_000 }).toBeGreaterThan(40);
  await pages[0]!.evaluate(() => window.harness.queue.close());
  await pages[0]!.reload();
  await pages[0]!.waitForFunction(() => document.body.dataset.ready === 'true');

  // Every tab sees every job it added settle, with the same values.
  const results = await Promise.all(
    pages.map((page, i) =>
      page.evaluate(async (ids) => Promise.all(ids.map((id) => window.harness.outcome(id))), added[i]!),
    ),
  );
  for (const [i, outcomes] of results.entries()) {
    expect(outcomes.filter((o) => !o.ok), labels[i]).toEqual([]);
  }
  const sharedValues = results.map((outcomes) => outcomes.slice(PER_TAB).map((o) => (o.ok ? o.value : undefined)));
  expect(sharedValues[1]).toEqual(sharedValues[0]);
  expect(sharedValues[2]).toEqual(sharedValues[0]);

  const total = 3 * PER_TAB + SHARED;
  expect(await pages[1]!.evaluate(() => window.harness.queue.counts())).toEqual({ waiting: 0, delayed: 0, active: 0, completed: total, failed: 0, cancelled: 0 });
  const log = (await readRunLog(pages[1]!)).filter((run) => run.jobId.includes('-'));
  const byJob = new Map<string, RunEntry[]>();
  for (const run of log) byJob.set(run.jobId, [...(byJob.get(run.jobId) ?? []), run]);
  expect(byJob.size).toBe(total);
  const notOnce = [...byJob].filter(([, runs]) => runs.length !== 1 || runs[0]!.outcome !== 'ok' || runs[0]!.attempt !== 1);
  expect(notOnce).toEqual([]);
  expect(overlapProblems(log, () => undefined)).toEqual([]);
  // The runs were shared out: A ran some, then B or C took over.
  const tabsThatRan = new Set(log.map((run) => run.tab));
  expect(tabsThatRan.has('A')).toBe(true);
  expect(tabsThatRan.size).toBeGreaterThanOrEqual(2);
  note('runs per tab', JSON.stringify(Object.fromEntries(labels.map((t) => [t, log.filter((r) => r.tab === t).length]))));
});

test('tabs racing without Web Locks (every tab runs the queue): each job is claimed and completed exactly once', async ({ context }) => {
  // Where Web Locks are missing every tab is a runner: claims race in IndexedDB, a compare-and-set per job.
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true }));
  const queue = uniqueQueue('no-locks');
  const labels = ['A', 'B', 'C'];
  const pages: Page[] = [];
  for (const tab of labels) pages.push(await openTab(context, { queue, tab, concurrency: 2 }));
  expect(await pages[0]!.evaluate(() => typeof navigator.locks)).toBe('undefined');
  const PER_TAB = 100;
  const failures = await Promise.all(
    pages.map((page) =>
      page.evaluate(async (count) => {
        const { queue: q, tab } = window.harness;
        const jobs = await q.addBulk(
          Array.from({ length: count }, (_, i) =>
            i % 3 === 0
              ? { name: 'sleep' as const, data: 20, opts: { jobId: `${tab}-${i}` } }
              : { name: 'echo' as const, data: `${tab}-${i}`, opts: { jobId: `${tab}-${i}` } },
          ),
        );
        const settled = await Promise.all(jobs.map((job) => window.harness.settle(() => job.result)));
        return settled.filter((r) => !r.ok);
      }, PER_TAB),
    ),
  );
  expect(failures).toEqual([[], [], []]);
  const total = labels.length * PER_TAB;
  expect(await pages[0]!.evaluate(() => window.harness.queue.counts())).toEqual({ waiting: 0, delayed: 0, active: 0, completed: total, failed: 0, cancelled: 0 });
  const log = await readRunLog(pages[0]!);
  expect(log).toHaveLength(total);
  expect(new Set(log.map((run) => run.jobId)).size).toBe(total);
  expect(log.filter((run) => run.outcome !== 'ok' || run.attempt !== 1)).toEqual([]);
  expect(overlapProblems(log, () => undefined)).toEqual([]);
  // It did race: every tab ran jobs, its own and others'.
  const perTab = labels.map((tab) => log.filter((run) => run.tab === tab).length);
  note('runs per tab', JSON.stringify(perTab));
  for (const [i, count] of perTab.entries()) expect(count, labels[i]).toBeGreaterThan(total / 10);
  expect(log.some((run) => !run.jobId.startsWith(`${run.tab}-`))).toBe(true);
});

test('leader tab closed: a new runner within about a second', async ({ context }) => {
  const queue = uniqueQueue('leader');
  const a = await openTab(context, { queue, tab: 'A' });
  await waitForRunnerLock(a, queue);
  const b = await openTab(context, { queue, tab: 'B' });
  const c = await openTab(context, { queue, tab: 'C' });
  await expect.poll(() => runnerLockState(b, queue), { timeout: 5_000, intervals: [25] }).toEqual({ held: 1, pending: 2 });
  expect(await b.evaluate(async () => window.harness.outcome((await window.harness.queue.add('whereAmI', null)).id))).toEqual({ ok: true, value: 'A' });

  const { requestedAt: closedAt } = await closeTab(a);
  // The lock passes at once...
  await expect.poll(() => runnerLockState(b, queue), { timeout: 2_000, intervals: [25] }).toEqual({ held: 1, pending: 1 });
  const lockPassedAfter = Date.now() - closedAt;
  // ...and the new runner runs a job added right after the close.
  const id = await c.evaluate(async () => (await window.harness.queue.add('whereAmI', null, { jobId: 'after-close' })).id);
  const outcome = await c.evaluate((jobId) => window.harness.outcome(jobId), id);
  expect(outcome.ok && ['B', 'C'].includes(outcome.value as string)).toBe(true);
  const [run] = runsOf(await readRunLog(c), id);
  const runStartedAfter = run!.start - closedAt;
  note('after the leader closed (ms)', `lock passed: ${lockPassedAfter}; next job started: ${runStartedAfter.toFixed(0)}`);
  expect(lockPassedAfter).toBeLessThan(1_000);
  // Includes adding the job and starting the new runner's first worker (served from source by Vite).
  expect(runStartedAfter).toBeLessThan(2_500);
});

test('quota exceeded: the add rejects whole with a StorageError giving usage and quota; nothing stored; queued jobs still run', async ({ context, browserName }) => {
    test.skip(browserName !== 'chromium', 'A small quota needs CDP Storage.overrideQuotaForOrigin, which only Chromium has (Firefox sets its limit for the whole profile, at start-up)');
  const queue = uniqueQueue('quota');
  const page = await openTab(context, { queue, tab: 'A', concurrency: 1 });
  // The quota shrinks first: Chromium 156 was seen not to enforce a CDP quota override on an origin that
  // already committed an IndexedDB write before it. Room is left for small jobs.
  const cdp = await context.newCDPSession(page);
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  const quotaSize = usage + 256 * 1024;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: HARNESS_ORIGIN, quotaSize });
  let overridden = true;
  try {
    // A job queued before the big add, due a little later: the runner claims it on its own.
    const queuedAt = Date.now();
    await page.evaluate(() => window.harness.queue.add('echo', 'queued before', { jobId: 'queued', delay: 1_500 }));
    const settled = await page.evaluate(() => {
      // 4 MiB that does not compress (Chromium compresses large IndexedDB values).
      const big = new Uint8Array(4 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 65_536) crypto.getRandomValues(big.subarray(i, i + 65_536));
      return window.harness.settle(() =>
        window.harness.queue.addBulk([
          { name: 'echo', data: 'small before', opts: { jobId: 'small-1' } },
          { name: 'echo', data: big, opts: { jobId: 'big' } },
          { name: 'echo', data: 'small after', opts: { jobId: 'small-2' } },
        ]),
      );
    });
    const error = failure(settled);
    expect(error.classes).toContain('StorageError');
    expect(error).toMatchObject({ name: 'StorageError', code: 'ERR_STORAGE' });
    expect((error.cause as ErrorFacts).name).toBe('QuotaExceededError');
    // Usage and quota are what the browser tells the page. (Chromium's `navigator.storage.estimate()` does not
    // reflect a CDP quota override, which CDP's own Storage.getUsageAndQuota does: so compare with estimate().)
    expect(error.usage).toEqual(expect.any(Number));
    expect(error.quota).toEqual(expect.any(Number));
    const bytes = (n: number) => (n >= 1_048_576 ? `${(n / 1_048_576).toFixed(1)} MiB` : `${Math.round(n / 1024)} KiB`);
    expect(error.message).toBe(`Storage quota exceeded: nothing was written (${bytes(error.usage!)} used of ${bytes(error.quota!)})`);
    expect(error.quota).toBe((await page.evaluate(() => navigator.storage.estimate())).quota);
    expect(await cdp.send('Storage.getUsageAndQuota', { origin: HARNESS_ORIGIN })).toMatchObject({ quota: quotaSize, overrideActive: true });

    // Nothing of the batch was stored, not even its small jobs: only the queued job is.
    const stored = () =>
      page.evaluate(async () => Promise.all(['small-1', 'big', 'small-2'].map(async (id) => (await window.harness.queue.getJob(id)) !== undefined)));
    expect(await stored()).toEqual([false, false, false]);
    const total = async () => Object.values(await page.evaluate(() => window.harness.queue.counts())).reduce((a, b) => a + b, 0);
    expect(await total()).toBe(1);

    // The queued job runs. Chromium sometimes (about 1 run in 4 here) goes on counting the refused 4 MiB as used,
    // for 20 s and more, and then refuses every write, the runner's too: so the quota is given back after a while,
    // and the runner, which retries storage on its own, must then run the job without anyone asking.
    await page.waitForTimeout(Math.max(0, queuedAt + 2_500 - Date.now()));
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: HARNESS_ORIGIN });
    overridden = false;
    const queued = await page.evaluate(() => window.harness.settle(async () => (await window.harness.queue.getJob('queued'))!.result));
    expect(queued).toMatchObject({ ok: true, value: 'queued before' });
    expect(queued.ms).toBeLessThan(5_000);
    expect(await page.evaluate(() => window.harness.settle(async () => (await window.harness.queue.add('echo', 'small')).result))).toMatchObject({
      ok: true,
      value: 'small',
    });
    expect(await stored()).toEqual([false, false, false]);
    expect(await total()).toBe(2);
  } finally {
    if (overridden) await cdp.send('Storage.overrideQuotaForOrigin', { origin: HARNESS_ORIGIN });
  }
});

test('schema upgrade with an old tab open: the upgrade is not blocked; the old tab is told and does not crash', async ({ context }) => {
  const queue = uniqueQueue('upgrade');
  const old = await openTab(context, { queue, tab: 'old' });
  expect(await old.evaluate(async () => window.harness.outcome((await window.harness.queue.add('echo', 'v1')).id))).toEqual({ ok: true, value: 'v1' });
  const crashed = { value: false };
  old.on('crash', () => (crashed.value = true));

  // The newer build: another page of the origin opens the queue's database one version up.
  const newer = await openTab(context, { queue: `${queue}-unrelated`, tab: 'newer', worker: false });
  const upgrade = await newer.evaluate(async (name) => {
    const current = (await indexedDB.databases()).find((db) => db.name === name)?.version ?? 0;
    const start = performance.now();
    return new Promise<{ from: number; to: number; blocked: boolean; stores: string[]; ms: number }>((resolve, reject) => {
      let blocked = false;
      const request = indexedDB.open(name, current + 1);
      request.onblocked = () => (blocked = true);
      request.onupgradeneeded = () => request.result.createObjectStore('addedInNextVersion');
      request.onerror = () => reject(request.error);
      request.onsuccess = () => {
        const db = request.result;
        resolve({ from: current, to: db.version, blocked, stores: [...db.objectStoreNames], ms: performance.now() - start });
        db.close();
      };
    });
  }, `offthread:${queue}`);
  expect(upgrade.blocked).toBe(false);
  expect(upgrade.to).toBe(upgrade.from + 1);
  expect(upgrade.stores).toEqual(expect.arrayContaining(['jobs', 'meta', 'addedInNextVersion']));
  expect(upgrade.ms).toBeLessThan(2_000);

  // The old tab was told, with a StorageError saying why, and it still answers.
  await expect
    .poll(async () => (await eventsOf(old)).filter((e) => e.event === 'error').map((e) => e.error), { timeout: 3_000 })
    .toEqual([expect.stringMatching(/^StorageError: A newer version of queue ".*" is opening in another tab/)]);
  expect(crashed.value).toBe(false);
  const after = await old.evaluate(() => window.harness.settle(() => window.harness.queue.counts()));
  expect(after.ms).toBeLessThan(2_000);
  if (!after.ok) expect(after.error.classes).toContain('StorageError');
  expect(await old.evaluate(() => document.title)).toBe('harness old');
});

// The old tab must let go of the queue, not only pause: its runner lock, so that a tab of the newer build runs
// the queue, and its owner lock, so that the jobs it was running are taken back. (Once a bug: it only paused.)
test('schema upgrade with an old tab open: the old tab stops being the runner, so the newer build can run the queue', async ({ context }) => {
  const queue = uniqueQueue('upgrade-runner');
  const old = await openTab(context, { queue, tab: 'old' });
  await waitForRunnerLock(old, queue);
  // A run in progress in the old tab when the upgrade comes.
  const id = await old.evaluate(async () => (await window.harness.queue.add('sleep', 60_000, { jobId: 'running-in-old' })).id);
  await waitForRunStart(old, id);
  const newer = await openTab(context, { queue: `${queue}-unrelated`, tab: 'newer', worker: false });
  // The newer build: upgrades the database, then asks to become the queue's runner, as its Queue would.
  const after = await newer.evaluate(
    async ({ name, lock, ownerPrefix }) => {
      const current = (await indexedDB.databases()).find((db) => db.name === name)?.version ?? 0;
      await new Promise<void>((resolve, reject) => {
        const request = indexedDB.open(name, current + 1);
        request.onupgradeneeded = () => request.result.createObjectStore('addedInNextVersion');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => resolve();
      });
      const start = performance.now();
      const granted = new Promise<number>((resolve) => {
        void navigator.locks.request(lock, () => {
          resolve(performance.now() - start);
          return new Promise<void>(() => {});
        });
      });
      const runnerAfter = await Promise.race([granted, new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 5_000))]);
      const owners = ((await navigator.locks.query()).held ?? []).filter((l) => l.name?.startsWith(ownerPrefix)).length;
      return { runnerAfter, owners };
    },
    { name: `offthread:${queue}`, lock: `offthread:${queue}:runner`, ownerPrefix: `offthread:${queue}:owner:` },
  );
  note('newer build became the runner after (ms)', String(after.runnerAfter));
  // The old tab cannot use the database any more: it must not keep the queue from running elsewhere, nor keep
  // its runs looking alive to the newer runner's reclaim.
  expect(after.runnerAfter).toBeLessThan(2_000);
  expect(after.owners).toBe(0);
});

test('storage cleared (CDP Storage.clearDataForOrigin): the queue notices, reports it, and a later add runs', async ({ context, browserName }) => {
    test.skip(browserName !== 'chromium', "Clearing an origin's IndexedDB under a live page needs CDP Storage.clearDataForOrigin, which only Chromium has");
  const queue = uniqueQueue('cleared');
  const page = await openTab(context, { queue, tab: 'A' });
  expect(await page.evaluate(async () => window.harness.outcome((await window.harness.queue.add('plain', 'before')).id))).toEqual({ ok: true, value: 'before' });
  // A job someone waits for, due in a minute: the clear takes it away.
  await page.evaluate(async () => {
    const job = await window.harness.queue.add('plain', 'lost', { jobId: 'lost', delay: 60_000 });
    (window as unknown as { lost: unknown }).lost = window.harness.settle(() => job.result);
  });

  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin: HARNESS_ORIGIN, storageTypes: 'indexeddb' });
  await expect
    .poll(async () => (await eventsOf(page)).filter((e) => e.event === 'error').map((e) => e.error), { timeout: 5_000 })
    .toEqual([expect.stringMatching(/^StorageError: The browser closed the database of queue ".*" \(storage cleared\?\)/)]);

  // No hang: a later add is stored (in the reopened, empty database) and runs.
  const later = await page.evaluate(() =>
    window.harness.settle(async () => {
      const job = await window.harness.queue.add('plain', 'after');
      return job.result;
    }),
  );
  expect(later).toMatchObject({ ok: true, value: 'after' });
  expect(later.ms).toBeLessThan(5_000);
  // The result that was awaited does not hang: it rejects, saying the job was lost with the storage.
  const lost = await page.evaluate(() => (window as unknown as { lost: Promise<Settled> }).lost);
  const error = failure(lost);
  expect(error.classes).toContain('StorageError');
  expect(error.message).toMatch(/^Job lost was lost: the browser cleared this origin's storage/);
  expect(await page.evaluate(() => window.harness.queue.counts())).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 1, failed: 0, cancelled: 0 });
});

test('no IndexedDB: createQueue throws a StorageError at once; storage: "memory" still works', async ({ context }) => {
  await context.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  });
  const queue = uniqueQueue('noidb');
  const page = await openTab(context, { queue, tab: 'A' });
  expect(await page.evaluate(() => typeof indexedDB)).toBe('undefined');
  const createError = await page.evaluate(() => window.harness.createError);
  expect(createError).toEqual({
    name: 'StorageError',
    code: 'ERR_STORAGE',
    isStorageError: true,
    isTypeError: false,
    message: "IndexedDB is not available in this browser context (some private modes lack it); use storage: 'memory'",
  });

  const memory = await openTab(context, { queue, tab: 'M', storage: 'memory' });
  expect(await memory.evaluate(() => window.harness.createError)).toBeUndefined();
  expect(await memory.evaluate(async () => window.harness.outcome((await window.harness.queue.add('echo', 'in memory')).id))).toEqual({
    ok: true,
    value: 'in memory',
  });
});

test('IndexedDB that refuses to open: a clear StorageError, not a hang', async ({ context }) => {
  await context.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('The user denied permission to access the database.', 'InvalidStateError');
    };
  });
  const page = await openTab(context, { queue: uniqueQueue('refused'), tab: 'A' });
  const settled = await page.evaluate(() => window.harness.settle(() => window.harness.queue.add('echo', 1)));
  const error = failure(settled);
  expect(error.classes).toContain('StorageError');
  expect(error.message).toMatch(/^Could not open IndexedDB database "offthread:refused-.*": InvalidStateError: The user denied permission/);
  expect(settled.ms).toBeLessThan(2_000);
  // The queue also says so through its `error` event (one failure may be told more than once).
  const told = (await eventsOf(page)).filter((e) => e.event === 'error').map((e) => e.error);
  expect(told.length).toBeGreaterThanOrEqual(1);
  for (const error of told) expect(error).toMatch(/^StorageError: Could not open IndexedDB database/);
});

test('data that cannot be cloned: InvalidJobError at add, naming the path; nothing stored', async ({ context }) => {
  const queue = uniqueQueue('clone');
  const page = await openTab(context, { queue, tab: 'A' });
  const results = await page.evaluate(async () => {
    const { queue: q, settle } = window.harness;
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    return {
      fn: await settle(() => q.add('echo', { options: { onDone: () => 1 } }, { jobId: 'fn' })),
      dom: await settle(() => q.add('echo', { targets: [1, document.body] }, { jobId: 'dom' })),
      instance: await settle(() => q.add('echo', { shapes: { 'first point': new Point(1, 2) } }, { jobId: 'instance' })),
      bulk: await settle(() =>
        q.addBulk([
          { name: 'echo', data: 'fine', opts: { jobId: 'bulk-ok' } },
          { name: 'echo', data: [() => 2], opts: { jobId: 'bulk-bad' } },
        ]),
      ),
    };
  });
  const expected = {
    fn: ['data.options.onDone', 'is a function'],
    dom: ['data.targets[1]', 'is a DOM node'],
    instance: ['data.shapes["first point"]', 'is an instance of class Point'],
    bulk: ['data[0]', 'is a function'],
  } as const;
  for (const [key, [path, reason]] of Object.entries(expected)) {
    const error = failure(results[key as keyof typeof results]);
    expect(error.classes, key).toContain('InvalidJobError');
    expect(error, key).toMatchObject({ name: 'InvalidJobError', code: 'ERR_INVALID_JOB', path });
    expect(error.message, key).toContain(`${path} ${reason}`);
  }
  expect(failure(results.bulk).message).toContain('(job 1 of the batch)');
  const stored = await page.evaluate(async () =>
    Promise.all(['fn', 'dom', 'instance', 'bulk-ok', 'bulk-bad'].map(async (id) => (await window.harness.queue.getJob(id)) !== undefined)),
  );
  expect(stored).toEqual([false, false, false, false, false]);
  expect(await page.evaluate(() => window.harness.queue.counts())).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0, cancelled: 0 });
});

test('unknown task name, bad options: a clear error before anything is stored', async ({ context }) => {
  const queue = uniqueQueue('invalid');
  // A tab that is not the runner: it still checks task names (asking a worker for them).
  const runner = await openTab(context, { queue, tab: 'A' });
  await waitForRunnerLock(runner, queue);
  const page = await openTab(context, { queue, tab: 'B' });
  const results = await page.evaluate(async () => {
    const { queue: q, settle } = window.harness;
    const add = (name: string, data: unknown, opts?: unknown) => settle(() => (q.add as (...a: unknown[]) => Promise<unknown>)(name, data, opts));
    return {
      unknownTask: await add('ecco', 1, { jobId: 'typo' }),
      negativeDelay: await add('echo', 1, { jobId: 'neg', delay: -5 }),
      zeroAttempts: await add('echo', 1, { jobId: 'zero', attempts: 0 }),
      misspelledOption: await add('echo', 1, { jobId: 'spelling', atempts: 3 }),
      nanPriority: await add('echo', 1, { jobId: 'nan', priority: Number.NaN }),
      zeroTimeout: await add('echo', 1, { jobId: 'timeout', timeout: 0 }),
      badBackoff: await add('echo', 1, { jobId: 'backoff', backoff: { type: 'linear', delay: 10 } }),
      delayAndRunAt: await add('echo', 1, { jobId: 'both', delay: 10, runAt: Date.now() }),
      bulkWithTypo: await settle(() =>
        (q.addBulk as (jobs: unknown[]) => Promise<unknown>)([
          { name: 'echo', data: 1, opts: { jobId: 'bulk-fine' } },
          { name: 'ecco', data: 2, opts: { jobId: 'bulk-typo' } },
        ]),
      ),
    };
  });
  const unknown = failure(results.unknownTask);
  expect(unknown.classes).toContain('InvalidJobError');
  expect(unknown.message).toMatch(/^Unknown task "ecco": the worker serves "echo", "sleep", .*"plain"$/);
  expect(failure(results.bulkWithTypo)).toMatchObject({ name: 'InvalidJobError', message: expect.stringMatching(/^Unknown task "ecco"/) });
  const typeErrors: Record<string, RegExp> = {
    negativeDelay: /^Expected `delay` to be a finite number of milliseconds from 0 and up, got `-5` \(number\)$/,
    zeroAttempts: /^Expected `attempts` to be an integer from 1 and up, got `0` \(number\)$/,
    misspelledOption: /^Unknown job option `atempts`; expected one of jobId, .*attempts/,
    nanPriority: /^Expected `priority` to be a finite number, got `NaN` \(number\)$/,
    zeroTimeout: /^Expected `timeout` to be a finite number of milliseconds from 1 and up, got `0` \(number\)$/,
    badBackoff: /^Expected `backoff.type` to be 'fixed' or 'exponential', got `"linear"` \(string\)$/,
    delayAndRunAt: /^Expected `delay` or `runAt`, not both$/,
  };
  for (const [key, message] of Object.entries(typeErrors)) {
    const error = failure(results[key as keyof typeof results]);
    expect(error.classes, key).toContain('TypeError');
    expect(error.message, key).toMatch(message);
  }
  const ids = ['typo', 'neg', 'zero', 'spelling', 'nan', 'timeout', 'backoff', 'both', 'bulk-fine', 'bulk-typo'];
  const stored = await page.evaluate(async (list) => Promise.all(list.map(async (id) => (await window.harness.queue.getJob(id)) !== undefined)), ids);
  expect(stored).toEqual(ids.map(() => false));
  expect(await page.evaluate(() => window.harness.queue.counts())).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0, cancelled: 0 });

  // Bad queue options: createQueue says what was expected.
  const bad = await openTab(context, { queue, tab: 'C', concurrency: 0 });
  expect(await bad.evaluate(() => window.harness.createError)).toMatchObject({
    name: 'TypeError',
    isTypeError: true,
    message: 'Expected `concurrency` to be an integer from 1 and up, got `0` (number)',
  });
});

test('the same jobId added from two tabs at once: one job, run once, the same result in both tabs', async ({ context }) => {
  const queue = uniqueQueue('same-id');
  const a = await openTab(context, { queue, tab: 'A' });
  await waitForRunnerLock(a, queue);
  const b = await openTab(context, { queue, tab: 'B' });
  const IDS = 40;
  const start = Date.now() + 300;
  // Both tabs add the same ids in the same instant, each with its own data.
  const addFrom = (page: Page) =>
    page.evaluate(
      async ({ at, count }) => {
        const { queue: q, tab } = window.harness;
        while (Date.now() < at) await new Promise((r) => setTimeout(r, 1));
        const jobs = await Promise.all(Array.from({ length: count }, (_, i) => q.add('sleep', 20 + i, { jobId: `same-${i}` })));
        const single = await q.add('echo', `from ${tab}`, { jobId: 'the-one' });
        const results = await Promise.all([...jobs, single].map((job) => window.harness.settle(() => job.result)));
        return { ids: [...jobs, single].map((j) => j.id), results: results.map((r) => (r.ok ? r.value : r.error.message)) };
      },
      { at: start, count: IDS },
    );
  const [fromA, fromB] = await Promise.all([addFrom(a), addFrom(b)]);
  expect(fromA.ids).toEqual(fromB.ids);
  expect(fromB.results).toEqual(fromA.results);
  expect(['from A', 'from B']).toContain(fromA.results[IDS]);
  expect(await a.evaluate(() => window.harness.queue.counts())).toEqual({ waiting: 0, delayed: 0, active: 0, completed: IDS + 1, failed: 0, cancelled: 0 });

  // Each job was created once: no tab saw an id added twice (a tab hears of adds made here and in other tabs).
  for (const page of [a, b]) {
    const added = (await eventsOf(page)).filter((e) => e.event === 'added').map((e) => e.id!);
    const twice = added.filter((id, i) => added.indexOf(id) !== i);
    expect(twice).toEqual([]);
  }
  const log = await readRunLog(a);
  for (const id of fromA.ids) expect(runsOf(log, id).map((r) => r.outcome), id).toEqual(['ok']);
});
