import { describe, expect, it } from 'vitest';
import { averageRunMs, depthFor, LOOKAHEAD_MS, QUICK_RUN_MS, RunStats } from '../../src/pool/run-stats';

describe('averageRunMs', () => {
  it('starts at the first time, then moves a fifth of the way to each new one', () => {
    expect(averageRunMs(Infinity, 10)).toBe(10);
    expect(averageRunMs(10, 20)).toBe(12);
    expect(averageRunMs(12, 2)).toBeCloseTo(10, 10);
  });
});

describe('depthFor', () => {
  it('lines up many runs per worker for tiny jobs, fewer as they grow, one at a time for long ones', () => {
    expect(depthFor(0.01)).toBe(256);
    expect(depthFor(0.1)).toBe(64);
    expect(depthFor(0.5)).toBe(16);
    expect(depthFor(2)).toBe(4);
    expect(depthFor(QUICK_RUN_MS)).toBe(2);
    expect(depthFor(LOOKAHEAD_MS - 1)).toBe(2);
    expect(depthFor(LOOKAHEAD_MS)).toBe(1);
  });

  it('runs one at a time while no run has been timed', () => {
    expect(depthFor(Infinity)).toBe(1);
  });
});

describe('RunStats', () => {
  it('knows nothing of a task before its first run: no time, not steady, one run per worker', () => {
    const stats = new RunStats();
    expect(stats.expectedMs('add')).toBe(Infinity);
    expect(stats.isSteady('add')).toBe(false);
    expect(stats.depth).toBe(1);
  });

  it('keeps a moving average per task, apart from the other tasks', () => {
    const stats = new RunStats();
    stats.note('add', 1);
    stats.note('add', 6);
    stats.note('sleep', 200);
    expect(stats.expectedMs('add')).toBe(2);
    expect(stats.expectedMs('sleep')).toBe(200);
    expect(stats.expectedMs('add')).toBeLessThan(QUICK_RUN_MS);
    expect(stats.expectedMs('sleep')).toBeGreaterThan(QUICK_RUN_MS);
  });

  it('sizes the lines by all runs, those of unknown tasks too', () => {
    const stats = new RunStats();
    for (let i = 0; i < 20; i++) stats.note(undefined, 0.01);
    expect(stats.depth).toBe(256);
    expect(stats.expectedMs('add')).toBe(Infinity);
    for (let i = 0; i < 40; i++) stats.note('sleep', 150);
    expect(stats.depth).toBe(1);
  });

  it('takes a task of a few milliseconds as steady while its runs stay within half its average of it', () => {
    const stats = new RunStats();
    stats.note('spin', 15);
    // The spread starts at half the first time: the edge of steady.
    expect(stats.isSteady('spin')).toBe(true);
    const wobbly = new RunStats();
    wobbly.note('spin', 15);
    wobbly.note('spin', 60);
    expect(wobbly.isSteady('spin')).toBe(false);
    for (let i = 0; i < 30; i++) wobbly.note('spin', 15);
    expect(wobbly.isSteady('spin')).toBe(true);
  });

  it('never takes a task of LOOKAHEAD_MS or more as steady, however alike its runs', () => {
    const stats = new RunStats();
    for (let i = 0; i < 10; i++) stats.note('long', LOOKAHEAD_MS);
    expect(stats.isSteady('long')).toBe(false);
  });
});
