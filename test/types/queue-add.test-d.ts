// The page's view of the tasks: names, payloads and results checked by `createQueue<typeof tasks>`.
import { describe, expectTypeOf, it } from 'vitest';
import { createQueue, type AnyJobHandle, type JobCancelledError, type JobFailedError, type JobHandle, type JobInfo, type JobState } from '../../src/index';
import type { Tasks, Thumbnail } from './tasks';

const queue = createQueue<Tasks>({ name: 'types', storage: 'memory' });
const bytes = new ArrayBuffer(8);

describe('queue.add', () => {
  it('accepts every task name and its payload', async () => {
    await queue.add('fib', 40);
    await queue.add('thumbnail', { bytes, width: 64 });
    await queue.add('sum', [1, 2, 3]);
    await queue.add('attempt', null);
    await queue.add('fib', 40, { priority: 10, attempts: 3, backoff: { type: 'exponential', delay: 1_000 } });
  });

  it('types a task given as { run, ...options } by its run', async () => {
    const upload = await queue.add('upload', { name: 'a.png', size: 3 }, { requiresNetwork: true });
    expectTypeOf(upload.result).resolves.toEqualTypeOf<{ status: number }>();
    expectTypeOf(queue.run('ping2')).resolves.toEqualTypeOf<2>();
    // @ts-expect-error upload needs a size
    await queue.add('upload', { name: 'a.png' });
  });

  it('offers the task names to the first argument', () => {
    expectTypeOf<Parameters<typeof queue.add>[0]>().toEqualTypeOf<'fib' | 'thumbnail' | 'noop' | 'ping' | 'greet' | 'sum' | 'attempt' | 'fail' | 'upload' | 'ping2'>();
  });

  it('refuses an unknown task name', async () => {
    // @ts-expect-error no task "fibb"
    await queue.add('fibb', 40);
    // @ts-expect-error names are exact
    await queue.add('FIB', 40);
  });

  it('refuses a wrong payload', async () => {
    // @ts-expect-error fib takes a number
    await queue.add('fib', '40');
    // @ts-expect-error thumbnail needs a width
    await queue.add('thumbnail', { bytes });
    // @ts-expect-error width is a number
    await queue.add('thumbnail', { bytes, width: '64' });
    // @ts-expect-error sum takes numbers
    await queue.add('sum', ['1']);
    // @ts-expect-error attempt takes null, which is not undefined
    await queue.add('attempt');
  });

  it('refuses a missing payload for a task that takes one', async () => {
    // @ts-expect-error fib needs its number
    await queue.add('fib');
  });

  it('lets a task with no parameter be added with no data', async () => {
    await queue.add('noop');
    await queue.add('ping');
    await queue.add('noop', undefined, { priority: 1 });
    // @ts-expect-error a task with no parameter takes no data
    await queue.add('noop', 1);
  });

  it('lets a task with an optional parameter be added with or without it', async () => {
    await queue.add('greet');
    await queue.add('greet', 'Ada');
    // @ts-expect-error greet takes a string
    await queue.add('greet', 1);
  });

  it("types the handle's result with the handler's awaited return type", async () => {
    const fib = await queue.add('fib', 40);
    expectTypeOf(fib).toEqualTypeOf<JobHandle<number, number, 'fib'>>();
    expectTypeOf(fib.name).toEqualTypeOf<'fib'>();
    expectTypeOf(fib.result).toEqualTypeOf<Promise<number>>();

    const thumb = await queue.add('thumbnail', { bytes, width: 64 });
    expectTypeOf(thumb.result).resolves.toEqualTypeOf<Thumbnail>();

    const sum = await queue.add('sum', [1]);
    expectTypeOf(sum.result).resolves.toEqualTypeOf<number>();

    const ping = await queue.add('ping');
    expectTypeOf(ping.result).resolves.toEqualTypeOf<'pong'>();
  });

  it("types the handle's callbacks: onCompleted with the result, onFailed with the error result rejects with", async () => {
    const thumb = await queue.add('thumbnail', { bytes, width: 64 });
    thumb.onCompleted((value) => expectTypeOf(value).toEqualTypeOf<Thumbnail>());
    thumb.onFailed((error) => expectTypeOf(error).toEqualTypeOf<JobFailedError | JobCancelledError>());
    expectTypeOf(thumb.onCompleted(() => {})).toEqualTypeOf<() => void>();
    // @ts-expect-error fib's result is a number
    (await queue.add('fib', 1)).onCompleted((value: string) => value);
  });

  it("types the handle's info and state", async () => {
    const fib = await queue.add('fib', 40);
    expectTypeOf(fib.id).toEqualTypeOf<string>();
    expectTypeOf(fib.state()).resolves.toEqualTypeOf<JobState | undefined>();
    expectTypeOf(fib.info()).resolves.toEqualTypeOf<JobInfo<number, number> | undefined>();
  });
});

