// Event payloads as listeners see them.
import { describe, expectTypeOf, it } from 'vitest';
import { createQueue, type JobFailedError } from '../../src/index';
import type { Tasks, Thumbnail } from './tasks';

const queue = createQueue<Tasks>({ name: 'types', storage: 'memory' });
type AnyResult = number | Thumbnail | undefined | 'pong' | string | { status: number } | 2;

describe('queue.on', () => {
  it('returns a function that stops listening', () => {
    expectTypeOf(queue.on('drained', () => {})).toEqualTypeOf<() => void>();
  });

  it('refuses an unknown event', () => {
    // @ts-expect-error no event "complete" (it is "completed")
    queue.on('complete', () => {});
  });

  it("narrows a completed event's job by its name", () => {
    queue.on('completed', (e) => {
      expectTypeOf(e.job.name).toEqualTypeOf<'fib' | 'thumbnail' | 'noop' | 'ping' | 'greet' | 'sum' | 'attempt' | 'fail' | 'upload' | 'ping2'>();
      if (e.job.name === 'fib') {
        expectTypeOf(e.job.data).toEqualTypeOf<number>();
        expectTypeOf(e.job.result).toEqualTypeOf<number | undefined>();
      }
      if (e.job.name === 'thumbnail') {
        expectTypeOf(e.job.data).toEqualTypeOf<{ bytes: ArrayBuffer; width: number }>();
        expectTypeOf(e.job.result).toEqualTypeOf<Thumbnail | undefined>();
      }
    });
  });

  it("types a completed event's result as one of the tasks' results, never any", () => {
    queue.on('completed', (e) => {
      expectTypeOf(e.result).not.toBeAny();
      expectTypeOf(e.result).toEqualTypeOf<AnyResult>();
    });
  });

  it("narrows e.result by the payload's own name", () => {
    // A check of `e.job.name` cannot narrow `e` (TypeScript has no nested discriminants, microsoft/TypeScript#18758),
    // so every job event carries the task's `name` at its top level.
    queue.on('completed', (e) => {
      if (e.name === 'fib') {
        expectTypeOf(e.result).toEqualTypeOf<number>();
        expectTypeOf(e.job.data).toEqualTypeOf<number>();
      }
      if (e.name === 'thumbnail') expectTypeOf(e.result).toEqualTypeOf<Thumbnail>();
    });
    queue.on('failed', (e) => {
      if (e.name === 'sum') expectTypeOf(e.job.data).toEqualTypeOf<readonly number[]>();
    });
  });

  it('types the other payloads', () => {
    queue.on('failed', (e) => {
      expectTypeOf(e.error).toEqualTypeOf<JobFailedError>();
      expectTypeOf(e.job.state).not.toBeAny();
    });
    queue.on('retrying', (e) => expectTypeOf(e.error).toEqualTypeOf<Error>());
    queue.on('progress', (e) => {
      expectTypeOf(e.progress).toBeUnknown();
      expectTypeOf(e.job.id).toEqualTypeOf<string>();
    });
    queue.on('added', (e) => {
      if (e.job.name === 'sum') expectTypeOf(e.job.data).toEqualTypeOf<readonly number[]>();
    });
    queue.on('error', (e) => expectTypeOf(e.error).toEqualTypeOf<Error>());
    queue.on('drained', (e) => expectTypeOf(e).toEqualTypeOf<Record<string, never>>());
  });

  it('refuses a listener that expects the wrong payload', () => {
    // @ts-expect-error a failed event has no result
    queue.on('failed', (e: { result: number }) => e.result);
  });
});
