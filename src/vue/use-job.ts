import { computed, onScopeDispose, shallowRef, toValue, watch, type ComputedRef, type MaybeRefOrGetter } from 'vue';
import type { JobHandle } from '../client/job-handle';
import type { Queue } from '../client/queue';
import { JobWatch, NO_JOB, type JobSnapshot } from '../observe/job-watch';
import type { TaskMap } from '../task/task';
import { queueOf } from './queue-injection';

/** What {@link useJob} gives: each field of the job's snapshot as a read-only ref, and a way to cancel it. */
export type UseJobRefs<Result> = { readonly [Key in keyof JobSnapshot<Result>]: ComputedRef<JobSnapshot<Result>[Key]> } & {
  /** Cancels the job (see `queue.cancel`); resolves `false` if it had finished, or there is no job. */
  cancel(): Promise<boolean>;
};

/**
 * Follows one job: its state, progress, result or error as refs, which change when the job does (only this job's:
 * another job's progress triggers nothing here). Give it a handle from `add` (its result is then typed), a job id,
 * or a ref or getter of either; `undefined` gives the empty snapshot. Stops following when its scope is disposed.
 * @example
 * const { state, progress, result, error, cancel } = useJob(handle);
 */
export function useJob<Result = unknown, Tasks extends TaskMap = TaskMap>(
  idOrHandle: MaybeRefOrGetter<string | JobHandle<Result, unknown, string> | undefined>,
  queue?: Queue<Tasks>,
): UseJobRefs<Result> {
  const jobs = JobWatch.of(queueOf(queue, 'useJob'));
  const snapshot = shallowRef<JobSnapshot<Result>>(NO_JOB);
  const idOf = (value: string | JobHandle<Result, unknown, string> | undefined) => (typeof value === 'object' ? value.id : value);
  const stop = watch(
    () => toValue(idOrHandle),
    (value, _, onCleanup) => {
      const id = idOf(value);
      if (id === undefined) return void (snapshot.value = NO_JOB);
      const read = () => (snapshot.value = jobs.snapshot(id) as JobSnapshot<Result>);
      onCleanup(jobs.subscribe(id, read, typeof value === 'object' ? value : undefined));
      read();
    },
    { immediate: true },
  );
  onScopeDispose(stop);
  const field = <Key extends keyof JobSnapshot<Result>>(key: Key) => computed(() => snapshot.value[key]);
  return {
    job: field('job'),
    state: field('state'),
    progress: field('progress'),
    result: field('result'),
    error: field('error'),
    loaded: field('loaded'),
    cancel: () => {
      const id = idOf(toValue(idOrHandle));
      return id === undefined ? Promise.resolve(false) : queueOf(queue, 'useJob').cancel(id);
    },
  };
}
