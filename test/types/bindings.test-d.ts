// offthread/testing, offthread/react and offthread/vue keep the tasks' types: names, payloads and results.
import { describe, expectTypeOf, it } from 'vitest';
import type { Ref } from 'vue';
import { createQueue, type JobCounts, type JobState, type Queue } from '../../src/index';
import { useCounts, useJob, useJobs, useQueue } from '../../src/react';
import { createTestQueue, type TestQueue } from '../../src/testing';
import * as vue from '../../src/vue';
import { tasks, type Tasks } from './tasks';

const queue = createQueue<Tasks>({ name: 'types', storage: 'memory' });

describe('createTestQueue', () => {
  it('infers the tasks from the object, as a Queue of them', async () => {
    const testQueue = createTestQueue(tasks);
    expectTypeOf(testQueue).toEqualTypeOf<TestQueue<Tasks>>();
    expectTypeOf(testQueue).toMatchTypeOf<Queue<Tasks>>();
    expectTypeOf(testQueue.run('fib', 40)).resolves.toEqualTypeOf<number>();
    // @ts-expect-error fib takes a number
    await testQueue.add('fib', '40');
    // @ts-expect-error not a task
    await testQueue.add('fibo', 40);
  });
});

describe('offthread/react', () => {
  it('useQueue gives a Queue of the tasks; useJob of a handle types its result', async () => {
    expectTypeOf(useQueue<Tasks>({ name: 'q' })).toEqualTypeOf<Queue<Tasks>>();
    const job = await queue.add('thumbnail', { bytes: new ArrayBuffer(1), width: 1 });
    const snapshot = useJob(job);
    expectTypeOf(snapshot.result).toEqualTypeOf<{ width: number; bytes: ArrayBuffer } | undefined>();
    expectTypeOf(snapshot.state).toEqualTypeOf<JobState | undefined>();
    expectTypeOf(snapshot.cancel).returns.resolves.toEqualTypeOf<boolean>();
    expectTypeOf(useJob('some-id').result).toEqualTypeOf<unknown>();
  });

  it('useJobs takes only task names, and narrows its rows by name; useCounts gives counts', () => {
    const rows = useJobs({ name: 'fib' }, queue);
    const row = rows?.[0];
    if (row?.name === 'fib') expectTypeOf(row.data).toEqualTypeOf<number>();
    // @ts-expect-error not a task
    useJobs({ name: 'fibo' }, queue);
    expectTypeOf(useCounts(queue)).toEqualTypeOf<JobCounts | undefined>();
  });
});

describe('offthread/vue', () => {
  it('gives refs typed as the hooks are', async () => {
    const job = await queue.add('fib', 1);
    expectTypeOf(vue.useJob(job).result.value).toEqualTypeOf<number | undefined>();
    expectTypeOf(vue.useCounts(queue).value).toEqualTypeOf<JobCounts | undefined>();
    vue.useJob(null as unknown as Ref<string | undefined>);
    // @ts-expect-error not a task
    vue.useJobs({ name: 'fibo' }, queue);
  });
});
