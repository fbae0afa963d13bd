// When retention sweeps run, on the injected clock: soon after the start, after a drain that follows many finished
// jobs (unless runs started again), under steady load after many more, and hourly.
import { describe, expect, it } from 'vitest';
import { resolveJobOptions } from '../../src/job/job-options';
import type { JobRecord } from '../../src/job/job';
import { DEFAULT_RETENTION, RetentionSweeper, SWEEP_BUSY_FINISHED, SWEEP_EVERY_FINISHED, SWEEP_INTERVAL_MS, SWEEP_QUIET_MS } from '../../src/runner/retention';
import { MemoryJobStore } from '../../src/store/memory-job-store';
import { FakeClock } from './support/fake-clock';

function sweeper(running = 0) {
  const clock = new FakeClock();
  const store = new MemoryJobStore({ now: () => clock.now(), random: () => 0 });
  const sweeps: number[] = [];
  const clean = store.clean.bind(store);
  store.clean = (query) => {
    if (query.state === 'completed') sweeps.push(clock.now());
    return clean(query);
  };
  const errors: unknown[] = [];
  const state = { running };
  const retention = { ...DEFAULT_RETENTION, completed: { age: 60_000 } };
  const s = new RetentionSweeper({ store: async () => store, retention, clock, running: async () => state.running, error: (e) => errors.push(e) });
  return { clock, store, sweeps, errors, state, sweeper: s };
}

const finishedJob = { finishedAt: 1 } as JobRecord;

describe('RetentionSweeper', () => {
  it('sweeps once at start, then hourly, by the injected clock (no real time passes here)', async () => {
    const { clock, sweeps, sweeper: s } = sweeper();
    const t0 = clock.now();
    s.start();
    await clock.advance(0);
    expect(sweeps).toEqual([t0]);
    await clock.advance(SWEEP_INTERVAL_MS);
    expect(sweeps).toEqual([t0, t0 + SWEEP_INTERVAL_MS]);
    s.close();
    expect(clock.pending).toBe(0);
  });

  it('deletes what retention no longer keeps, as of the injected clock', async () => {
    const { clock, store, sweeper: s } = sweeper();
    const [added] = await store.add([resolveJobOptions('task', null, {}, clock.now())]);
    const id = added!.job.id;
    await store.commit([], { max: 1, owner: 'me', ranBy: 'tab:me', leaseMs: 30_000, token: () => 'run-1', online: true });
    await store.commit([{ id, action: { type: 'complete', token: 'run-1', result: 1, at: clock.now() } }]);
    await clock.advance(60_001);
    s.start();
    await clock.advance(0);
    expect(await store.get(id)).toBeUndefined();
    s.close();
  });

  it('after a drain, sweeps once the queue has stayed quiet, only when many jobs finished since the last sweep', async () => {
    const { clock, sweeps, sweeper: s } = sweeper();
    for (let i = 0; i < SWEEP_EVERY_FINISHED - 1; i++) s.finished(finishedJob);
    s.drained();
    expect(clock.pending).toBe(0);
    s.finished(finishedJob);
    // A job that ran and is not finished (a retry) does not count.
    s.finished({ finishedAt: undefined } as JobRecord);
    const drainedAt = clock.now();
    s.drained();
    await clock.advance(SWEEP_QUIET_MS - 1);
    expect(sweeps).toEqual([]);
    await clock.advance(1);
    expect(sweeps).toEqual([drainedAt + SWEEP_QUIET_MS]);
    s.close();
  });

  it('a drain followed by new runs waits for the next drain (or the hour); steady load sweeps after many more', async () => {
    const { clock, sweeps, state, sweeper: s } = sweeper(3);
    for (let i = 0; i < SWEEP_EVERY_FINISHED; i++) s.finished(finishedJob);
    s.drained();
    await clock.advance(SWEEP_QUIET_MS);
    expect(sweeps).toEqual([]);
    for (let i = SWEEP_EVERY_FINISHED; i < SWEEP_BUSY_FINISHED; i++) s.finished(finishedJob);
    await clock.advance(0);
    expect(sweeps).toEqual([clock.now()]);
    state.running = 0;
    s.close();
  });

  it('a sweep that storage fails is reported, and the next one goes on', async () => {
    const { clock, store, errors, sweeper: s } = sweeper();
    const failure = new Error('storage is gone');
    store.clean = () => Promise.reject(failure);
    s.start();
    await clock.advance(0);
    expect(errors).toEqual([failure]);
    expect(clock.pending).toBe(1);
    s.close();
  });
});
