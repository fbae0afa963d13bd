// Queues on the test fixtures' worker, each with a name of its own, closed after every test.
import { afterEach } from 'vitest';
import { createQueue, type Queue, type QueueOptions } from '../../../src/index';
import type { Tasks } from '../../fixtures/tasks';

export const fixtureWorker = () => new Worker(new URL('../../fixtures/tasks.worker.ts', import.meta.url), { type: 'module' });

/** A `makeQueue(options)` for one test file: two workers, a fresh name per queue, all closed (forced) after each test. */
export function useTestQueues(prefix: string): (options?: Partial<QueueOptions>) => Queue<Tasks> {
  const open: Array<Queue<Tasks>> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((queue) => queue.close({ force: true })));
  });
  return (options = {}) => {
    const queue = createQueue<Tasks>({ name: `${prefix}-${crypto.randomUUID()}`, worker: fixtureWorker, concurrency: 2, ...options });
    open.push(queue);
    return queue;
  };
}
