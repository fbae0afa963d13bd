/**
 * What a page needs for schedules, in one chunk that `loadSchedules` loads the first time a queue has a
 * schedule (most apps have none). The service worker imports these modules statically instead: it may not
 * use `import()`.
 */
export { isCron } from './next-slot';
export { resolveSchedule } from './resolve-schedule';
export { Scheduler } from './scheduler';
