// The checks every row read from IndexedDB goes through (src/store/check-row.ts, check-schedule.ts): what they let
// through, and the reason they give, naming the field, for what they do not. The store's use of them (putting a
// row aside, reporting it) is in test/browser/store-contract.test.ts.
import { describe, expect, it } from 'vitest';
import { checkJobRow, hasStaleKeys } from '../../src/store/check-row';
import { checkSchedule } from '../../src/store/check-schedule';
import { quarantinedRow } from '../../src/store/quarantined-row';
import { toRow, type JobRow } from '../../src/store/queue-db';
import { apply, claimed, newRecord, T0 } from './support/job-record';

const STATES = 'waiting, delayed, active, completed, failed, cancelled';

describe('checkJobRow', () => {
  const row = toRow(newRecord());

  it('lets through the rows this code writes, in every state, and a row without data', () => {
    const active = claimed(newRecord());
    const completed = apply(active, { type: 'complete', token: 'run-1', result: 1 });
    const failed = apply(claimed(newRecord()), { type: 'fail', token: 'run-1', error: { name: 'E', message: 'm' }, unrecoverable: true });
    for (const job of [newRecord(), newRecord({ delay: 5 }), active, completed, failed, newRecord({ backoff: 10, timeout: 5 })]) {
      expect(checkJobRow(toRow(job)), job.state).toBeUndefined();
    }
    const { data: _data, ...noData } = row;
    expect(checkJobRow(noData)).toBeUndefined();
  });

  it.each([
    ['an unknown state', { state: 'bogus' }, `state is 'bogus', expected one of ${STATES}`],
    ['priority a string', { priority: '5' }, "priority is '5' (a string), expected a finite number"],
    ['runAt NaN', { runAt: Number.NaN }, 'runAt is NaN, expected a finite number'],
    ['runAt Infinity', { runAt: Infinity }, 'runAt is Infinity, expected a finite number'],
    ['attempts negative', { attempts: -1 }, 'attempts is -1, expected an integer from 1 and up'],
    ['attempt a fraction', { attempt: 1.5 }, 'attempt is 1.5, expected an integer from 0 and up'],
    ['seq missing', { seq: undefined }, 'seq is missing, expected an integer from 0 and up'],
    ['history not an array', { history: 'oops' }, "history is 'oops' (a string), expected an array"],
    ['a history entry that is not one', { history: [null] }, 'history[0] is null, expected { attempt, outcome, startedAt, finishedAt }'],
    ['a name that is not a string', { name: null }, 'name is null, expected a string'],
    ['an id that is not a string', { id: 42 }, 'id is 42, expected a string'],
    ['requiresNetwork a string', { requiresNetwork: 'yes' }, "requiresNetwork is 'yes' (a string), expected a boolean"],
    ['a token that is not a string', { token: 5 }, 'token is 5, expected a string or nothing'],
    ['a timeout of 0', { timeout: 0 }, 'timeout is 0, expected milliseconds above 0'],
    ['an unknown backoff', { backoff: { type: 'linear', delay: 1 } }, "backoff is an object, expected { type: 'fixed' | 'exponential', delay }"],
    ['an error without a message', { error: { name: 'E' } }, 'error is an object, expected { name, message }'],
    ['an active row without an owner', { state: 'active', token: 't' }, "state is 'active' but owner is missing"],
    ['a failed row without finishedAt', { state: 'failed' }, "state is 'failed' but finishedAt is missing"],
    ['a corrupt row without a reason', { state: 'corrupt' }, 'quarantine is missing, expected what was found wrong'],
  ])('names the field: %s', (_, change, reason) => {
    expect(checkJobRow({ ...row, ...change })).toBe(reason);
  });

  it('a record that is not an object, or has nothing but an id', () => {
    expect(checkJobRow('a string')).toBe("the record is 'a string' (a string), expected an object");
    expect(checkJobRow(null)).toBe('the record is null, expected an object');
    expect(checkJobRow([1])).toBe('the record is an array, expected an object');
    expect(checkJobRow({ id: 'x' })).toBe(`state is missing, expected one of ${STATES}`);
  });

  it('lets through a row put aside, and what it keeps', () => {
    const aside = quarantinedRow({ id: 'x', state: 'bogus', seq: 7 }, 'x', 'state is bogus', T0);
    expect(checkJobRow(aside)).toBeUndefined();
    expect(hasStaleKeys(aside)).toBe(false);
    expect(aside).toMatchObject({ id: 'x', state: 'corrupt', seq: 7, stateKey: ['corrupt', 7], quarantine: { reason: 'state is bogus', stored: { id: 'x', state: 'bogus', seq: 7 }, at: T0 } });
    expect(aside.error).toMatchObject({ name: 'StorageError', code: 'ERR_STORAGE_CORRUPT' });
    expect(aside).not.toHaveProperty('readyKey');
    expect(aside).not.toHaveProperty('finishedKey');
  });
});

describe('hasStaleKeys', () => {
  it('is false for the keys toRow gives, in every state', () => {
    const active = claimed(newRecord());
    for (const job of [newRecord(), newRecord({ delay: 5 }), active, apply(active, { type: 'complete', token: 'run-1', result: 1 })]) {
      expect(hasStaleKeys(toRow(job)), job.state).toBe(false);
    }
  });

  it('is true for keys missing, left over from another state, or out of step with the fields', () => {
    const waiting = toRow(newRecord());
    const { readyKey: _r, ...noReadyKey } = waiting;
    const rows: Array<[string, JobRow]> = [
      ['no line key', noReadyKey as JobRow],
      ['a line key with another priority', { ...waiting, priority: 9 }],
      ['a line key that says completed', { ...waiting, state: 'completed', finishedAt: T0 }],
      ['a state key of another state', { ...waiting, stateKey: ['failed', waiting.seq] }],
      ['a delayed row in the line', { ...toRow(newRecord({ delay: 5 })), readyKey: waiting.readyKey }],
    ];
    for (const [what, row] of rows) expect(hasStaleKeys(row), what).toBe(true);
  });
});

describe('checkSchedule', () => {
  const sound = { id: 's', spec: { every: 60_000 }, job: { name: 'a', data: 1 }, nextRunAt: T0, lastRunAt: undefined, createdAt: T0 };

  it('lets through sound schedules (interval and cron) and one put aside', () => {
    expect(checkSchedule(sound)).toBeUndefined();
    expect(checkSchedule({ ...sound, spec: { cron: '0 3 * * *', tz: 'Europe/Paris', catchUp: 'all' } })).toBeUndefined();
    expect(checkSchedule({ id: 's', quarantine: { reason: 'x', stored: 1, at: T0 } })).toBeUndefined();
  });

  it.each([
    ['a spec that is a string', { spec: 'daily' }, "spec is 'daily' (a string), expected { every } or { cron, tz }"],
    ['every below a second', { spec: { every: 10 } }, 'spec.every is 10, expected milliseconds from 1000 and up'],
    ['a cron that is not a string', { spec: { cron: 5 } }, 'spec.cron is 5, expected a cron pattern'],
    ['an unknown catchUp', { spec: { every: 5_000, catchUp: 'some' } }, "spec.catchUp is 'some' (a string), expected 'latest', 'all' or 'none'"],
    ['no job', { job: undefined }, 'job is missing, expected { name, data, opts }'],
    ['nextRunAt NaN', { nextRunAt: Number.NaN }, 'nextRunAt is NaN, expected a finite number'],
  ])('names the field: %s', (_, change, reason) => {
    expect(checkSchedule({ ...sound, ...change })).toBe(reason);
  });
});
