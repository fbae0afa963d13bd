import { hasReason, wrong } from './check-row';

const CATCH_UP = new Set<unknown>([undefined, 'latest', 'all', 'none']);

/**
 * What is wrong with a value read from the `schedules` store, naming the field; `undefined` for a schedule the
 * scheduler can use, or one put aside earlier (it has a `quarantine`, and nothing else is looked at).
 */
export function checkSchedule(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return wrong('the record', value, 'an object');
  const row = value as Record<string, unknown>;
  if (typeof row.id !== 'string') return wrong('id', row.id, 'a string', true);
  if ('quarantine' in row) return hasReason(row) ? undefined : wrong('quarantine', row.quarantine, 'what was found wrong');
  const spec = row.spec as Record<string, unknown> | null;
  const job = row.job as Record<string, unknown> | null;
  if (typeof spec !== 'object' || spec === null) return wrong('spec', spec, '{ every } or { cron, tz }');
  if ('every' in spec) {
    if (!isTime(spec.every) || spec.every < 1_000) return wrong('spec.every', spec.every, 'milliseconds from 1000 and up');
  } else if (typeof spec.cron !== 'string') {
    return wrong('spec.cron', spec.cron, 'a cron pattern');
  } else if (spec.tz !== undefined && typeof spec.tz !== 'string') {
    return wrong('spec.tz', spec.tz, 'a time zone name');
  }
  if (!CATCH_UP.has(spec.catchUp)) return wrong('spec.catchUp', spec.catchUp, "'latest', 'all' or 'none'");
  if (typeof job !== 'object' || job === null) return wrong('job', job, '{ name, data, opts }');
  if (typeof job.name !== 'string') return wrong('job.name', job.name, 'a task name');
  if (job.opts !== undefined && (typeof job.opts !== 'object' || job.opts === null)) return wrong('job.opts', job.opts, 'an object');
  if (!isTime(row.nextRunAt)) return wrong('nextRunAt', row.nextRunAt, 'a finite number');
  if (!isTime(row.createdAt)) return wrong('createdAt', row.createdAt, 'a finite number');
  if (row.lastRunAt !== undefined && !isTime(row.lastRunAt)) return wrong('lastRunAt', row.lastRunAt, 'a finite number or nothing');
  return undefined;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** What the report of a schedule put aside says. */
export function corruptScheduleMessage(id: string, reason: string): string {
  return `Schedule ${id} was put aside as corrupt: its stored record is malformed (${reason}); it adds no jobs, and is kept until unscheduled`;
}
