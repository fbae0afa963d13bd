import type { Queue } from '../client/queue';

/**
 * The queue a dashboard shows: any queue made by `createQueue`, whatever its tasks. The dashboard reads
 * jobs as plain `JobInfo` and never adds any, so the task types do not matter to it.
 */
export type DashboardQueue = Queue<any>;

/** Whether `value` looks like a queue made by `createQueue` (checked by its methods, not its class, so that two copies of the library still work together). */
export function isDashboardQueue(value: unknown): value is DashboardQueue {
  if (typeof value !== 'object' || value === null) return false;
  const queue = value as Record<string, unknown>;
  return ['counts', 'list', 'on', 'pause', 'resume', 'isPaused', 'schedules', 'retry', 'remove', 'clean'].every(
    (method) => typeof queue[method] === 'function',
  );
}
