import { describe, expect, it } from 'vitest';
import type { SerializedError } from '../../src/errors';
import { HISTORY_LENGTH, type JobRecord, type LifeState } from '../../src/job/job';
import { transition, type JobAction } from '../../src/job/transition';
import { apply, claimed, crashError, env, handlerError, newRecord, T0 } from './support/job-record';

const cancelError: SerializedError = { name: 'JobCancelledError', code: 'ERR_JOB_CANCELLED', message: 'Job job-1 was cancelled' };

/** A job in `state`, reached through legal moves only. */
function inState(state: LifeState): JobRecord {
  const waiting = newRecord({ attempts: 1 });
  switch (state) {
    case 'waiting':
      return waiting;
    case 'delayed':
      return newRecord({ delay: 1_000 });
    case 'active':
      return claimed(waiting);
    case 'completed':
      return apply(claimed(waiting), { type: 'complete', token: 'run-1', result: 42 });
    case 'failed':
      return apply(claimed(waiting), { type: 'fail', token: 'run-1', error: handlerError, unrecoverable: false });
    case 'cancelled':
      return apply(waiting, { type: 'cancel', error: cancelError });
  }
}

describe('transition: the moves between job states', () => {
  it('a new job is waiting, or delayed when due later', () => {
    expect(newRecord().state).toBe('waiting');
    expect(newRecord({ delay: 1 }).state).toBe('delayed');
  });

  it('delayed -> waiting when promoted', () => {
    const job = apply(newRecord({ delay: 1_000 }), { type: 'promote' }, env(T0 + 1_000));
    expect(job.state).toBe('waiting');
    expect(job.runAt).toBe(T0 + 1_000);
  });

  it('waiting -> active when claimed: a new attempt, owned and leased', () => {
    const job = claimed(newRecord(), 'run-1', env(T0 + 5));
    expect(job).toMatchObject({
      state: 'active',
      attempt: 1,
      token: 'run-1',
      owner: 'owner-a',
      leaseUntil: T0 + 5 + 30_000,
      startedAt: T0 + 5,
      finishedAt: undefined,
    });
  });

  it('active -> completed, with the result, and the run let go', () => {
    const job = apply(claimed(newRecord()), { type: 'complete', token: 'run-1', result: { ok: 1 } }, env(T0 + 50));
    expect(job).toMatchObject({
      state: 'completed',
      result: { ok: 1 },
      error: undefined,
      finishedAt: T0 + 50,
      token: undefined,
      owner: undefined,
      leaseUntil: undefined,
    });
  });

  it('active -> delayed on a failure with attempts left: backoff sets runAt', () => {
    const job = apply(
      claimed(newRecord({ attempts: 3, backoff: { type: 'fixed', delay: 2_000, jitter: 0 } })),
      { type: 'fail', token: 'run-1', error: handlerError, unrecoverable: false },
      env(T0 + 100),
    );
    expect(job).toMatchObject({ state: 'delayed', runAt: T0 + 100 + 2_000, error: handlerError, attempt: 1, token: undefined });
    expect(job.finishedAt).toBeUndefined();
  });

  it('active -> waiting on a failure whose backoff is 0', () => {
    const job = apply(claimed(newRecord({ attempts: 2, backoff: 0 })), { type: 'fail', token: 'run-1', error: handlerError, unrecoverable: false });
    expect(job).toMatchObject({ state: 'waiting', runAt: T0, error: handlerError });
  });

  it('active -> failed when the last attempt fails, keeping the error', () => {
    const job = apply(claimed(newRecord({ attempts: 1 })), { type: 'fail', token: 'run-1', error: handlerError, unrecoverable: false }, env(T0 + 7));
    expect(job).toMatchObject({ state: 'failed', error: handlerError, finishedAt: T0 + 7, attempt: 1, token: undefined });
  });

  it.each(['waiting', 'delayed', 'active'] as const)('%s -> cancelled', (state) => {
    const job = apply(inState(state), { type: 'cancel', error: cancelError }, env(T0 + 9));
    expect(job).toMatchObject({ state: 'cancelled', error: cancelError, finishedAt: T0 + 9, token: undefined, owner: undefined });
  });

  it('active -> active when its lease is renewed or progress is reported', () => {
    const job = claimed(newRecord());
    expect(apply(job, { type: 'renew', token: 'run-1', leaseUntil: T0 + 99_000 })).toMatchObject({ state: 'active', leaseUntil: T0 + 99_000 });
    expect(apply(job, { type: 'progress', token: 'run-1', progress: 0.5 })).toMatchObject({ state: 'active', progress: 0.5 });
  });

  it.each(['failed', 'cancelled'] as const)('%s -> waiting on retry, from the first attempt', (state) => {
    const job = apply(inState(state), { type: 'retry' }, env(T0 + 1_000));
    expect(job).toMatchObject({
      state: 'waiting',
      attempt: 0,
      stalls: 0,
      runAt: T0 + 1_000,
      progress: undefined,
      error: undefined,
      startedAt: undefined,
      finishedAt: undefined,
    });
  });

  it('never mutates the job it is given', () => {
    const job = Object.freeze(claimed(newRecord({ attempts: 2 })));
    const copy = structuredClone(job);
    transition(job, { type: 'fail', token: 'run-1', error: handlerError, unrecoverable: false }, env());
    transition(job, { type: 'complete', token: 'run-1', result: 1 }, env());
    transition(job, { type: 'stall', maxStalls: 0 }, env());
    expect(job).toEqual(copy);
  });
});

