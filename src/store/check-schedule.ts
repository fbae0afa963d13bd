import { shown } from './check-row';

const CATCH_UP = new Set<unknown>([undefined, 'latest', 'all', 'none']);

/**
 * What is wrong with a value read from the `schedules` store, naming the field; `undefined` for a schedule the
 * scheduler can use, or one put aside earlier (it has a `quarantine` and nothing else is looked at).
 */
export function checkSchedule(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `the record is ${shown(value)}, expected an object`;
  const row = value as Record<string, unknown>;
  if (typeof row.id !== 'string') return `id is ${shown(row.id, true)}, expected a string`;
  if ('quarantine' in row) {
    const quarantine = row.quarantine as { reason?: unknown } | null;
    return typeof quarantine === 'object' && quarantine !== null && typeof quarantine.reason === 'string' ? undefined : `quarantine is ${shown(quarantine)}, expected what was found wrong`;
  }
  const spec = row.spec as Record<string, unknown> | null;
  if (typeof spec !== 'object' || spec === null) return `spec is ${shown(spec)}, expected { every } or { cron, tz }`;
  if ('every' in spec) {
    if (typeof spec.every !== 'number' || !Number.isFinite(spec.every) || spec.every < 1_000) return `spec.every is ${shown(spec.every)}, expected milliseconds from 1000 and up`;
  } else if (typeof spec.cron !== 'string') {
    return `spec.cron is ${shown(spec.cron)}, expected a cron pattern`;
  } else if (spec.tz !== undefined && typeof spec.tz !== 'string') {
    return `spec.tz is ${shown(spec.tz)}, expected a time zone name`;
  }
  if (!CATCH_UP.has(spec.catchUp)) return `spec.catchUp is ${shown(spec.catchUp)}, expected 'latest', 'all' or 'none'`;
  const job = row.job as Record<string, unknown> | null;
  if (typeof job !== 'object' || job === null) return `job is ${shown(job)}, expected { name, data, opts }`;
  if (typeof job.name !== 'string') return `job.name is ${shown(job.name)}, expected a task name`;
  if (job.opts !== undefined && (typeof job.opts !== 'object' || job.opts === null)) return `job.opts is ${shown(job.opts)}, expected an object`;
  for (const field of ['nextRunAt', 'createdAt'] as const) {
    if (typeof row[field] !== 'number' || !Number.isFinite(row[field])) return `${field} is ${shown(row[field])}, expected a finite number`;
  }
  if (row.lastRunAt !== undefined && !(typeof row.lastRunAt === 'number' && Number.isFinite(row.lastRunAt))) {
    return `lastRunAt is ${shown(row.lastRunAt)}, expected a finite number or nothing`;
  }
  return undefined;
}

/** What the report of a schedule put aside says. */
export function corruptScheduleMessage(id: string, reason: string): string {
  return `Schedule ${id} was put aside as corrupt: its stored record is malformed (${reason}); it adds no jobs, and is kept until unscheduled`;
}
