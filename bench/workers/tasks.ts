// The work every contender runs: the same plain functions, so only the transport differs.

/** Nothing: a round trip's floor. */
export function noop(): undefined {
  return undefined;
}

/** A tiny job. */
export function inc(n: number): number {
  return n + 1;
}

/**
 * Pure compute: `iterations` steps of a linear congruential generator (the page calibrates the count to
 * about 5 ms). Its result depends on every step, so the loop cannot be optimised away.
 */
export function spin(iterations: number): number {
  let x = 1;
  for (let i = 0; i < iterations; i++) x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
  return x;
}

/** A buffer to send to a worker and back. */
export interface Payload {
  buf: ArrayBuffer;
}

/** Sends the payload back as it came (the caller decides whether it is copied or moved). */
export function echo(payload: Payload): Payload {
  return payload;
}

/** The tasks by name, for the hand-written pools. */
export const TASKS = { noop, inc, spin, echo } as const;
export type TaskName = keyof typeof TASKS | 'echoTransfer';

/**
 * The table each library's worker serves: the tasks above, and `echoTransfer`, which sends the payload back
 * moved rather than copied, marked as the library asks (`mark`).
 */
export function taskTable<Marked>(mark: (out: Payload, transfers: Transferable[]) => Marked) {
  return {
    ...TASKS,
    echoTransfer: (payload: Payload): Marked => {
      const out = echo(payload);
      return mark(out, [out.buf]);
    },
  };
}
