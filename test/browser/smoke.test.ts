import { describe, expect, it } from 'vitest';
import { createQueue } from '../../src/index';
import type { Tasks } from '../fixtures/tasks';

describe('smoke', () => {
  for (const storage of ['memory', 'indexeddb'] as const) {
    it(`runs a job end to end (${storage})`, async () => {
      const queue = createQueue<Tasks>({
        name: `smoke-${storage}-${Math.random()}`,
        storage,
        concurrency: 2,
        worker: () => new Worker(new URL('../fixtures/tasks.worker.ts', import.meta.url), { type: 'module' }),
      });
      const job = await queue.add('add', { a: 2, b: 3 });
      expect(await job.result).toBe(5);
      expect(await job.state()).toBe('completed');
      expect(await queue.run('steps', 3)).toBe(3);
      await queue.close();
    });
  }
});