describe('transition: refusals (null)', () => {
  const runActions: JobAction[] = [
    { type: 'complete', token: 'stale', result: 1 },
    { type: 'fail', token: 'stale', error: handlerError, unrecoverable: false },
    { type: 'progress', token: 'stale', progress: 1 },
    { type: 'renew', token: 'stale', leaseUntil: T0 + 1 },
    { type: 'release', token: 'stale' },
    { type: 'stall', token: 'stale', maxStalls: 1 },
  ];

  it.each(runActions.map((action) => [action.type, action] as const))('%s with a stale token', (_, action) => {
    expect(transition(claimed(newRecord()), action, env())).toBeNull();
  });

  it('a write from the previous run, once the job was claimed again', () => {
    const first = claimed(newRecord({ attempts: 2, backoff: 0 }), 'run-1');
    const again = claimed(apply(first, { type: 'fail', token: 'run-1', error: handlerError, unrecoverable: false }), 'run-2');
    expect(transition(again, { type: 'complete', token: 'run-1', result: 'late' }, env())).toBeNull();
    expect(apply(again, { type: 'complete', token: 'run-2', result: 'fresh' }).result).toBe('fresh');
  });

  it.each(['waiting', 'delayed', 'completed', 'failed', 'cancelled'] as const)('completing a job that is %s', (state) => {
    const job = { ...inState(state), token: 'run-1' };
    expect(transition(job, { type: 'complete', token: 'run-1', result: 1 }, env())).toBeNull();
    expect(transition(job, { type: 'fail', token: 'run-1', error: handlerError, unrecoverable: false }, env())).toBeNull();
  });

  it('completing twice', () => {
    const done = apply(claimed(newRecord()), { type: 'complete', token: 'run-1', result: 1 });
    expect(transition(done, { type: 'complete', token: 'run-1', result: 2 }, env())).toBeNull();
  });

  it.each(['completed', 'failed', 'cancelled'] as const)('cancelling a job that is %s', (state) => {
    expect(transition(inState(state), { type: 'cancel', error: cancelError }, env())).toBeNull();
  });

  it.each(['delayed', 'active', 'completed', 'failed', 'cancelled'] as const)('claiming a job that is %s', (state) => {
    expect(transition(inState(state), { type: 'claim', token: 'run-9', owner: 'b', leaseUntil: T0, ranBy: 'tab:b' }, env())).toBeNull();
  });

  it.each(['waiting', 'active', 'completed', 'failed', 'cancelled'] as const)('promoting a job that is %s', (state) => {
    expect(transition(inState(state), { type: 'promote' }, env())).toBeNull();
  });

  it.each(['waiting', 'delayed', 'active', 'completed'] as const)('retrying a job that is %s', (state) => {
    expect(transition(inState(state), { type: 'retry' }, env())).toBeNull();
  });

  it.each(['waiting', 'delayed', 'completed', 'failed', 'cancelled'] as const)('stalling a job that is %s', (state) => {
    expect(transition(inState(state), { type: 'stall', maxStalls: 5 }, env())).toBeNull();
  });
});

