// No `any` reaches a user through the public types: each would silently turn off checking downstream.
import { describe, expectTypeOf, it } from 'vitest';
import { createQueue } from '../../src/index';
import type { Tasks } from './tasks';

const queue = createQueue<Tasks>({ name: 'types', storage: 'memory' });

describe('no any in public types', () => {
  it('job handles', async () => {
    const job = await queue.add('fib', 1);
    expectTypeOf(job).not.toBeAny();
    expectTypeOf(job.result).not.toBeAny();
    expectTypeOf(job.result).resolves.not.toBeAny();
    const info = await job.info();
    expectTypeOf(info).not.toBeAny();
    expectTypeOf(info!.data).not.toBeAny();
    expectTypeOf(info!.result).not.toBeAny();
    expectTypeOf(info!.progress).not.toBeAny();
    expectTypeOf(info!.error).not.toBeAny();
  });

  it('run, addBulk, getJob, list, counts', async () => {
    expectTypeOf(queue.run('ping')).resolves.not.toBeAny();
    const [a] = await queue.addBulk([{ name: 'sum', data: [1] }]);
    expectTypeOf(a.result).resolves.not.toBeAny();
    const found = await queue.getJob('x');
    expectTypeOf(found).not.toBeAny();
    expectTypeOf(found!.result).not.toBeAny();
    expectTypeOf(found!.name).not.toBeAny();
    const [listed] = await queue.list({ state: 'failed' });
    expectTypeOf(listed!).not.toBeAny();
    expectTypeOf(listed!.data).not.toBeAny();
    expectTypeOf(listed!.result).not.toBeAny();
    expectTypeOf(await queue.counts()).toEqualTypeOf<{
      waiting: number;
      delayed: number;
      active: number;
      completed: number;
      failed: number;
      cancelled: number;
      corrupt?: number;
    }>();
  });

  it('event payloads', () => {
    queue.on('completed', (e) => {
      expectTypeOf(e).not.toBeAny();
      expectTypeOf(e.job).not.toBeAny();
      expectTypeOf(e.result).not.toBeAny();
    });
    queue.on('failed', (e) => expectTypeOf(e.error.cause).not.toBeAny());
  });
});
