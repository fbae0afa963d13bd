import type { JobOptions } from '../job/job-options';

/** What to do with slots that came due while no page (or service worker) was running the queue. */
export type CatchUp = 'latest' | 'all' | 'none';

/** When a periodic job runs: every so many milliseconds, or on a cron pattern (in a time zone). */
export type ScheduleSpec =
  | {
      /** Milliseconds between runs; the first run is one period after scheduling. */
      every: number;
      /** @default 'latest' */
      catchUp?: CatchUp;
    }
  | {
      /** A cron pattern (5 fields, or 6 with seconds), as `0 3 * * *`, parsed by croner. */
      cron: string;
      /** An IANA time zone such as `Europe/Paris`. @default the browser's */
      tz?: string;
      /** @default 'latest' */
      catchUp?: CatchUp;
    };

/** The job each slot of a schedule adds. */
export interface ScheduledJob {
  name: string;
  data: unknown;
  /** Options of each job; `jobId` is the schedule's id and the slot's time, and `signal` cannot be stored. */
  opts?: Omit<JobOptions, 'jobId' | 'signal'>;
}

/** A schedule as stored. */
export interface ScheduleRecord {
  id: string;
  spec: ScheduleSpec;
  job: ScheduledJob;
  /** The next slot not yet turned into a job. */
  nextRunAt: number;
  /** The latest slot turned into a job. */
  lastRunAt: number | undefined;
  createdAt: number;
}

/** A schedule as users see it. */
export type ScheduleInfo = Readonly<ScheduleRecord>;

/** The slot after `after`, or `undefined` if the pattern has no more. */
export type NextSlot = (after: number) => number | undefined;

/** Under `catchUp: 'none'`, a slot runs if it is late by less than this, and less than half its period. */
export const ON_TIME_GRACE_MS = 60_000;
/** The most slots one catch-up turns into jobs (the latest ones). */
export const MAX_CATCH_UP = 100;
/** How many slots are walked past at most when catching up (a per-second pattern after a long absence). */
const MAX_WALK = 100_000;

/**
 * The slots of `schedule` that are due at `now`, as its catch-up policy keeps them, and the next slot
 * after now. Pure: `next` gives the pattern's slots.
 */
export function dueSlots(schedule: ScheduleRecord, now: number, next: NextSlot): { slots: number[]; nextRunAt: number | undefined } {
  const due: number[] = [];
  let slot: number | undefined = schedule.nextRunAt;
  for (let walked = 0; slot !== undefined && slot <= now && walked < MAX_WALK; walked++) {
    due.push(slot);
    if (due.length > MAX_CATCH_UP) due.shift();
    slot = next(slot);
  }
  // Walked as far as allowed and still behind: jump to now.
  if (slot !== undefined && slot <= now) slot = next(now);
  const policy = schedule.spec.catchUp ?? 'latest';
  const last = due.at(-1);
  let slots: number[];
  if (policy === 'all') slots = due;
  else if (last === undefined) slots = [];
  else if (policy === 'latest') slots = [last];
  else {
    const period = slot !== undefined ? slot - last : Infinity;
    slots = now - last <= Math.min(ON_TIME_GRACE_MS, period / 2) ? [last] : [];
  }
  return { slots, nextRunAt: slot };
}

/** The job id of one slot: the same in every tab and thread, so racing runners add one job. */
export function slotJobId(scheduleId: string, slot: number): string {
  return `${scheduleId}@${new Date(slot).toISOString()}`;
}
