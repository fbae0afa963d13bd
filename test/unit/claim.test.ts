import { describe, expect, it } from 'vitest';
import { claimAction, eligibility, lateClaimAction, type Claimant } from '../../src/job/claim';
import { apply, env, newRecord, T0 } from './support/job-record';

const claimant: Claimant = { owner: 'owner-a', ranBy: 'tab:a', leaseMs: 30_000 };

describe('claim: which jobs a claim may take', () => {
  it('takes any waiting job when online and not limited to some tasks; it reads the whole line', () => {
    const test = eligibility({ online: true });
    expect(test.admits(newRecord())).toBe(true);
    expect(test.admits(newRecord({ requiresNetwork: true }))).toBe(true);
    expect(test.network).toBe(true);
    expect(test.narrow).toBe(false);
  });

  it('offline, leaves the jobs that need the network', () => {
    const test = eligibility({ online: false });
    expect(test.admits(newRecord())).toBe(true);
    expect(test.admits(newRecord({ requiresNetwork: true }))).toBe(false);
    expect(test.network).toBe(false);
    expect(test.narrow).toBe(false);
  });

  it('limited to some tasks, takes only theirs, and says so (a store walks past the others)', () => {
    const test = eligibility({ online: true, names: new Set(['resize']) });
    expect(test.admits(newRecord({}, 'resize'))).toBe(true);
    expect(test.admits(newRecord({}, 'upload'))).toBe(false);
    expect(test.narrow).toBe(true);
  });

  it('passes the jobs its runner holds unwritten, by id, and only those', () => {
    const held = newRecord({ jobId: 'held' });
    const test = eligibility({ online: true, skip: [held] });
    expect(test.admits(held)).toBe(false);
    expect(test.admits({ ...held, state: 'waiting' })).toBe(false);
    expect(test.admits(newRecord({ jobId: 'other' }))).toBe(true);
    // Passing some jobs by id does not make a claim narrow: a store reads around them.
    expect(test.narrow).toBe(false);
  });

  it('takes only waiting jobs', () => {
    const test = eligibility({ online: true });
    expect(test.admits(newRecord({ delay: 1_000 }))).toBe(false);
    expect(test.admits(apply(newRecord(), claimAction(claimant, 'run-1', T0)))).toBe(false);
  });
});

describe('claim: the claim action', () => {
  it('claims for the claimant, leased from now', () => {
    expect(claimAction(claimant, 'run-7', T0)).toEqual({ type: 'claim', token: 'run-7', owner: 'owner-a', leaseUntil: T0 + 30_000, ranBy: 'tab:a' });
    const job = apply(newRecord(), claimAction(claimant, 'run-7', T0));
    expect(job).toMatchObject({ state: 'active', token: 'run-7', owner: 'owner-a', leaseUntil: T0 + 30_000, ranBy: 'tab:a', attempt: 1, startedAt: T0 });
  });

  it('writes a claim taken earlier unwritten as it was taken: its start kept, the lease from now', () => {
    const waiting = newRecord();
    const taken = apply(waiting, claimAction(claimant, 'run-1', T0));
    const late = lateClaimAction(claimant, 'run-1', taken, T0 + 40);
    expect(late).toEqual({ type: 'claim', token: 'run-1', owner: 'owner-a', leaseUntil: T0 + 40 + 30_000, ranBy: 'tab:a', at: T0, expect: { attempt: 0, runAt: waiting.runAt } });
    expect(apply(waiting, late, env(T0 + 40))).toMatchObject({ state: 'active', attempt: 1, token: 'run-1', startedAt: T0, leaseUntil: T0 + 40 + 30_000 });
  });

  it('a late claim does not apply to the job once it changed (cancelled and retried since it was taken)', () => {
    const waiting = newRecord();
    const taken = apply(waiting, claimAction(claimant, 'run-1', T0));
    const cancelled = apply(waiting, { type: 'cancel', error: { name: 'JobCancelledError', message: 'cancelled' } }, env(T0 + 10));
    const retried = apply(cancelled, { type: 'retry' }, env(T0 + 20));
    expect(retried.state).toBe('waiting');
    expect(apply.bind(null, retried, lateClaimAction(claimant, 'run-1', taken, T0 + 30), env(T0 + 30))).toThrow(/claim was refused/);
  });

});
