import type { TaskMap } from './task';

/**
 * Declares a worker's tasks. Returns them as given; `typeof` the result is the type the page's
 * `createQueue<Tasks>` takes, so task names, payloads and results are checked there.
 * @example
 * export const tasks = defineTasks({
 *   fib: (n: number) => fib(n),
 *   async resize(input: { bytes: ArrayBuffer; width: number }, ctx) {
 *     ctx.progress(0.5);
 *     return transfer(out, [out.buffer]);
 *   },
 * });
 * export type Tasks = typeof tasks;
 */
export function defineTasks<const Tasks extends TaskMap>(tasks: Tasks): Tasks {
  if (typeof tasks !== 'object' || tasks === null) {
    throw new TypeError(`Expected defineTasks() to be given an object of task handlers, got ${tasks === null ? 'null' : typeof tasks}`);
  }
  for (const [name, handler] of Object.entries(tasks)) {
    if (typeof handler !== 'function') {
      throw new TypeError(`Expected task "${name}" to be a function, got ${typeof handler}`);
    }
  }
  return tasks;
}
