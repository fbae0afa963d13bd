/**
 * offthread/react: hooks for React 18 and 19 over the page's queue, built on `useSyncExternalStore`.
 * @packageDocumentation
 */
export { useQueue } from './react/use-queue';
export { useJob } from './react/use-job';
export type { UseJobResult } from './react/use-job';
export { useCounts, useJobs } from './react/use-jobs';
export { QueueProvider } from './react/queue-context';
export type { QueueProviderProps } from './react/queue-context';
export type { JobSnapshot } from './observe/job-watch';
export type { JobsQuery } from './observe/query-watch';
