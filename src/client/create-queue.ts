import type { TaskMap } from '../task/task';
import { Queue } from './queue';
import type { QueueOptions } from './queue-options';

/**
 * Makes a queue. Jobs added to it are stored (in IndexedDB unless `storage: 'memory'`) and run on a pool
 * of workers made by `worker`.
 * @example
 * import { createQueue } from 'offthread';
 * import type { Tasks } from './tasks';
 * const queue = createQueue<Tasks>({
 *   name: 'images',
 *   worker: () => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' }),
 * });
 */
export function createQueue<Tasks extends TaskMap>(options: QueueOptions): Queue<Tasks> {
  return new Queue<Tasks>(options);
}
