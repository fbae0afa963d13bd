import type { Cron as CronClass } from 'croner';
import type { NextSlot, ScheduleSpec } from './schedule';

type CronConstructor = typeof CronClass;

/** The slots of a spec. Cron patterns need croner's `Cron`, given by the caller (loaded lazily in a page). */
export function nextSlotOf(spec: ScheduleSpec, Cron: CronConstructor | undefined): NextSlot {
  if ('every' in spec) return (after) => after + spec.every;
  if (!Cron) throw new Error('croner is needed for a cron schedule');
  const cron = new Cron(spec.cron, { paused: true, ...(spec.tz !== undefined && { timezone: spec.tz }) });
  return (after) => cron.nextRun(new Date(after))?.getTime();
}

/** Whether a spec needs croner. */
export function isCron(spec: ScheduleSpec): spec is Extract<ScheduleSpec, { cron: string }> {
  return 'cron' in spec;
}