describe('queue.run', () => {
  it("resolves to the handler's awaited return type", async () => {
    expectTypeOf(queue.run('fib', 30)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(queue.run('thumbnail', { bytes, width: 1 })).resolves.toEqualTypeOf<Thumbnail>();
    expectTypeOf(queue.run('noop')).resolves.toEqualTypeOf<undefined>();
    expectTypeOf(queue.run('greet')).resolves.toEqualTypeOf<string>();
  });

  it('checks names and payloads as add does', async () => {
    // @ts-expect-error no task "nope"
    await queue.run('nope', 1);
    // @ts-expect-error fib takes a number
    await queue.run('fib', 'x');
    // @ts-expect-error fib needs its number
    await queue.run('fib');
  });
});

describe('queue.getJob', () => {
  it('gives a handle of any task, narrowed by its name', async () => {
    const job = await queue.getJob('saved-id');
    expectTypeOf(job).toEqualTypeOf<AnyJobHandle<Tasks> | undefined>();
    if (job?.name === 'fib') {
      expectTypeOf(job.result).resolves.toEqualTypeOf<number>();
      expectTypeOf(job.info()).resolves.toEqualTypeOf<JobInfo<number, number> | undefined>();
    }
    if (job?.name === 'thumbnail') expectTypeOf(job.result).resolves.toEqualTypeOf<Thumbnail>();
  });

  it("with the task's name, gives that task's handle", async () => {
    const fib = await queue.getJob('saved-id', 'fib');
    expectTypeOf(fib).toEqualTypeOf<JobHandle<number, number, 'fib'> | undefined>();
    expectTypeOf(fib!.result).resolves.toEqualTypeOf<number>();
    // @ts-expect-error no task "fibb"
    await queue.getJob('saved-id', 'fibb');
  });
});

describe('queue.addBulk', () => {
  it('returns a tuple of handles typed per element', async () => {
    const jobs = await queue.addBulk([
      { name: 'fib', data: 1 },
      { name: 'thumbnail', data: { bytes, width: 2 }, opts: { priority: 5 } },
      { name: 'noop', data: undefined },
    ]);
    expectTypeOf(jobs).toEqualTypeOf<
      [JobHandle<number, number, 'fib'>, JobHandle<Thumbnail, { bytes: ArrayBuffer; width: number }, 'thumbnail'>, JobHandle<undefined, undefined, 'noop'>]
    >();
    expectTypeOf(jobs[0].result).resolves.toEqualTypeOf<number>();
    expectTypeOf(jobs[1].result).resolves.toEqualTypeOf<Thumbnail>();
  });

  it('takes an array built beforehand as well', async () => {
    const list = [1, 2, 3].map((n) => ({ name: 'fib' as const, data: n }));
    const jobs = await queue.addBulk(list);
    expectTypeOf(jobs).toEqualTypeOf<JobHandle<number, number, 'fib'>[]>();
  });

  it('refuses a wrong payload', async () => {
    // @ts-expect-error fib takes a number
    await queue.addBulk([{ name: 'fib', data: 1 }, { name: 'fib', data: 'two' }]);
    // @ts-expect-error the payload must match its own element's task
    await queue.addBulk([{ name: 'fib', data: { bytes, width: 1 } }]);
  });

  it('refuses an unknown task name', async () => {
    // @ts-expect-error no task "fibb"
    await queue.addBulk([{ name: 'fibb', data: 1 }]);
  });
});
