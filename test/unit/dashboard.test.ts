// The dashboard's pure parts: the chart's buckets, the page arithmetic, the refresh debouncing, and the
// words it shows. What a person sees and does is in test/e2e/dashboard.spec.ts.
import { describe, expect, it } from 'vitest';
import { resolveDashboardOptions } from '../../src/dashboard/dashboard-options';
import { formatDuration } from '../../src/dashboard/format-duration';
import { formatValue } from '../../src/dashboard/format-value';
import { pageQuery } from '../../src/dashboard/page-query';
import { progressFraction } from '../../src/dashboard/progress-fraction';
import { ranByLabel } from '../../src/dashboard/ran-by-label';
import { RefreshScheduler, type RefreshTimers } from '../../src/dashboard/refresh-scheduler';
import { ThroughputSeries } from '../../src/dashboard/throughput-series';

const T0 = 1_700_000_000_000;

describe('ThroughputSeries', () => {
  const job = (id: string, state: string, createdAt: number, startedAt: number | undefined, finishedAt: number) => ({ id, state, createdAt, startedAt, finishedAt });

  it('counts finished jobs per second in their bucket, with mean latency (added → finished) and wait (added → started)', () => {
    const series = new ThroughputSeries(60_000, 5_000);
    const now = T0 + 60_000;
    expect(series.record(job('a', 'completed', now - 3_000, now - 2_500, now - 2_000), now)).toBe(true);
    expect(series.record(job('b', 'completed', now - 4_000, now - 2_000, now - 1_000), now)).toBe(true);
    expect(series.record(job('c', 'failed', now - 1_000, now - 900, now - 500), now)).toBe(true);
    const [x, completed, failed, latency, wait] = series.data(now);
    // 12 buckets of 5 s (one more when `now` is on a boundary), each point at its bucket's end, in seconds.
    expect(x.length).toBeGreaterThanOrEqual(12);
    expect(x.at(-1)! * 1_000).toBeGreaterThan(now);
    expect(x[1]! - x[0]!).toBe(5);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    // Per second: 2 completed and 1 failed, each in a 5-second bucket.
    expect(sum(completed)).toBeCloseTo(2 / 5);
    expect(sum(failed)).toBeCloseTo(1 / 5);
    expect(series.totals(now)).toEqual({ completed: 2, failed: 1, latencyMs: (1_000 + 3_000 + 500) / 3, waitMs: (500 + 2_000 + 100) / 3 });
    expect(latency.filter((v) => v !== null).length).toBeGreaterThan(0);
    expect(wait.every((v) => v === null || v >= 0)).toBe(true);
  });

  it('counts a job once, however often it is seen (read from the store, then in an event)', () => {
    const series = new ThroughputSeries(60_000, 1_000);
    const now = T0;
    const done = job('a', 'completed', now - 2_000, now - 1_500, now - 1_000);
    expect(series.record(done, now)).toBe(true);
    expect(series.record({ ...done }, now)).toBe(false);
    // Retried and finished again: a new finish, counted.
    expect(series.record({ ...done, finishedAt: now - 10 }, now)).toBe(true);
    expect(series.totals(now).completed).toBe(2);
  });

  it('skips jobs that did not finish, or finished before the window, and forgets buckets that slide out', () => {
    const series = new ThroughputSeries(10_000, 1_000);
    expect(series.record(job('w', 'waiting', T0, undefined, T0), T0)).toBe(false);
    expect(series.record({ id: 'x', state: 'completed', createdAt: T0, startedAt: T0, finishedAt: undefined }, T0)).toBe(false);
    expect(series.record(job('old', 'completed', T0 - 60_000, T0 - 60_000, T0 - 30_000), T0)).toBe(false);
    expect(series.record(job('new', 'completed', T0 - 100, T0 - 50, T0), T0)).toBe(true);
    expect(series.totals(T0).completed).toBe(1);
    expect(series.totals(T0 + 20_000)).toEqual({ completed: 0, failed: 0, latencyMs: undefined, waitMs: undefined });
    const [, completed] = series.data(T0 + 20_000);
    expect(completed.every((v) => v === 0)).toBe(true);
  });
});

describe('pageQuery: one page of a newest-first list', () => {
  it('reads early pages newest first', () => {
    expect(pageQuery(0, 25, 10_000)).toEqual({ offset: 0, limit: 25, order: 'desc', reversed: false });
    expect(pageQuery(25, 25, 10_000)).toEqual({ offset: 25, limit: 25, order: 'desc', reversed: false });
  });

  it('reads pages past the middle from the oldest end, so the cursor skips at most half the jobs', () => {
    expect(pageQuery(9_975, 25, 10_000)).toEqual({ offset: 0, limit: 25, order: 'asc', reversed: true });
    expect(pageQuery(6_000, 25, 10_000)).toEqual({ offset: 3_975, limit: 25, order: 'asc', reversed: true });
    // A short last page.
    expect(pageQuery(100, 25, 110)).toEqual({ offset: 0, limit: 10, order: 'asc', reversed: true });
  });

  it('every row of 1,003 jobs is on exactly one page, in order', () => {
    const total = 1_003;
    const newestFirst = Array.from({ length: total }, (_, i) => total - i);
    const oldestFirst = [...newestFirst].reverse();
    const seen: number[] = [];
    for (let offset = 0; offset < total; offset += 25) {
      const q = pageQuery(offset, 25, total);
      const rows = (q.order === 'desc' ? newestFirst : oldestFirst).slice(q.offset, q.offset + q.limit);
      seen.push(...(q.reversed ? rows.reverse() : rows));
    }
    expect(seen).toEqual(newestFirst);
  });
});

