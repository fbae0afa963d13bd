import type { Queue } from 'bullmq';
import { isSerializedError, type SerializedError } from '../errors';
import { CANCEL_FIELD, ERROR_FIELD, type ServerJobState, type ServerJobView } from './protocol';

/** The job's BullMQ hash fields of offthread's own (the hash goes when BullMQ removes the job). */
export interface OffthreadFields {
  error: SerializedError | undefined;
  cancelRequested: boolean;
}

/** Reads offthread's fields of a job's hash. */
export async function readFields(queue: Queue, id: string): Promise<OffthreadFields> {
  const client = await queue.getBackend().client;
  const [error, cancel] = await client.hmget(queue.toKey(id), ERROR_FIELD, CANCEL_FIELD);
  return { error: parseError(error ?? null), cancelRequested: cancel !== null && cancel !== undefined };
}

/** The error a run left (written by `serveBullmq` before the run fails), else one made of BullMQ's `failedReason`. */
export function errorOf(fields: OffthreadFields, failedReason: string | undefined): SerializedError {
  return fields.error ?? { name: 'Error', message: failedReason || 'The job failed (BullMQ gave no reason)' };
}

/** Whether a failed job failed because it was cancelled. */
export function isCancelled(error: SerializedError): boolean {
  return error.name === 'JobCancelledError';
}

/** A job as the bridge tells it, or `undefined` when BullMQ has no such job. */
export async function readServerJob(queue: Queue, id: string): Promise<ServerJobView | undefined> {
  // The state first: a job read after it was found ended has its result (BullMQ writes both at once);
  // read before, it might not.
  const bullState = await queue.getJobState(id);
  if (bullState === 'unknown') return undefined;
  const [job, fields, logs] = await Promise.all([queue.getJob(id), readFields(queue, id), queue.getJobLogs(id, 0, 0)]);
  if (!job) return undefined;
  let state = toState(bullState);
  const view: ServerJobView = {
    id,
    name: job.name,
    state,
    attempt: job.attemptsStarted ?? 0,
    attempts: job.opts.attempts ?? 1,
    progress: job.progress,
    cancelRequested: fields.cancelRequested,
    logCount: logs.count,
  };
  if (state === 'completed') view.result = job.returnvalue;
  if (state === 'failed') {
    view.error = errorOf(fields, job.failedReason);
    if (isCancelled(view.error)) view.state = state = 'cancelled';
  }
  return view;
}

/** BullMQ's state in offthread's words: `prioritized` and `waiting-children` jobs wait. */
function toState(state: Awaited<ReturnType<Queue['getJobState']>>): ServerJobState {
  switch (state) {
    case 'completed':
    case 'failed':
    case 'delayed':
    case 'active':
      return state;
    default:
      return 'waiting';
  }
}

function parseError(text: string | null): SerializedError | undefined {
  if (text === null) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isSerializedError(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