describe('transition: attempts and stalls', () => {
  const fail = (token: string, unrecoverable = false): JobAction => ({ type: 'fail', token, error: handlerError, unrecoverable });

  it('each handler failure spends an attempt, until the last one fails the job', () => {
    let job = newRecord({ attempts: 3, backoff: 0 });
    job = apply(claimed(job, 'run-1'), fail('run-1'));
    expect(job).toMatchObject({ state: 'waiting', attempt: 1 });
    job = apply(claimed(job, 'run-2'), fail('run-2'));
    expect(job).toMatchObject({ state: 'waiting', attempt: 2 });
    job = apply(claimed(job, 'run-3'), fail('run-3'));
    expect(job).toMatchObject({ state: 'failed', attempt: 3, error: handlerError });
  });

  it('unrecoverable: true fails at once, with attempts left', () => {
    const error: SerializedError = { name: 'UnrecoverableError', code: 'ERR_UNRECOVERABLE', message: 'bad input' };
    const job = apply(claimed(newRecord({ attempts: 5 })), { type: 'fail', token: 'run-1', error, unrecoverable: true }, env(T0 + 3));
    expect(job).toMatchObject({ state: 'failed', attempt: 1, error, finishedAt: T0 + 3 });
  });

  it('a stall puts the job back in line without spending an attempt, keeping its place', () => {
    const active = claimed(newRecord({ attempts: 1 }));
    const job = apply(active, { type: 'stall', maxStalls: 1, token: 'run-1', error: crashError }, env(T0 + 500));
    expect(job).toMatchObject({ state: 'waiting', stalls: 1, attempt: 1, runAt: T0, error: crashError, token: undefined, owner: undefined });
    // The one attempt is still there to spend: a handler failure now fails the job, not the stall.
    const again = claimed(job, 'run-2');
    expect(again.attempt).toBe(2);
    const failed = apply(again, fail('run-2'));
    expect(failed).toMatchObject({ state: 'failed', attempt: 2, stalls: 1, error: handlerError });
  });

  it('a handler failure after a stall is retried when attempts are left', () => {
    let job = newRecord({ attempts: 2, backoff: 0 });
    job = apply(claimed(job, 'run-1'), { type: 'stall', maxStalls: 3, token: 'run-1' });
    job = apply(claimed(job, 'run-2'), fail('run-2'));
    expect(job).toMatchObject({ state: 'waiting', attempt: 2, stalls: 1 });
    job = apply(claimed(job, 'run-3'), fail('run-3'));
    expect(job).toMatchObject({ state: 'failed', attempt: 3, stalls: 1 });
  });

  it('a stall without a token (a dead owner found by reclaim) keeps the last error', () => {
    const job = { ...claimed(newRecord()), error: handlerError };
    expect(apply(job, { type: 'stall', maxStalls: 1 })).toMatchObject({ state: 'waiting', stalls: 1, error: handlerError });
  });

  it('the stall cap fails the job with a message saying it kept dying', () => {
    let job = newRecord({ attempts: 3 }, 'poison');
    job = apply(claimed(job, 'run-1'), { type: 'stall', maxStalls: 1, token: 'run-1', error: crashError });
    job = apply(claimed(job, 'run-2'), { type: 'stall', maxStalls: 1, token: 'run-2', error: crashError }, env(T0 + 80));
    expect(job).toMatchObject({ state: 'failed', stalls: 2, attempt: 2, finishedAt: T0 + 80, token: undefined });
    expect(job.error).toEqual({
      name: 'WorkerCrashedError',
      code: 'ERR_WORKER_CRASHED',
      message:
        'Job job-1 (poison) stalled 2 times: the tab or worker running it kept dying, more than maxStalls (1) allows',
      cause: crashError,
    });
  });

  it('maxStalls 0 fails the job at its first stall', () => {
    const job = apply(claimed(newRecord()), { type: 'stall', maxStalls: 0 });
    expect(job.state).toBe('failed');
    expect(job.error?.message).toBe(
      'Job job-1 (resize) stalled once: the tab or worker running it kept dying, more than maxStalls (0) allows',
    );
  });

  it('release keeps the error it is given (the network gone), else the last one', () => {
    const offline: SerializedError = { name: 'FetchError', code: 'ERR_OFFLINE', message: 'Offline: could not fetch /api' };
    const job = { ...claimed(newRecord()), error: handlerError };
    expect(apply(job, { type: 'release', token: 'run-1', error: offline })).toMatchObject({ state: 'waiting', attempt: 0, error: offline });
    expect(apply(job, { type: 'release', token: 'run-1' }).error).toEqual(handlerError);
  });

  it('release gives the attempt back and forgets the run', () => {
    const job = apply(claimed(newRecord({ attempts: 1 })), { type: 'release', token: 'run-1' });
    expect(job).toMatchObject({ state: 'waiting', attempt: 0, stalls: 0, startedAt: undefined, token: undefined, owner: undefined, leaseUntil: undefined });
    // Released, the job still has its one attempt.
    expect(apply(claimed(job, 'run-2'), fail('run-2'))).toMatchObject({ state: 'failed', attempt: 1 });
  });

  it('retry resets attempts and stalls, so a failed job gets all its attempts again', () => {
    let job = newRecord({ attempts: 2, backoff: 0 });
    job = apply(claimed(job, 'run-1'), { type: 'stall', maxStalls: 1, token: 'run-1' });
    job = apply(claimed(job, 'run-2'), fail('run-2'));
    job = apply(claimed(job, 'run-3'), fail('run-3'));
    expect(job).toMatchObject({ state: 'failed', attempt: 3, stalls: 1 });
    job = apply(job, { type: 'retry' });
    expect(job).toMatchObject({ state: 'waiting', attempt: 0, stalls: 0 });
    job = apply(claimed(job, 'run-4'), fail('run-4'));
    expect(job).toMatchObject({ state: 'waiting', attempt: 1 });
  });
});

