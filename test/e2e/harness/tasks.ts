// Tasks for end-to-end and fault tests. Every one logs its run (see run-log.ts).
import { defineTasks, UnrecoverableError, type TaskContext } from '../../../src/worker';
import { logRun } from './run-log';

async function logged<T>(ctx: TaskContext, work: () => T | Promise<T>): Promise<T> {
  const end = await logRun(ctx.jobId, ctx.attempt);
  try {
    const value = await work();
    await end('ok');
    return value;
  } catch (error) {
    await end('threw');
    throw error;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Busy: only terminate() stops this.
  }
}

/** This worker's id, for tests that check how many workers ran what. */
const WORKER_ID = Math.random().toString(36).slice(2, 10);

export const tasks = defineTasks({
  /** Quick: returns its input. */
  echo: (value: unknown, ctx) => logged(ctx, () => value),
  /** Slow but cooperative: sleeps `ms`, reporting progress. */
  sleep: (ms: number, ctx) =>
    logged(ctx, async () => {
      for (let done = 0; done < ms; done += 50) {
        await sleep(Math.min(50, ms - done), ctx.signal);
        ctx.progress(Math.min(1, (done + 50) / ms));
      }
      return ms;
    }),
  /** Throws a RangeError every time. */
  fail: (message: string, ctx) =>
    logged(ctx, () => {
      throw new RangeError(message);
    }),
  unrecoverable: (message: string, ctx) =>
    logged(ctx, () => {
      throw new UnrecoverableError(message);
    }),
  /** Busy for `ms` (give it a timeout shorter than that to see the worker terminated). */
  spin: (ms: number, ctx) => logged(ctx, () => (spin(ms), ms)),
  /** Kills its worker every time: a poison pill. */
  crash: (_: null, ctx) =>
    logged(ctx, () => {
      self.close();
      return new Promise<never>(() => {});
    }),
  /** Which tab's worker ran it. */
  whereAmI: (_: null, ctx) => logged(ctx, () => self.name),
  /** The attempt it ran as. */
  attempt: (ms: number, ctx) => logged(ctx, async () => (await sleep(ms, ctx.signal), ctx.attempt)),

  // Added for the fault tests (test/e2e/faults.spec.ts).

  /** Throws a RangeError whose message says which attempt threw: `${message} (attempt N)`. */
  failAttempt: (message: string, ctx) =>
    logged(ctx, () => {
      throw new RangeError(`${message} (attempt ${ctx.attempt})`);
    }),
  /**
   * Misbehaves in the worker on its first `times` attempts, then returns `recovered on attempt N`:
   * - `asyncThrow`: throws from a timer callback (an uncaught error outside the handler's promise);
   * - `unhandledRejection`: `Promise.reject(new Error(...))` with no catch;
   * - `close`: `self.close()`.
   * A misbehaving run never settles: only the pool noticing the worker's state ends it.
   */
  misbehave: (input: { how: 'asyncThrow' | 'unhandledRejection' | 'close'; times: number }, ctx) =>
    logged(ctx, () => {
      if (ctx.attempt > input.times) return `recovered on attempt ${ctx.attempt}`;
      if (input.how === 'asyncThrow') {
        setTimeout(() => {
          throw new Error(`async throw on attempt ${ctx.attempt}`);
        }, 10);
      } else if (input.how === 'unhandledRejection') {
        void Promise.reject(new Error(`unhandled rejection on attempt ${ctx.attempt}`));
      } else {
        self.close();
      }
      return new Promise<string>(() => {});
    }),
  /** Sleeps `ms`, then says which worker ran it (an id made once per worker). */
  workerId: (ms: number, ctx) => logged(ctx, async () => (await sleep(ms, ctx.signal), WORKER_ID)),

  // Added for the chaos test (test/e2e/chaos.spec.ts).

  /** Never yields (`while (true) {}`): only its timeout, the worker terminated, ends it. */
  spinForever: (_: null, ctx) =>
    logged(ctx, (): never => {
      for (;;) {
        // Busy for good.
      }
    }),
  /** Calls `ctx.progress` `count` times in a tight loop, then returns `count`. */
  progressFlood: (count: number, ctx) =>
    logged(ctx, () => {
      for (let i = 1; i <= count; i++) ctx.progress(i / count);
      return count;
    }),

  // Last: a test reads the list of task names, and expects this one at its end.
  /** Returns its input without writing to the run log (for tests that clear the origin's storage). */
  plain: (value: unknown) => value,
});

export type HarnessTasks = typeof tasks;
