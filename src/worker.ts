/**
 * offthread/worker: what task code imports, in workers (and in the service worker).
 * @packageDocumentation
 */
export { defineTasks } from './task/define-tasks';
export { serveTasks } from './task/serve-tasks';
export { transfer } from './task/transfer';
export { FetchError, UnrecoverableError } from './errors';
export type { TaskContext, TaskDefinition, TaskHandler, TaskMap, TaskOptions } from './task/task';
