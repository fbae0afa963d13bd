// Tasks used only by the type tests: they are type-checked, never run.
import { defineTasks, UnrecoverableError } from '../../src/worker';

export interface Thumbnail {
  width: number;
  bytes: ArrayBuffer;
}

export const tasks = defineTasks({
  fib: (n: number) => n * 2,
  async thumbnail(input: { bytes: ArrayBuffer; width: number }, ctx) {
    ctx.progress(0.5);
    const thumb: Thumbnail = { width: input.width, bytes: input.bytes };
    return thumb;
  },
  noop: () => undefined,
  ping: () => 'pong' as const,
  greet: (name?: string) => `hello ${name ?? 'you'}`,
  sum: async (xs: readonly number[]) => Promise.resolve(xs.reduce((a, b) => a + b, 0)),
  attempt: (_: null, ctx) => ctx.attempt,
  fail(message: string): never {
    throw new UnrecoverableError(message);
  },
  upload: {
    requiresNetwork: true,
    attempts: 5,
    async run(file: { name: string; size: number }, ctx) {
      const response = await ctx.fetch(`/upload/${file.name}`, { method: 'PUT' });
      return { status: response.status };
    },
  },
  ping2: { run: () => 2 as const },
});

export type Tasks = typeof tasks;
