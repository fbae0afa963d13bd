import { InvalidJobError, JobCancelledError } from '../errors';
import { findUncloneable } from '../job/find-uncloneable';
import { describe, resolveJobOptions, type JobOptions, type NewJob } from '../job/job-options';
import { hasTransferables } from '../task/transfer';
import type { TaskManifest } from '../task/task';
import type { AddEntry } from './add-batcher';
import { checkTaskName } from './manifest-cache';

/**
 * Checks one job to add, and resolves its options (the task's defaults under the job's own): throws saying what
 * is wrong with it. `index` is its place in an addBulk, or -1: a `TypeError` then starts `addBulk: job <index>: `,
 * and an `InvalidJobError` says `(job <index> of the batch)`. Loaded with `import()` as a queue opens, with the
 * clone check it uses (which the runner and schedules share): the page's first load does without both.
 */
export function checkAdd(
  entry: AddEntry | undefined,
  index: number,
  manifest: TaskManifest | undefined,
  defaultsOf: (manifest: TaskManifest, name: string) => JobOptions | undefined,
  now: number,
): NewJob {
  try {
    return checkEntry(entry, index >= 0 ? ` (job ${index} of the batch)` : '', manifest, defaultsOf, now);
  } catch (error) {
    if (index < 0 || !(error instanceof TypeError)) throw error;
    throw new TypeError(`addBulk: job ${index}: ${error.message}`, { cause: error });
  }
}

function checkEntry(
  entry: AddEntry | undefined,
  where: string,
  manifest: TaskManifest | undefined,
  defaultsOf: (manifest: TaskManifest, name: string) => JobOptions | undefined,
  now: number,
): NewJob {
  if (typeof entry !== 'object' || entry === null) throw new TypeError(`Expected a job as { name, data, opts }, got ${describe(entry)}`);
  const { name, data, opts } = entry;
  if (typeof name !== 'string') throw new TypeError(`Expected a task name string, got ${describe(name)}`);
  let defaults: JobOptions | undefined;
  if (manifest) {
    checkTaskName(manifest, name, where);
    defaults = defaultsOf(manifest, name);
  }
  const job = resolveJobOptions(name, data, opts && defaults ? { ...defaults, ...opts } : (opts ?? defaults), now);
  // Cloned once to find a Proxy, which only a clone refuses; not data whose buffers are to be moved.
  const problem = findUncloneable(data, 'data', { clone: !hasTransferables(data) });
  if (problem) throw new InvalidJobError(`Cannot add a "${name}" job${where}: ${problem.path} ${problem.reason}`, { path: problem.path, cause: problem.cause });
  if (opts?.signal?.aborted) throw new JobCancelledError(`The "${name}" job${where} was cancelled by its signal before it was added`);
  return job;
}
