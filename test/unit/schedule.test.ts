import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { nextSlotOf } from '../../src/schedule/next-slot';
import { resolveSchedule } from '../../src/schedule/resolve-schedule';
import { dueSlots, slotJobId, type ScheduleRecord, type ScheduleSpec } from '../../src/schedule/schedule';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

function schedule(spec: ScheduleSpec, nextRunAt: number): ScheduleRecord {
  return { id: 's', spec, job: { name: 'tick', data: null }, nextRunAt, lastRunAt: undefined, createdAt: T0 };
}

describe('dueSlots', () => {
  const every = (catchUp: 'latest' | 'all' | 'none') => schedule({ every: 10 * MINUTE, catchUp }, T0 + 10 * MINUTE);

  it('has nothing due before the next slot', () => {
    const s = every('latest');
    expect(dueSlots(s, T0 + 5 * MINUTE, nextSlotOf(s.spec, undefined))).toEqual({ slots: [], nextRunAt: T0 + 10 * MINUTE });
  });

  it('gives the slot that is due, and the one after', () => {
    const s = every('latest');
    expect(dueSlots(s, T0 + 10 * MINUTE, nextSlotOf(s.spec, undefined))).toEqual({ slots: [T0 + 10 * MINUTE], nextRunAt: T0 + 20 * MINUTE });
  });

  it("catches up only the latest missed slot with 'latest'", () => {
    const s = every('latest');
    const now = T0 + 65 * MINUTE;
    expect(dueSlots(s, now, nextSlotOf(s.spec, undefined))).toEqual({ slots: [T0 + 60 * MINUTE], nextRunAt: T0 + 70 * MINUTE });
  });

  it("catches up every missed slot with 'all', up to a hundred", () => {
    const s = every('all');
    expect(dueSlots(s, T0 + 35 * MINUTE, nextSlotOf(s.spec, undefined)).slots).toEqual([10, 20, 30].map((m) => T0 + m * MINUTE));
    const long = dueSlots(s, T0 + 10 * 1_000 * MINUTE, nextSlotOf(s.spec, undefined));
    expect(long.slots).toHaveLength(100);
    expect(long.slots.at(-1)).toBe(T0 + 10 * 1_000 * MINUTE);
  });

  it("skips missed slots with 'none', but runs one that is on time", () => {
    const s = every('none');
    expect(dueSlots(s, T0 + 65 * MINUTE, nextSlotOf(s.spec, undefined))).toEqual({ slots: [], nextRunAt: T0 + 70 * MINUTE });
    expect(dueSlots(s, T0 + 10 * MINUTE + 30_000, nextSlotOf(s.spec, undefined)).slots).toEqual([T0 + 10 * MINUTE]);
  });

  it("counts a slot late by half its period or more as missed under 'none'", () => {
    const s = schedule({ every: MINUTE, catchUp: 'none' }, T0 + MINUTE);
    expect(dueSlots(s, T0 + MINUTE + 29_000, nextSlotOf(s.spec, undefined)).slots).toEqual([T0 + MINUTE]);
    expect(dueSlots(s, T0 + MINUTE + 31_000, nextSlotOf(s.spec, undefined)).slots).toEqual([]);
  });

  it('follows a cron pattern in a time zone', () => {
    const spec: ScheduleSpec = { cron: '0 3 * * *', tz: 'Europe/Paris' };
    const next = nextSlotOf(spec, Cron);
    // 03:00 in Paris is 02:00 UTC in winter, 01:00 UTC in summer.
    expect(new Date(next(T0)!).toISOString()).toBe('2026-01-01T02:00:00.000Z');
    expect(new Date(next(Date.UTC(2026, 6, 1))!).toISOString()).toBe('2026-07-01T01:00:00.000Z');
    const s = schedule(spec, next(T0)!);
    const threeDaysLater = Date.UTC(2026, 0, 4, 12);
    expect(dueSlots(s, threeDaysLater, next).slots.map((t) => new Date(t).toISOString())).toEqual(['2026-01-04T02:00:00.000Z']);
  });

  it('names each slot job after the schedule and the slot', () => {
    expect(slotJobId('nightly', T0 + 3 * 60 * MINUTE)).toBe('nightly@2026-01-01T03:00:00.000Z');
  });
});

describe('resolveSchedule', () => {
  const job = { name: 'tick', data: { n: 1 } };

  it('starts an `every` schedule one period from now', () => {
    expect(resolveSchedule('s', { every: 5_000 }, job, T0, undefined, undefined)).toMatchObject({
      id: 's', spec: { every: 5_000, catchUp: 'latest' }, nextRunAt: T0 + 5_000, lastRunAt: undefined, createdAt: T0,
    });
  });

  it('keeps the next slot when scheduled again with the same spec, and starts over with a new one', () => {
    const first = resolveSchedule('s', { every: 5_000 }, job, T0, undefined, undefined);
    expect(resolveSchedule('s', { every: 5_000 }, job, T0 + 4_000, first, undefined).nextRunAt).toBe(T0 + 5_000);
    expect(resolveSchedule('s', { every: 8_000 }, job, T0 + 4_000, first, undefined).nextRunAt).toBe(T0 + 12_000);
  });

  it('refuses what makes no sense, saying what', () => {
    expect(() => resolveSchedule('s', { every: 10 }, job, T0, undefined, undefined)).toThrow(
      'Expected `every` to be milliseconds from 1000 and up, got `10` (number)',
    );
    expect(() => resolveSchedule('s', { cron: 'every day' }, job, T0, undefined, Cron)).toThrow(/^Invalid schedule "s": CronPattern: invalid configuration format/);
    expect(() => resolveSchedule('s', { cron: '0 3 * * *', tz: 'Mars/Olympus' }, job, T0, undefined, Cron)).toThrow(/^Invalid schedule "s": .*Mars\/Olympus/);
    expect(() => resolveSchedule('s', { every: 5_000, catchUp: 'some' as 'all' }, job, T0, undefined, undefined)).toThrow(
      "Expected `catchUp` to be 'latest', 'all' or 'none', got `\"some\"` (string)",
    );
    expect(() => resolveSchedule('s', { every: 5_000 }, { name: 'tick', data: null, opts: { jobId: 'x' } as never }, T0, undefined, undefined)).toThrow(
      'A scheduled job cannot have `jobId` or `signal`: each slot gets its own id',
    );
    expect(() => resolveSchedule('s', { every: 5_000 }, { name: 'tick', data: { f: () => 1 } }, T0, undefined, undefined)).toThrow(
      'Cannot schedule a "tick" job: data.f is a function',
    );
  });
});

describe('resolveSchedule: periods at their extremes', () => {
  const job = { name: 'tick', data: null };
  it('a period past setTimeout\'s limit (2^31 - 1 ms) is taken: its first slot is one period on', () => {
    expect(resolveSchedule('s', { every: 2 ** 31 }, job, T0, undefined, undefined).nextRunAt).toBe(T0 + 2 ** 31);
  });

  it('a period that puts the first slot past the latest Date, or that is not finite, is refused saying so', () => {
    expect(() => resolveSchedule('s', { every: 1e300 }, job, T0, undefined, undefined)).toThrow(
      new TypeError('Expected `every` to put its first slot by the latest time a Date holds (8640000000000000 ms since 1970), got `1e+300` (number)'),
    );
    expect(() => resolveSchedule('s', { every: Infinity }, job, T0, undefined, undefined)).toThrow(
      new TypeError('Expected `every` to be milliseconds from 1000 and up, got `Infinity` (number)'),
    );
  });
});