describe('transition: backoff lands in runAt', () => {
  const failAt = (job: JobRecord, token: string, now: number, random: number) =>
    apply(job, { type: 'fail', token, error: handlerError, unrecoverable: false }, env(now, random));

  it('exponential, jittered with the injected random', () => {
    let job = newRecord({ attempts: 4, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 } });
    job = failAt(claimed(job, 'run-1'), 'run-1', T0, 0.5);
    expect(job).toMatchObject({ state: 'delayed', runAt: T0 + 750 }); // 1000 * (1 - 0.5 * 0.5)
    job = failAt(claimed(apply(job, { type: 'promote' }), 'run-2'), 'run-2', T0 + 1_000, 0.5);
    expect(job.runAt).toBe(T0 + 1_000 + 1_500); // 2000 * 0.75
    job = failAt(claimed(apply(job, { type: 'promote' }), 'run-3'), 'run-3', T0 + 5_000, 0);
    expect(job.runAt).toBe(T0 + 5_000 + 4_000);
  });

  it('the default backoff: exponential from one second, jittered by a quarter', () => {
    const job = failAt(claimed(newRecord({ attempts: 2 })), 'run-1', T0, 0);
    expect(job.runAt).toBe(T0 + 1_000);
    const jittered = failAt(claimed(newRecord({ attempts: 2 })), 'run-1', T0, 1);
    expect(jittered.runAt).toBe(T0 + 750);
  });

  it("waits at least the error's retryAfterMs (a server's Retry-After)", () => {
    const job = claimed(newRecord({ attempts: 3, backoff: { type: 'fixed', delay: 1_000, jitter: 0 } }));
    const error: SerializedError = { name: 'FetchError', code: 'ERR_FETCH', message: 'HTTP 429', status: 429, retryAfterMs: 30_000 };
    expect(apply(job, { type: 'fail', token: 'run-1', error, unrecoverable: false }).runAt).toBe(T0 + 30_000);
    const shortWait = { ...error, retryAfterMs: 10 };
    expect(apply(job, { type: 'fail', token: 'run-1', error: shortWait, unrecoverable: false }).runAt).toBe(T0 + 1_000);
  });

  it('counts only handler runs as retries: a stall does not grow the wait', () => {
    let job = newRecord({ attempts: 3, backoff: { type: 'exponential', delay: 100, jitter: 0 } });
    job = apply(claimed(job, 'run-1'), { type: 'stall', maxStalls: 1, token: 'run-1' });
    job = failAt(claimed(job, 'run-2'), 'run-2', T0, 0);
    expect(job.runAt).toBe(T0 + 100);
  });
});

