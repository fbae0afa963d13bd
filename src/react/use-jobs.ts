import { useCallback, useSyncExternalStore } from 'react';
import type { Queue } from '../client/queue';
import type { AnyJobInfo } from '../client/queue-types';
import type { JobCounts } from '../job/job';
import { QueryWatch, type JobsQuery } from '../observe/query-watch';
import type { TaskMap } from '../task/task';
import { useQueueOf } from './queue-context';

/**
 * A page of the queue's jobs as plain data, read again when jobs are added, start or end (at most every 50 ms,
 * and every 5 s for what no event tells); `undefined` until the first read. The component renders again only when
 * the page changes. A progress report does not change it: give each row `useJob(job.id)` to show live progress.
 * @example
 * const failed = useJobs<Tasks>({ state: 'failed', limit: 20 });
 */
export function useJobs<Tasks extends TaskMap = TaskMap>(query: JobsQuery<Tasks> = {}, queue?: Queue<Tasks>): Array<AnyJobInfo<Tasks>> | undefined {
  const q = useQueueOf(queue, 'useJobs');
  const watch = QueryWatch.jobs(q, query);
  return useWatch(watch) as Array<AnyJobInfo<Tasks>> | undefined;
}

/**
 * The queue's counts per state, read again when jobs are added, start or end (at most every 50 ms, and every
 * 5 s for what no event tells); `undefined` until the first read.
 * @example
 * const counts = useCounts();
 * return <span>{counts?.waiting ?? '…'} waiting</span>;
 */
export function useCounts<Tasks extends TaskMap = TaskMap>(queue?: Queue<Tasks>): JobCounts | undefined {
  return useWatch(QueryWatch.counts(useQueueOf(queue, 'useCounts')));
}

function useWatch<T>(watch: QueryWatch<T>): T | undefined {
  const subscribe = useCallback((listener: () => void) => watch.subscribe(listener), [watch]);
  const getSnapshot = () => watch.snapshot();
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}
