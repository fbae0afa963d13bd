// defineTasks: handlers are typed from their own annotations, and `ctx` needs none.
import { describe, expectTypeOf, it } from 'vitest';
import type { TaskContext, TaskData, TaskName, TaskResult } from '../../src/index';
import { defineTasks } from '../../src/worker';
import type { Tasks, Thumbnail } from './tasks';

describe('defineTasks', () => {
  it('types ctx as TaskContext without an annotation', () => {
    defineTasks({
      arrow: (n: number, ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<TaskContext>();
        expectTypeOf(ctx.attempt).toEqualTypeOf<number>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        expectTypeOf(ctx.jobId).toEqualTypeOf<string>();
        expectTypeOf(ctx.progress).parameter(0).toBeUnknown();
        return n;
      },
      async method(input: { url: string }, ctx) {
        expectTypeOf(ctx).toEqualTypeOf<TaskContext>();
        ctx.progress({ done: 1, of: 2 });
        return input.url;
      },
      dataUnused(_: null, ctx) {
        expectTypeOf(ctx).toEqualTypeOf<TaskContext>();
      },
    });
  });

  it('types ctx as TaskContext in a task given as { run, ...options }', () => {
    defineTasks({
      upload: {
        requiresNetwork: true,
        run(file: { name: string }, ctx) {
          expectTypeOf(ctx).toEqualTypeOf<TaskContext>();
          expectTypeOf(ctx.fetch).returns.resolves.toEqualTypeOf<Response>();
          return file.name;
        },
      },
      arrow: { attempts: 2, run: (n: number, ctx) => ctx.attempt + n },
    });
  });

  it('refuses mistyped task options', () => {
    // (An unknown task option, as { retries: 3, run }, compiles: defineTasks' generic takes the literal as
    // its own type, so no excess-property check applies. defineTasks() throws for it at start-up instead.)
    // @ts-expect-error requiresNetwork is a boolean
    defineTasks({ b: { requiresNetwork: 'yes', run: () => 1 } });
    // @ts-expect-error a task given as an object needs its run
    defineTasks({ c: { attempts: 3 } });
  });

  it('returns the tasks with their own types', () => {
    const tasks = defineTasks({ double: (n: number) => n * 2 });
    expectTypeOf(tasks.double).toEqualTypeOf<(n: number) => number>();
  });

  it('refuses a task that is not a function', () => {
    // @ts-expect-error a task must be a handler
    defineTasks({ notAFunction: 42 });
  });

  it('refuses a handler whose second parameter is not a TaskContext', () => {
    // @ts-expect-error the second parameter is always the context
    defineTasks({ wrongCtx: (n: number, ctx: string) => n + ctx });
  });
});

describe('TaskName, TaskData, TaskResult', () => {
  it('infers the task names', () => {
    expectTypeOf<TaskName<Tasks>>().toEqualTypeOf<
      'fib' | 'thumbnail' | 'noop' | 'ping' | 'greet' | 'sum' | 'attempt' | 'fail' | 'upload' | 'ping2'
    >();
  });

  it('takes the data type from the first parameter', () => {
    expectTypeOf<TaskData<Tasks, 'fib'>>().toEqualTypeOf<number>();
    expectTypeOf<TaskData<Tasks, 'thumbnail'>>().toEqualTypeOf<{ bytes: ArrayBuffer; width: number }>();
    expectTypeOf<TaskData<Tasks, 'greet'>>().toEqualTypeOf<string | undefined>();
    expectTypeOf<TaskData<Tasks, 'attempt'>>().toEqualTypeOf<null>();
    expectTypeOf<TaskData<Tasks, 'upload'>>().toEqualTypeOf<{ name: string; size: number }>();
  });

  it('gives undefined as the data of a handler with no parameter', () => {
    expectTypeOf<TaskData<Tasks, 'noop'>>().toEqualTypeOf<undefined>();
    expectTypeOf<TaskData<Tasks, 'ping'>>().toEqualTypeOf<undefined>();
    expectTypeOf<TaskData<Tasks, 'ping2'>>().toEqualTypeOf<undefined>();
  });

  it('takes the awaited return type as the result', () => {
    expectTypeOf<TaskResult<Tasks, 'fib'>>().toEqualTypeOf<number>();
    expectTypeOf<TaskResult<Tasks, 'thumbnail'>>().toEqualTypeOf<Thumbnail>();
    expectTypeOf<TaskResult<Tasks, 'sum'>>().toEqualTypeOf<number>();
    expectTypeOf<TaskResult<Tasks, 'ping'>>().toEqualTypeOf<'pong'>();
    expectTypeOf<TaskResult<Tasks, 'noop'>>().toEqualTypeOf<undefined>();
    expectTypeOf<TaskResult<Tasks, 'fail'>>().toBeNever();
    expectTypeOf<TaskResult<Tasks, 'upload'>>().toEqualTypeOf<{ status: number }>();
    expectTypeOf<TaskResult<Tasks, 'ping2'>>().toEqualTypeOf<2>();
  });
});