/** Timers driven by the test: time moves only when told, frames fire when told. */
function fakeTimers() {
  let now = 0;
  let timers: Array<{ at: number; callback: () => void; id: number }> = [];
  let frames: Array<{ callback: () => void; id: number }> = [];
  let nextId = 1;
  const api: RefreshTimers = {
    now: () => now,
    setTimeout: (callback, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, callback, id });
      return id;
    },
    clearTimeout: (id) => void (timers = timers.filter((t) => t.id !== id)),
    nextFrame: (callback) => {
      const id = nextId++;
      frames.push({ callback, id });
      return id;
    },
    cancelFrame: (id) => void (frames = frames.filter((f) => f.id !== id)),
  };
  return {
    api,
    advance(ms: number) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.callback();
    },
    frame() {
      const due = frames;
      frames = [];
      for (const f of due) f.callback();
    },
    pending: () => ({ timers: timers.length, frames: frames.length }),
  };
}

describe('RefreshScheduler', () => {
  it('folds a burst of requests into one refresh, on the next frame', async () => {
    const clock = fakeTimers();
    let runs = 0;
    const scheduler = new RefreshScheduler(async () => void runs++, 250, clock.api);
    for (let i = 0; i < 100; i++) scheduler.request();
    clock.advance(0);
    expect(runs).toBe(0);
    clock.frame();
    await Promise.resolve();
    expect(runs).toBe(1);
    expect(clock.pending()).toEqual({ timers: 0, frames: 0 });
  });

  it('waits at least the gap after a refresh, and longer after a slow one', async () => {
    const clock = fakeTimers();
    let runs = 0;
    let slow = false;
    const scheduler = new RefreshScheduler(
      async () => {
        runs++;
        if (slow) clock.advance(400);
      },
      250,
      clock.api,
    );
    await scheduler.now();
    expect(runs).toBe(1);
    scheduler.request();
    clock.advance(249);
    clock.frame();
    expect(runs).toBe(1);
    clock.advance(1);
    clock.frame();
    await Promise.resolve();
    expect(runs).toBe(2);

    slow = true;
    await scheduler.now();
    expect(runs).toBe(3);
    // That one took 400 ms: the next waits 800 ms after it.
    scheduler.request();
    clock.advance(799);
    clock.frame();
    expect(runs).toBe(3);
    clock.advance(1);
    clock.frame();
    await Promise.resolve();
    expect(runs).toBe(4);
  });

  it('a request made during a refresh runs once more after it; now() waits for the running one', async () => {
    const clock = fakeTimers();
    let runs = 0;
    let release: () => void = () => undefined;
    const scheduler = new RefreshScheduler(
      () => {
        runs++;
        return new Promise<void>((resolve) => (release = resolve));
      },
      250,
      clock.api,
    );
    const first = scheduler.now();
    scheduler.request();
    scheduler.request();
    release();
    await first;
    expect(runs).toBe(1);
    clock.advance(250);
    clock.frame();
    expect(runs).toBe(2);
    const second = scheduler.now();
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(runs).toBe(3);
    release();
    await second;
    scheduler.dispose();
    scheduler.request();
    expect(clock.pending()).toEqual({ timers: 0, frames: 0 });
  });
});

describe('what the dashboard writes', () => {
  it('durations', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4_210)).toBe('4.2 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(7_800_000)).toBe('2 h 10 min');
    expect(formatDuration(Number.NaN)).toBe('—');
  });

  it('values, cut short', () => {
    expect(formatValue(undefined)).toBe('—');
    expect(formatValue('hi')).toBe('"hi"');
    expect(formatValue({ width: 640 })).toBe('{"width":640}');
    expect(formatValue(new ArrayBuffer(8))).toBe('ArrayBuffer(8 bytes)');
    expect(formatValue(new Uint8Array(3))).toBe('Uint8Array(3 bytes)');
    expect(formatValue(new Map([[1, 2]]))).toBe('Map(1)');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(formatValue(loop)).toBe('[object Object]');
    expect(formatValue('x'.repeat(200), 10)).toBe('"xxxxxxxx…');
  });

  it('progress as a fraction', () => {
    expect(progressFraction(0.25)).toBe(0.25);
    expect(progressFraction(40)).toBe(0.4);
    expect(progressFraction(250)).toBe(1);
    expect(progressFraction(-1)).toBe(0);
    expect(progressFraction({ done: 3, total: 4 })).toBe(0.75);
    expect(progressFraction('half')).toBeUndefined();
    expect(progressFraction(undefined)).toBeUndefined();
  });

  it('who ran a job', () => {
    expect(ranByLabel('tab:abc', 'tab:abc')).toBe('this tab');
    expect(ranByLabel('tab:def', 'tab:abc')).toBe('another tab');
    expect(ranByLabel('service-worker', 'tab:abc')).toBe('service worker');
    expect(ranByLabel(undefined, 'tab:abc')).toBe('—');
  });

  it('options: defaults, and a TypeError that says what came', () => {
    expect(resolveDashboardOptions()).toEqual({ pageSize: 25, state: undefined, chartMinutes: 5, safetyRefreshMs: 5_000 });
    expect(resolveDashboardOptions({ safetyRefreshMs: 10 }).safetyRefreshMs).toBe(1_000);
    expect(resolveDashboardOptions({ safetyRefreshMs: 0 }).safetyRefreshMs).toBe(0);
    expect(() => resolveDashboardOptions({ pageSize: 0 })).toThrow(new TypeError('Expected `pageSize` to be an integer from 1 to 1000, got 0'));
    expect(() => resolveDashboardOptions({ chartMinutes: -1 })).toThrow(TypeError);
  });
});
