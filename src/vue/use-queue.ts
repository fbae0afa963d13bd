import { getCurrentScope, onScopeDispose } from 'vue';
import type { Queue } from '../client/queue';
import type { QueueOptions } from '../client/queue-options';
import { holdQueue, releaseQueue, sharedQueue } from '../observe/shared-queues';
import type { TaskMap } from '../task/task';

/**
 * The page's queue named `options.name`, made on first use and shared by every component (or effect scope) that
 * asks for that name: one queue, one runner and one worker pool per name. It is closed once the last scope using
 * it is disposed (its component unmounted, or `scope.stop()`). The options are read when the queue is made.
 * Call it in `setup()` or inside an `effectScope()`.
 * @example
 * const queue = useQueue<Tasks>({
 *   name: 'images',
 *   worker: () => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' }),
 * });
 */
export function useQueue<Tasks extends TaskMap>(options: QueueOptions): Queue<Tasks> {
  if (!getCurrentScope()) {
    throw new Error("useQueue() must be called in a component's setup() or inside an effectScope(): the queue is closed when that scope is disposed");
  }
  const held = holdQueue(sharedQueue(options), options);
  onScopeDispose(() => releaseQueue(held));
  return held.queue as unknown as Queue<Tasks>;
}
