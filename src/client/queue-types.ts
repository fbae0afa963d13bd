import type { JobFailedError } from '../errors';
import type { JobInfo } from '../job/job';
import type { JobOptions } from '../job/job-options';
import type { TaskData, TaskMap, TaskName, TaskResult } from '../task/task';
import type { JobHandle } from './job-handle';

/** A job of task `Name`, as plain data. */
export type TaskJobInfo<Tasks extends TaskMap, Name extends TaskName<Tasks>> = JobInfo<
  TaskData<Tasks, Name>,
  TaskResult<Tasks, Name>
> & { name: Name };

/** A job of any of the queue's tasks; narrow it by `name`. */
export type AnyJobInfo<Tasks extends TaskMap> = { [Name in TaskName<Tasks>]: TaskJobInfo<Tasks, Name> }[TaskName<Tasks>];

/** The queue's events and their payloads. Events of jobs run in another tab arrive here too. */
export interface QueueEvents<Tasks extends TaskMap> {
  /** A job was stored (not for an add that found its `jobId` already stored). */
  added: { job: AnyJobInfo<Tasks> };
  /** A run started. */
  active: { job: AnyJobInfo<Tasks> };
  progress: { job: AnyJobInfo<Tasks>; progress: unknown };
  completed: { [Name in TaskName<Tasks>]: { job: TaskJobInfo<Tasks, Name>; result: TaskResult<Tasks, Name> } }[TaskName<Tasks>];
  /** The job ended `failed`; `error` is a `JobFailedError` whose `cause` is the last attempt's error. */
  failed: { job: AnyJobInfo<Tasks>; error: JobFailedError };
  /** A run threw and the job will run again (after its backoff); `error` is what it threw. */
  retrying: { job: AnyJobInfo<Tasks>; error: Error };
  /** A run was lost to a dying tab or worker; the job is back in line (or `failed`, at the stall cap). */
  stalled: { job: AnyJobInfo<Tasks> };
  cancelled: { job: AnyJobInfo<Tasks> };
  /** This tab's runner has nothing running and nothing ready. */
  drained: Record<string, never>;
  /** Storage failed, or was closed or cleared underneath the queue. */
  error: { error: Error };
}

/** One job of an `addBulk`. */
export type BulkJob<Tasks extends TaskMap> = {
  [Name in TaskName<Tasks>]: { name: Name; data: TaskData<Tasks, Name>; opts?: JobOptions };
}[TaskName<Tasks>];

/** `add`'s arguments after the name: data may be left out for a task that takes none. */
export type AddArgs<Tasks extends TaskMap, Name extends TaskName<Tasks>> = undefined extends TaskData<Tasks, Name>
  ? [data?: TaskData<Tasks, Name>, options?: JobOptions]
  : [data: TaskData<Tasks, Name>, options?: JobOptions];

/** The handle of a job of task `Name`. */
export type TaskJobHandle<Tasks extends TaskMap, Name extends TaskName<Tasks>> = JobHandle<
  TaskResult<Tasks, Name>,
  TaskData<Tasks, Name>
>;
