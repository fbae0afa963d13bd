import type { Cron } from 'croner';
import type { Clock, TimerHandle } from '../clock';
import type { JobRecord } from '../job/job';
import { resolveJobOptions } from '../job/job-options';
import type { JobStore } from '../store/job-store';
import { isCron, nextSlotOf } from './next-slot';
import { dueSlots, slotJobId, type ScheduleRecord } from './schedule';

/** Options of a {@link Scheduler}. */
export interface SchedulerOptions {
  store: JobStore;
  clock: Clock;
  /** Gives croner's `Cron`: imported lazily in a page, statically in a service worker. */
  loadCron: () => Promise<typeof Cron>;
  /** Jobs were added for due slots. */
  added: (jobs: JobRecord[]) => void;
  error: (error: unknown) => void;
}

/** A far due time is reached in hops, so a clock change or a long sleep is noticed within the hour. */
const LONGEST_WAIT_MS = 3_600_000;

/**
 * Turns the due slots of stored schedules into jobs, in the context that runs the queue (the runner tab or
 * the service worker). A slot's job id is the schedule's id and the slot's time, and the schedule moves on
 * in the same transaction, so two contexts racing for a slot add one job.
 */
export class Scheduler {
  readonly #o: SchedulerOptions;
  #timer: TimerHandle | undefined;
  #ticking: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#o = options;
  }

  /** Looks at the schedules now (they changed, or the context just started) and waits for the next slot. */
  wake(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#ticking) {
      this.#again = true;
      return this.#ticking;
    }
    this.#ticking = (async () => {
      do {
        this.#again = false;
        await this.#tick().catch((error: unknown) => this.#o.error(error));
      } while (this.#again && !this.#stopped);
      this.#ticking = undefined;
    })();
    return this.#ticking;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
  }

  async #tick(): Promise<void> {
    const { store, clock } = this.#o;
    const now = clock.now();
    let soonest = Infinity;
    for (const schedule of await store.listSchedules()) {
      const next = schedule.nextRunAt <= now ? await this.#materialize(schedule, now) : schedule.nextRunAt;
      if (next !== undefined) soonest = Math.min(soonest, next);
    }
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (soonest === Infinity || this.#stopped) return;
    const wait = Math.min(Math.max(0, soonest - clock.now()), LONGEST_WAIT_MS);
    this.#timer = clock.setTimeout(() => void this.wake(), wait);
  }

  /** Adds the jobs of a schedule's due slots; returns its next slot. */
  async #materialize(schedule: ScheduleRecord, now: number): Promise<number | undefined> {
    const Cron = isCron(schedule.spec) ? await this.#o.loadCron() : undefined;
    const { slots, nextRunAt } = dueSlots(schedule, now, nextSlotOf(schedule.spec, Cron));
    const { name, data, opts } = schedule.job;
    const jobs = slots.map((slot) => resolveJobOptions(name, data, { ...opts, jobId: slotJobId(schedule.id, slot) }, now));
    const added = await this.#o.store.materialize(schedule.id, schedule.nextRunAt, jobs, { nextRunAt, lastRunAt: slots.at(-1) });
    if (added && added.length > 0) this.#o.added(added);
    return nextRunAt;
  }
}
