// A run's response, turned into its job's action: every branch, without a runner or a store.
import { describe, expect, it } from 'vitest';
import { StorageError, type SerializedError } from '../../src/errors';
import type { JobAction } from '../../src/job/transition';
import { isCrash, isDataCloneError, isNetworkFailure, runOutcome, unstorableResult, type RunOutcomeContext } from '../../src/runner/run-outcome';
import { claimed, crashError, handlerError, newRecord, T0 } from './support/job-record';

const context: RunOutcomeContext = { now: T0 + 500, maxStalls: 3, unansweredGraceMs: 60_000 };
const offline: SerializedError = { name: 'FetchError', code: 'ERR_OFFLINE', message: 'The browser is offline' };
const noAnswer: SerializedError = { name: 'FetchError', code: 'ERR_FETCH', message: 'Failed to fetch' };
const http503: SerializedError = { name: 'FetchError', code: 'ERR_FETCH', message: 'Service Unavailable', status: 503 };

const plainJob = claimed(newRecord());
const networkJob = claimed(newRecord({ requiresNetwork: true }));

describe('runOutcome: what a run that ended does to its job', () => {
  it('a result completes the job, at the time it ended; a network job tells that the network answered', () => {
    expect(runOutcome(plainJob, 'run-1', { ok: true, value: 42 }, context)).toEqual({
      action: { type: 'complete', token: 'run-1', result: 42, at: T0 + 500 },
      told: 'settled',
      network: undefined,
    });
    expect(runOutcome(networkJob, 'run-1', { ok: true, value: 'ok' }, context).network).toBe('answered');
  });

  it('a run that never began is released with its attempt kept, and nothing is told', () => {
    expect(runOutcome(plainJob, 'run-1', { ok: false, error: crashError, notStarted: true }, context)).toEqual({
      action: { type: 'release', token: 'run-1' },
      told: undefined,
    });
  });

  it('a worker that died mid-run stalls the job, under the stall cap', () => {
    expect(runOutcome(plainJob, 'run-1', { ok: false, error: crashError }, context)).toEqual({
      action: { type: 'stall', token: 'run-1', maxStalls: 3, error: crashError, at: T0 + 500 },
      told: 'stalled',
    });
  });

  it('offline: the job is released to wait for the network, and is a network job from then on', () => {
    const outcome = runOutcome(plainJob, 'run-1', { ok: false, error: offline }, context);
    expect(outcome).toEqual({ action: { type: 'release', token: 'run-1', error: offline, needsNetwork: true }, told: 'settled' });
    // For a network job too, and it says nothing of the network: the browser already knows it is offline.
    expect(runOutcome(networkJob, 'run-1', { ok: false, error: offline }, context).network).toBeUndefined();
  });

  it("a network job's request with no answer is released, counting the wait, and tells that the network did not answer", () => {
    expect(runOutcome(networkJob, 'run-1', { ok: false, error: noAnswer }, context)).toEqual({
      action: { type: 'release', token: 'run-1', error: noAnswer, needsNetwork: true, unanswered: true },
      told: 'settled',
      network: 'unanswered',
    });
  });

  it('unanswered for the whole grace: the job fails as any failure would, the wait still counted', () => {
    const waitedLong = { ...networkJob, unansweredSince: context.now - context.unansweredGraceMs };
    expect(runOutcome(waitedLong, 'run-1', { ok: false, error: noAnswer }, context)).toEqual({
      action: { type: 'fail', token: 'run-1', error: noAnswer, unrecoverable: false, at: T0 + 500, unanswered: true },
      told: 'settled',
      network: 'unanswered',
    });
    // A millisecond short of it, it still waits.
    const waitedLess = { ...networkJob, unansweredSince: context.now - context.unansweredGraceMs + 1 };
    expect(runOutcome(waitedLess, 'run-1', { ok: false, error: noAnswer }, context).action.type).toBe('release');
  });

  it('a request with no answer in a job not marked as a network job is an ordinary failure', () => {
    expect(runOutcome(plainJob, 'run-1', { ok: false, error: noAnswer }, context)).toEqual({
      action: { type: 'fail', token: 'run-1', error: noAnswer, unrecoverable: false, at: T0 + 500 },
      told: 'settled',
    });
  });

  it('an HTTP error is an answer: an ordinary failure, even for a network job', () => {
    expect(runOutcome(networkJob, 'run-1', { ok: false, error: http503 }, context)).toEqual({
      action: { type: 'fail', token: 'run-1', error: http503, unrecoverable: false, at: T0 + 500 },
      told: 'settled',
    });
  });

  it('a thrown error fails the attempt; UnrecoverableError and an invalid job skip the attempts left', () => {
    expect(runOutcome(plainJob, 'run-1', { ok: false, error: handlerError }, context).action).toEqual({
      type: 'fail', token: 'run-1', error: handlerError, unrecoverable: false, at: T0 + 500,
    });
    for (const code of ['ERR_UNRECOVERABLE', 'ERR_INVALID_JOB'] as const) {
      const error: SerializedError = { ...handlerError, code };
      expect(runOutcome(plainJob, 'run-1', { ok: false, error }, context).action).toEqual({ type: 'fail', token: 'run-1', error, unrecoverable: true, at: T0 + 500 });
    }
  });
});

describe('unstorableResult: a result storage cannot clone', () => {
  const complete: JobAction = { type: 'complete', token: 'run-1', result: () => 1, at: T0 };
  const cloneError = new DOMException('function could not be cloned', 'DataCloneError');

  it('fails the job for good, saying why, for a DataCloneError or the library error wrapping one', () => {
    const expected = { type: 'fail', token: 'run-1', unrecoverable: true, error: { name: 'TypeError', message: "The job's result cannot be stored in IndexedDB: function could not be cloned" } };
    expect(unstorableResult(complete, cloneError)).toMatchObject(expected);
    const wrapped = new StorageError('function could not be cloned', { cause: cloneError });
    expect(unstorableResult(complete, wrapped)).toMatchObject(expected);
  });

  it('leaves any other write or error alone', () => {
    expect(unstorableResult(complete, new DOMException('full', 'QuotaExceededError'))).toBeUndefined();
    expect(unstorableResult(complete, new Error('DataCloneError'))).toBeUndefined();
    expect(unstorableResult({ type: 'renew', token: 'run-1', leaseUntil: T0 }, cloneError)).toBeUndefined();
  });
});

describe('the predicates', () => {
  it('isNetworkFailure: offline, or a fetch with no status', () => {
    expect([offline, noAnswer, http503, handlerError].map(isNetworkFailure)).toEqual([true, true, false, false]);
  });

  it('isCrash: a WorkerCrashedError response only', () => {
    expect(isCrash({ ok: false, error: crashError })).toBe(true);
    expect(isCrash({ ok: false, error: handlerError })).toBe(false);
    expect(isCrash({ ok: true, value: crashError })).toBe(false);
  });

  it('isDataCloneError: the DOMException itself or as the cause of an Error', () => {
    const clone = new DOMException('x', 'DataCloneError');
    expect([clone, new Error('x', { cause: clone }), new DOMException('x', 'DataError'), 'DataCloneError'].map(isDataCloneError)).toEqual([true, true, false, false]);
  });
});
