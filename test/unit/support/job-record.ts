import type { SerializedError } from '../../../src/errors';
import { createJobRecord, type JobRecord } from '../../../src/job/job';
import { resolveJobOptions, type JobOptions } from '../../../src/job/job-options';
import { transition, type JobAction, type TransitionEnv } from '../../../src/job/transition';

/** Epoch milliseconds the job tests start at. */
export const T0 = Date.UTC(2030, 0, 1);

/** A fresh record, as `store.add` would make it at `T0`. */
export function newRecord(opts: JobOptions = {}, name = 'resize', data: unknown = { width: 64 }): JobRecord {
  const job = resolveJobOptions(name, data, opts, T0);
  return createJobRecord(job, job.id ?? 'job-1', 1, T0);
}

/** A transition environment at `now`, with `random` fixed. */
export function env(now = T0, random = 0): TransitionEnv {
  return { now, random: () => random };
}

/** Applies `action`, failing the test if it is refused. */
export function apply(job: JobRecord, action: JobAction, at: TransitionEnv = env()): JobRecord {
  const next = transition(job, action, at);
  if (!next) throw new Error(`${action.type} was refused from state ${job.state}`);
  return next;
}

/** `job` claimed by `owner` with `token`. */
export function claimed(job: JobRecord, token = 'run-1', at: TransitionEnv = env()): JobRecord {
  return apply(job, { type: 'claim', token, owner: 'owner-a', leaseUntil: at.now + 30_000, ranBy: 'tab:a' }, at);
}

export const handlerError: SerializedError = { name: 'RangeError', message: 'width out of range', stack: 'RangeError: width out of range\n    at resize' };
export const crashError: SerializedError = { name: 'WorkerCrashedError', code: 'ERR_WORKER_CRASHED', message: 'The worker died' };
