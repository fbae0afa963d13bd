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
});

export type HarnessTasks = typeof tasks;