describe('transition: attempt history', () => {
  it('records how each run ended, oldest first', () => {
    let job = newRecord({ attempts: 3, backoff: 0 });
    job = apply(claimed(job, 'run-1', env(T0)), { type: 'stall', maxStalls: 5, token: 'run-1', error: crashError }, env(T0 + 10));
    job = apply(claimed(job, 'run-2', env(T0 + 20)), { type: 'fail', token: 'run-2', error: handlerError, unrecoverable: false }, env(T0 + 30));
    job = apply(claimed(job, 'run-3', env(T0 + 40)), { type: 'complete', token: 'run-3', result: 1 }, env(T0 + 50));
    expect(job.history).toEqual([
      { attempt: 1, outcome: 'stalled', startedAt: T0, finishedAt: T0 + 10, error: crashError },
      { attempt: 2, outcome: 'failed', startedAt: T0 + 20, finishedAt: T0 + 30, error: handlerError },
      { attempt: 3, outcome: 'completed', startedAt: T0 + 40, finishedAt: T0 + 50 },
    ]);
  });

  it('a cancel records the run it stopped, and nothing for a job that was not running', () => {
    const running = apply(claimed(newRecord()), { type: 'cancel', error: cancelError }, env(T0 + 5));
    expect(running.history).toEqual([{ attempt: 1, outcome: 'cancelled', startedAt: T0, finishedAt: T0 + 5, error: cancelError }]);
    expect(apply(newRecord(), { type: 'cancel', error: cancelError }).history).toEqual([]);
  });

  it('a release records nothing: the run did not count', () => {
    expect(apply(claimed(newRecord()), { type: 'release', token: 'run-1' }).history).toEqual([]);
  });

  it('a run that ended earlier than it was written keeps its own end time (`at`)', () => {
    const job = apply(claimed(newRecord()), { type: 'complete', token: 'run-1', result: 1, at: T0 + 3 }, env(T0 + 900));
    expect(job.finishedAt).toBe(T0 + 3);
    expect(job.history.at(-1)?.finishedAt).toBe(T0 + 3);
  });

  it('keeps the latest HISTORY_LENGTH runs', () => {
    let job = newRecord();
    for (let run = 1; run <= HISTORY_LENGTH + 5; run++) {
      job = apply(claimed(job, `run-${run}`), { type: 'stall', maxStalls: 1_000, token: `run-${run}` });
    }
    expect(job.history).toHaveLength(HISTORY_LENGTH);
    expect(job.history[0]!.attempt).toBe(6);
    expect(job.history.at(-1)!.attempt).toBe(HISTORY_LENGTH + 5);
  });
});

describe('transition: a user changes a job that has not started', () => {
  it.each(['waiting', 'delayed'] as const)('a %s job takes new data and a new priority, and keeps its state and place', (state) => {
    const before = inState(state);
    const job = apply(before, { type: 'change', data: { width: 128 }, priority: 7 });
    expect([job.state, job.data, job.priority, job.runAt, job.seq]).toEqual([state, { width: 128 }, 7, before.runAt, before.seq]);
  });

  it('a new runAt makes it delayed when later than now, waiting when not', () => {
    const later = apply(inState('waiting'), { type: 'change', runAt: T0 + 5_000 });
    expect([later.state, later.runAt]).toEqual(['delayed', T0 + 5_000]);
    const now = apply(later, { type: 'change', runAt: T0 }, env(T0));
    expect([now.state, now.runAt]).toEqual(['waiting', T0]);
  });

  it('a promote (onlyDelayed) moves a delayed job to waiting now, and is refused for a waiting one', () => {
    const job = apply(inState('delayed'), { type: 'change', runAt: T0 + 10, onlyDelayed: true }, env(T0 + 10));
    expect([job.state, job.runAt]).toEqual(['waiting', T0 + 10]);
    expect(transition(inState('waiting'), { type: 'change', runAt: T0, onlyDelayed: true }, env())).toBeNull();
  });

  it('data set to undefined is a change, not left out', () => {
    expect(apply(inState('waiting'), { type: 'change', data: undefined }).data).toBeUndefined();
  });

  it.each(['active', 'completed', 'failed', 'cancelled'] as const)('changing a job that is %s is refused', (state) => {
    expect(transition(inState(state), { type: 'change', data: 1, priority: 1 }, env())).toBeNull();
  });
});
