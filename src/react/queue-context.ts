import { createContext, createElement, useContext, type ReactNode } from 'react';
import type { Queue } from '../client/queue';
import type { TaskMap } from '../task/task';

const QueueContext = createContext<Queue<TaskMap> | undefined>(undefined);

/** Props of {@link QueueProvider}. */
export interface QueueProviderProps<Tasks extends TaskMap> {
  /** The queue the hooks below use when they are given none (`useJob`, `useJobs`, `useCounts`). */
  queue: Queue<Tasks>;
  children?: ReactNode;
}

/**
 * Gives `queue` to the hooks of the components below it, so they need not be handed it.
 * @example
 * const queue = useQueue<Tasks>({ name: 'images', worker });
 * return <QueueProvider queue={queue}><Jobs /></QueueProvider>;
 */
export function QueueProvider<Tasks extends TaskMap>({ queue, children }: QueueProviderProps<Tasks>): ReactNode {
  return createElement(QueueContext.Provider, { value: queue as unknown as Queue<TaskMap> }, children);
}

/** The queue given, else the one of the nearest {@link QueueProvider}; throws saying so when there is neither. */
export function useQueueOf<Tasks extends TaskMap>(queue: Queue<Tasks> | undefined, hook: string): Queue<Tasks> {
  const provided = useContext(QueueContext) as Queue<Tasks> | undefined;
  const found = queue ?? provided;
  if (!found) throw new Error(`${hook}() has no queue: give it one, or render it inside a <QueueProvider queue={queue}>`);
  return found;
}
