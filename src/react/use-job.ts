import { useCallback, useSyncExternalStore } from 'react';
import type { JobHandle } from '../client/job-handle';
import type { Queue } from '../client/queue';
import { JobWatch, NO_JOB, type JobSnapshot } from '../observe/job-watch';
import type { TaskMap } from '../task/task';
import { useQueueOf } from './queue-context';

/** What {@link useJob} gives: the job's snapshot, and a way to cancel it. */
export interface UseJobResult<Result> extends JobSnapshot<Result> {
  /** Cancels the job (see `queue.cancel`); resolves `false` if it had finished, or there is no job. */
  cancel(): Promise<boolean>;
}

/**
 * Follows one job: its state, progress, result or error, re-rendering this component when they change (and only
 * for this job: another job's progress does not render it). Give it a handle from `add` (its result is then
 * typed) or a job id; `undefined` gives the empty snapshot, for a job not added yet.
 * @example
 * const { state, progress, result, error, cancel } = useJob(handle);
 */
export function useJob<Result = unknown, Tasks extends TaskMap = TaskMap>(
  idOrHandle: string | JobHandle<Result, unknown, string> | undefined,
  queue?: Queue<Tasks>,
): UseJobResult<Result> {
  const q = useQueueOf(queue, 'useJob');
  const watch = JobWatch.of(q);
  const handle = typeof idOrHandle === 'object' ? idOrHandle : undefined;
  const id = typeof idOrHandle === 'object' ? idOrHandle.id : idOrHandle;
  const subscribe = useCallback((listener: () => void) => (id === undefined ? () => {} : watch.subscribe(id, listener, handle)), [watch, id, handle]);
  const getSnapshot = () => (id === undefined ? NO_JOB : watch.snapshot(id));
  const snapshot = useSyncExternalStore(subscribe, getSnapshot, getSnapshot) as JobSnapshot<Result>;
  const cancel = useCallback(() => (id === undefined ? Promise.resolve(false) : q.cancel(id)), [q, id]);
  return { ...snapshot, cancel };
}
