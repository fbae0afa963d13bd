import type { Cron } from 'croner';
import { describe, MAX_TIME_MS, resolveJobOptions } from '../job/job-options';
import { findUncloneable } from '../job/find-uncloneable';
import { InvalidJobError } from '../errors';
import { isCron, nextSlotOf } from './next-slot';
import type { ScheduledJob, ScheduleRecord, ScheduleSpec } from './schedule';

const CATCH_UP = new Set(['latest', 'all', 'none']);

/**
 * Checks a schedule as given to `queue.schedule` and makes its record. Scheduling again with the same
 * spec keeps the next slot (so an app that schedules at every start does not push it back); a new spec
 * starts over from now. Throws `TypeError` for a malformed spec, `InvalidJobError` for data that cannot be stored.
 */
export function resolveSchedule(
  id: string,
  spec: ScheduleSpec,
  job: ScheduledJob,
  now: number,
  existing: ScheduleRecord | undefined,
  CronClass: typeof Cron | undefined,
): ScheduleRecord {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(`Expected a schedule id string, got ${describe(id)}`);
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`Expected a schedule as { every } or { cron, tz }, got ${describe(spec)}`);
  const { catchUp = 'latest' } = spec;
  if (!CATCH_UP.has(catchUp)) throw new TypeError(`Expected \`catchUp\` to be 'latest', 'all' or 'none', got ${describe(catchUp)}`);
  let clean: ScheduleSpec;
  if ('every' in spec && 'cron' in spec) throw new TypeError('Expected `every` or `cron`, not both');
  if ('every' in spec) {
    if (typeof spec.every !== 'number' || !Number.isFinite(spec.every) || spec.every < 1_000) {
      throw new TypeError(`Expected \`every\` to be milliseconds from 1000 and up, got ${describe(spec.every)}`);
    }
    // Honoured at any length up to the span of a Date (the scheduler waits for a far slot in hops).
    if (now + spec.every > MAX_TIME_MS) throw new TypeError(`Expected \`every\` to put its first slot by the latest time a Date holds (${MAX_TIME_MS} ms since 1970), got ${describe(spec.every)}`);
    clean = { every: spec.every, catchUp };
  } else if (isCron(spec)) {
    if (typeof spec.cron !== 'string') throw new TypeError(`Expected \`cron\` to be a cron pattern string, got ${describe(spec.cron)}`);
    if (spec.tz !== undefined && typeof spec.tz !== 'string') throw new TypeError(`Expected \`tz\` to be an IANA time zone name, got ${describe(spec.tz)}`);
    clean = { cron: spec.cron, catchUp, ...(spec.tz !== undefined && { tz: spec.tz }) };
  } else {
    throw new TypeError('Expected a schedule as { every: ms } or { cron: pattern, tz? }');
  }

  if (typeof job !== 'object' || job === null || typeof job.name !== 'string') {
    throw new TypeError(`Expected the scheduled job as { name, data, opts }, got ${describe(job)}`);
  }
  const opts = job.opts ?? {};
  if ('jobId' in opts || 'signal' in opts) throw new TypeError('A scheduled job cannot have `jobId` or `signal`: each slot gets its own id');
  resolveJobOptions(job.name, job.data, opts, now);
  const problem = findUncloneable(job.data);
  if (problem) throw new InvalidJobError(`Cannot schedule a "${job.name}" job: ${problem.path} ${problem.reason}`, { path: problem.path });

  let next: number | undefined;
  try {
    next = nextSlotOf(clean, CronClass)(now);
  } catch (error) {
    throw new TypeError(`Invalid schedule "${id}": ${(error as Error).message}`, { cause: error });
  }
  if (next === undefined) throw new TypeError(`Invalid schedule "${id}": its pattern has no future slot`);
  const same = existing && JSON.stringify(existing.spec) === JSON.stringify(clean);
  return {
    id,
    spec: clean,
    job: { name: job.name, data: job.data, ...(job.opts && { opts: job.opts }) },
    nextRunAt: same ? existing.nextRunAt : next,
    lastRunAt: same ? existing.lastRunAt : undefined,
    createdAt: existing?.createdAt ?? now,
  };
}
