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

/**
 * A job event's payload: the task's `name` (check it to narrow the rest, `result` included) and the job.
 */
export type JobEventPayload<Tasks extends TaskMap> = {
  [Name in TaskName<Tasks>]: { name: Name; job: TaskJobInfo<Tasks, Name> };
}[TaskName<Tasks>];

/** The queue's events and their payloads. Events of jobs run in another tab (or the service worker) arrive here too. */
export interface QueueEvents<Tasks extends TaskMap> {
  /** A job was stored (not for an add that found its `jobId` already stored). */
  added: JobEventPayload<Tasks>;
  /** A run started. */
  active: JobEventPayload<Tasks>;
  progress: JobEventPayload<Tasks> & { progress: unknown };
  /** A run completed; `if (e.name === 'fib')` narrows `e.result` to that task's result. */
  completed: {
    [Name in TaskName<Tasks>]: { name: Name; job: TaskJobInfo<Tasks, Name>; result: TaskResult<Tasks, Name> };
  }[TaskName<Tasks>];
  /** The job ended `failed`; `error` is a `JobFailedError` whose `cause` is the last attempt's error. */
  failed: JobEventPayload<Tasks> & { error: JobFailedError };
  /** A run threw and the job will run again (after its backoff); `error` is what it threw. */
  retrying: JobEventPayload<Tasks> & { error: Error };
  /** A run was lost to a dying tab or worker; the job is back in line (or `failed`, at the stall cap). */
  stalled: JobEventPayload<Tasks>;
  cancelled: JobEventPayload<Tasks>;
  /** This tab's runner has nothing running and nothing ready. */
  drained: Record<string, never>;
  /** Storage failed, or was closed or cleared underneath the queue. */
  error: { error: Error };
}

/** One job of an `addBulk`. */
export type BulkJob<Tasks extends TaskMap> = {
  [Name in TaskName<Tasks>]: undefined extends TaskData<Tasks, Name>
    ? { name: Name; data?: TaskData<Tasks, Name>; opts?: JobOptions }
    : { name: Name; data: TaskData<Tasks, Name>; opts?: JobOptions };
}[TaskName<Tasks>];

/** `add`'s arguments after the name: data may be left out for a task that takes none. */
export type AddArgs<Tasks extends TaskMap, Name extends TaskName<Tasks>> = undefined extends TaskData<Tasks, Name>
  ? [data?: TaskData<Tasks, Name>, options?: JobOptions]
  : [data: TaskData<Tasks, Name>, options?: JobOptions];

/** The handle of a job of task `Name`. */
export type TaskJobHandle<Tasks extends TaskMap, Name extends TaskName<Tasks>> = JobHandle<
  TaskResult<Tasks, Name>,
  TaskData<Tasks, Name>,
  Name
>;

/** The handle of a job of any of the queue's tasks; `if (job.name === 'fib')` narrows it to that task's. */
export type AnyJobHandle<Tasks extends TaskMap> = { [Name in TaskName<Tasks>]: TaskJobHandle<Tasks, Name> }[TaskName<Tasks>];
