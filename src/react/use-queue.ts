import { useEffect, useReducer } from 'react';
import type { Queue } from '../client/queue';
import type { QueueOptions } from '../client/queue-options';
import { holdQueue, releaseQueue, sharedQueue } from '../observe/shared-queues';
import type { TaskMap } from '../task/task';

/**
 * The page's queue named `options.name`, made on first use and shared by every component that asks for that
 * name: one queue, one runner and one worker pool per name, whatever mounts twice (StrictMode) or asks again.
 * It is closed once the last component using it unmounts. The options are read when the queue is made; later
 * renders' options (a new `worker` function each time, say) are not looked at.
 * @example
 * const queue = useQueue<Tasks>({
 *   name: 'images',
 *   worker: () => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' }),
 * });
 */
export function useQueue<Tasks extends TaskMap>(options: QueueOptions): Queue<Tasks> {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  // Asked for in render (the same one for every render and every component of that name), held once mounted.
  const entry = sharedQueue(options);
  useEffect(() => {
    const held = holdQueue(entry, options);
    // Closed meanwhile (a render that waited long to commit): this render showed the old one.
    if (held !== entry) rerender();
    return () => releaseQueue(held);
    // The options are the first render's: the queue is made once.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [entry]);
  return entry.queue as unknown as Queue<Tasks>;
}
