/**
 * offthread: a browser-first task queue for Web Workers. This is the page's entry.
 * @packageDocumentation
 */
export { createQueue } from './client/create-queue';
export { Queue } from './client/queue';
export type { AddArgs, AnyJobHandle, AnyJobInfo, BulkJob, QueueEvents, TaskJobHandle, TaskJobInfo } from './client/queue-types';
export type { QueueOptions } from './client/queue-options';
export type { Retention, RetentionOptions } from './runner/retention';
export { JobHandle } from './client/job-handle';
export { transfer } from './task/transfer';
export {
  OffthreadError,
  JobFailedError,
  JobTimeoutError,
  JobCancelledError,
  WorkerCrashedError,
  StorageError,
  InvalidJobError,
  UnrecoverableError,
  QueueClosedError,
  FetchError,
} from './errors';
export type { OffthreadErrorCode, SerializedError, StorageErrorCode } from './errors';
export type { AttemptRecord, BackoffOptions, JobCounts, JobInfo, JobState } from './job/job';
export type { JobOptions } from './job/job-options';
export type { ListQuery } from './store/job-store';
export type { CatchUp, ScheduleInfo, ScheduleSpec, ScheduledJob } from './schedule/schedule';
export type { Clock } from './clock';
export type { TaskContext, TaskData, TaskDefinition, TaskHandler, TaskMap, TaskName, TaskOptions, TaskResult } from './task/task';
