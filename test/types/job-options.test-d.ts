// JobOptions as a user writes them in a call: unknown keys and wrong types do not compile.
import { describe, expectTypeOf, it } from 'vitest';
import { createQueue, type BackoffOptions, type JobOptions } from '../../src/index';
import type { Tasks } from './tasks';

const queue = createQueue<Tasks>({ name: 'types', storage: 'memory' });

describe('JobOptions', () => {
  it('accepts every documented option', async () => {
    await queue.add('fib', 1, {
      jobId: 'fib-1',
      priority: 10,
      delay: 5_000,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1_000, maxDelay: 60_000, jitter: 0.5 },
      timeout: 30_000,
      signal: new AbortController().signal,
      requiresNetwork: true,
    });
    await queue.add('fib', 1, { runAt: new Date() });
    await queue.add('fib', 1, { runAt: Date.now() + 1_000 });
    await queue.add('fib', 1, { backoff: 500 });
    await queue.add('fib', 1, { backoff: { type: 'fixed', delay: 500 } });
  });

  it('rejects unknown keys in an object literal', async () => {
    // @ts-expect-error no option "retries"
    await queue.add('fib', 1, { retries: 3 });
    // @ts-expect-error no option "foo", in a bulk job either
    await queue.addBulk([{ name: 'fib', data: 1, opts: { foo: 1 } }]);
    // @ts-expect-error no backoff option "factor"
    await queue.add('fib', 1, { backoff: { type: 'fixed', delay: 1, factor: 2 } });
    // @ts-expect-error a literal typed as JobOptions is checked too
    const options: JobOptions = { priorty: 1 };
    void options;
  });

  it('rejects wrong types', async () => {
    // @ts-expect-error priority is a number
    await queue.add('fib', 1, { priority: 'high' });
    // @ts-expect-error jobId is a string
    await queue.add('fib', 1, { jobId: 42 });
    // @ts-expect-error runAt is a Date or a number
    await queue.add('fib', 1, { runAt: '2030-01-01' });
    // @ts-expect-error attempts is a number
    await queue.add('fib', 1, { attempts: '3' });
    // @ts-expect-error backoff.type is 'fixed' or 'exponential'
    await queue.add('fib', 1, { backoff: { type: 'linear', delay: 1 } });
    // @ts-expect-error backoff needs a delay
    await queue.add('fib', 1, { backoff: { type: 'fixed' } });
    // @ts-expect-error signal is an AbortSignal
    await queue.add('fib', 1, { signal: new AbortController() });
    // @ts-expect-error requiresNetwork is a boolean
    await queue.add('fib', 1, { requiresNetwork: 1 });
    // @ts-expect-error options are an object
    await queue.add('fib', 1, 5_000);
  });

  it('types BackoffOptions', () => {
    expectTypeOf<BackoffOptions['type']>().toEqualTypeOf<'fixed' | 'exponential'>();
    expectTypeOf<JobOptions['backoff']>().toEqualTypeOf<BackoffOptions | number | undefined>();
    expectTypeOf<JobOptions['runAt']>().toEqualTypeOf<Date | number | undefined>();
  });
});

describe('QueueOptions.retention', () => {
  it('takes every form the README shows: false, or per state { age, count } or false', () => {
    createQueue<Tasks>({ name: 'types', storage: 'memory', retention: false });
    createQueue<Tasks>({ name: 'types', storage: 'memory', retention: { completed: false, failed: { age: 1_000, count: 10 }, cancelled: { count: 5 } } });
    // @ts-expect-error not a form it takes
    createQueue<Tasks>({ name: 'types', storage: 'memory', retention: true });
    expectTypeOf<Parameters<typeof createQueue>[0]['retention']>().toEqualTypeOf<import('../../src/index').RetentionOptions | false | undefined>();
  });
});
