/**
 * offthread/vue: composables for Vue 3 over the page's queue, as refs, cleaned up when their scope is disposed.
 * @packageDocumentation
 */
export { useQueue } from './vue/use-queue';
export { useJob } from './vue/use-job';
export type { UseJobRefs } from './vue/use-job';
export { useCounts, useJobs } from './vue/use-jobs';
export { provideQueue } from './vue/queue-injection';
export type { JobSnapshot } from './observe/job-watch';
export type { JobsQuery } from './observe/query-watch';
