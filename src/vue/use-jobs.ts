import { onScopeDispose, shallowRef, toValue, watch, type MaybeRefOrGetter, type ShallowRef } from 'vue';
import type { Queue } from '../client/queue';
import type { AnyJobInfo } from '../client/queue-types';
import type { JobCounts } from '../job/job';
import { QueryWatch, type JobsQuery } from '../observe/query-watch';
import type { TaskMap } from '../task/task';
import { queueOf } from './queue-injection';

/**
 * A page of the queue's jobs as plain data in a ref, read again when jobs are added, start or end (at most every
 * 50 ms, and every 5 s for what no event tells); `undefined` until the first read. `query` may be a ref or a
 * getter: the page follows it. A progress report does not change the page: `useJob(id)` per row shows it live.
 * @example
 * const failed = useJobs<Tasks>({ state: 'failed', limit: 20 });
 */
export function useJobs<Tasks extends TaskMap = TaskMap>(
  query: MaybeRefOrGetter<JobsQuery<Tasks>> = {},
  queue?: Queue<Tasks>,
): Readonly<ShallowRef<Array<AnyJobInfo<Tasks>> | undefined>> {
  const q = queueOf(queue, 'useJobs');
  return follow(() => QueryWatch.jobs(q, toValue(query)) as unknown as QueryWatch<Array<AnyJobInfo<Tasks>>>);
}

/**
 * The queue's counts per state in a ref, read again when jobs are added, start or end (at most every 50 ms, and
 * every 5 s for what no event tells); `undefined` until the first read.
 * @example
 * const counts = useCounts();
 */
export function useCounts<Tasks extends TaskMap = TaskMap>(queue?: Queue<Tasks>): Readonly<ShallowRef<JobCounts | undefined>> {
  const q = queueOf(queue, 'useCounts');
  return follow(() => QueryWatch.counts(q));
}

/** A ref of what the watch `which()` gives reads, following `which()` as it changes, until the scope is disposed. */
function follow<T>(which: () => QueryWatch<T>): Readonly<ShallowRef<T | undefined>> {
  const value = shallowRef<T | undefined>();
  const stop = watch(
    which,
    (watched, _, onCleanup) => {
      const read = () => (value.value = watched.snapshot());
      onCleanup(watched.subscribe(read));
      read();
    },
    { immediate: true },
  );
  onScopeDispose(stop);
  return value;
}
