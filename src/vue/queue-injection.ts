import { hasInjectionContext, inject, provide, type InjectionKey } from 'vue';
import type { Queue } from '../client/queue';
import type { TaskMap } from '../task/task';

const QUEUE: InjectionKey<Queue<TaskMap>> = Symbol('offthread queue');

/**
 * Gives `queue` to the composables of this component's descendants (`useJob`, `useJobs`, `useCounts`), so they
 * need not be handed it. Call it in `setup()`.
 * @example
 * const queue = useQueue<Tasks>({ name: 'images', worker });
 * provideQueue(queue);
 */
export function provideQueue<Tasks extends TaskMap>(queue: Queue<Tasks>): void {
  provide(QUEUE, queue as unknown as Queue<TaskMap>);
}

/** The queue given, else the one an ancestor provided; throws saying so when there is neither. */
export function queueOf<Tasks extends TaskMap>(queue: Queue<Tasks> | undefined, composable: string): Queue<Tasks> {
  const found = queue ?? (hasInjectionContext() ? (inject(QUEUE, undefined) as Queue<Tasks> | undefined) : undefined);
  if (!found) throw new Error(`${composable}() has no queue: give it one, or call provideQueue(queue) in an ancestor's setup()`);
  return found;
}
