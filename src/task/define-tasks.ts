import { checkBoolean, checkDuration, checkInteger, resolveBackoff } from '../job/job-options';
import type { TaskMap, TaskOptions } from './task';

const TASK_OPTION_KEYS = new Set(['requiresNetwork', 'serviceWorker', 'attempts', 'backoff', 'timeout']);

/** A task's defaults that are also job options. */
export function pickJobOptions({ serviceWorker: _serviceWorker, ...jobOptions }: TaskOptions): Omit<TaskOptions, 'serviceWorker'> {
  return jobOptions;
}

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
  for (const [name, definition] of Object.entries(tasks)) {
    const ok = typeof definition === 'function' || (typeof definition === 'object' && definition !== null && typeof definition.run === 'function');
    if (!ok) {
      throw new TypeError(`Expected task "${name}" to be a function or { run, ...options }, got ${definition === null ? 'null' : typeof definition}`);
    }
    if (typeof definition === 'object') {
      const { run: _run, ...options } = definition;
      checkTaskOptions(name, options);
    }
  }
  return tasks;
}

/**
 * The checks `add` makes of the same options, so that a bad default fails here, at start-up, not at the
 * first job. Only these few: the worker does not carry the page's checks of every job option.
 */
function checkTaskOptions(name: string, options: TaskOptions): void {
  for (const key of Object.keys(options)) {
    if (!TASK_OPTION_KEYS.has(key)) throw new TypeError(`Unknown option \`${key}\` of task "${name}"; expected one of ${[...TASK_OPTION_KEYS].join(', ')}`);
  }
  const { requiresNetwork, serviceWorker, attempts, backoff, timeout } = options;
  try {
    if (requiresNetwork !== undefined) checkBoolean('requiresNetwork', requiresNetwork);
    if (serviceWorker !== undefined) checkBoolean('serviceWorker', serviceWorker);
    if (attempts !== undefined) checkInteger('attempts', attempts, 1);
    if (timeout !== undefined) checkDuration('timeout', timeout, 1);
    resolveBackoff(backoff);
  } catch (error) {
    throw new TypeError(`Task "${name}": ${(error as Error).message}`, { cause: error });
  }
}
