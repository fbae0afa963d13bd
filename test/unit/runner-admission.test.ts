// The Runner's seam for scheduling policies (Admission): it claims and starts no more than their least room.
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/job/job';
import type { Admission } from '../../src/runner/admission';
import { useHarness } from './support/runner-harness';

/** A policy that lets `limit` jobs start, and counts what started. */
class Cap implements Admission {
  readonly startedIds: string[] = [];
  constructor(public limit: number) {}
  room(): number {
    return this.limit - this.startedIds.length;
  }
  started(job: JobRecord): void {
    this.startedIds.push(job.id);
  }
}

const { started } = useHarness();

describe('Runner: admission policies', () => {
  it('starts no more jobs than a policy has room for, and tells it each job it starts', async () => {
    const cap = new Cap(2);
    const h = await started({ concurrency: 4, admissions: [cap] });
    const [a, b, c] = await h.add({}, {}, {});
    h.runner.wake();
    await h.settle();
    expect(h.executor.started).toEqual([a, b]);
    expect(cap.startedIds).toEqual([a, b]);
    // The policy's room does not come back with a run's end: the third job waits.
    h.executor.runOf(a!).succeed(1);
    await h.settle();
    expect(h.executor.started).toEqual([a, b]);
    expect(await h.job(c!)).toMatchObject({ state: 'waiting', attempt: 0 });
    // Room opens (a rate limit's window, say): the policy wakes the runner, and the job starts.
    cap.limit = 3;
    h.runner.wake();
    await h.settle();
    expect(h.executor.started).toEqual([a, b, c]);
  });

  it('the least room of the policies and the executor wins', async () => {
    const h = await started({ concurrency: 1, admissions: [new Cap(5), new Cap(3)] });
    const [a] = await h.add({}, {});
    h.runner.wake();
    await h.settle();
    expect(h.executor.started).toEqual([a]);
  });

  it('a claim that comes back once a policy has no room starts nothing: its jobs wait, their attempts not spent', async () => {
    const cap = new Cap(5);
    const h = await started({ concurrency: 2, admissions: [cap] });
    const [a, b] = await h.add({}, {});
    let open!: () => void;
    h.store.gate = new Promise((resolve) => (open = resolve));
    h.runner.wake();
    await h.settle();
    cap.limit = 0;
    h.store.gate = undefined;
    open();
    await h.settle();
    expect(h.executor.started).toEqual([]);
    expect(await h.job(a!)).toMatchObject({ state: 'waiting', attempt: 0, token: undefined });
    expect(await h.job(b!)).toMatchObject({ state: 'waiting', attempt: 0, token: undefined });
  });
});
