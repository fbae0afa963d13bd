import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../src/job/backoff';

const noJitter = () => 0;

describe('backoffDelay', () => {
  it('fixed: the same wait before every retry', () => {
    const fixed = { type: 'fixed', delay: 500, jitter: 0 } as const;
    expect([1, 2, 3, 10].map((retry) => backoffDelay(fixed, retry, noJitter))).toEqual([500, 500, 500, 500]);
  });

  it('exponential: doubles with each retry, from `delay`', () => {
    const exponential = { type: 'exponential', delay: 100, jitter: 0 } as const;
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelay(exponential, retry, noJitter))).toEqual([100, 200, 400, 800, 1_600]);
  });

  it('treats retry 0 as the first retry', () => {
    expect(backoffDelay({ type: 'exponential', delay: 100, jitter: 0 }, 0, noJitter)).toBe(100);
  });

  it('caps the wait at maxDelay', () => {
    const capped = { type: 'exponential', delay: 1_000, maxDelay: 5_000, jitter: 0 } as const;
    expect([3, 4, 5, 60].map((retry) => backoffDelay(capped, retry, noJitter))).toEqual([4_000, 5_000, 5_000, 5_000]);
    expect(backoffDelay({ type: 'fixed', delay: 9_000, maxDelay: 2_000, jitter: 0 }, 1, noJitter)).toBe(2_000);
  });

  it('jitters downwards only, by at most `jitter` of the wait', () => {
    const options = { type: 'fixed', delay: 1_000, jitter: 0.25 } as const;
    expect(backoffDelay(options, 1, () => 0)).toBe(1_000);
    expect(backoffDelay(options, 1, () => 0.5)).toBe(875);
    expect(backoffDelay(options, 1, () => 0.999_999)).toBe(750);
  });

  it('jitter 1 spreads the wait from the full wait down to about 0', () => {
    const options = { type: 'fixed', delay: 1_000, jitter: 1 } as const;
    expect(backoffDelay(options, 1, () => 0)).toBe(1_000);
    expect(backoffDelay(options, 1, () => 0.999_999)).toBe(0);
  });

  it('jitters after the cap, so the cap holds', () => {
    const options = { type: 'exponential', delay: 1_000, maxDelay: 3_000, jitter: 0.5 } as const;
    for (const random of [0, 0.3, 0.999]) {
      const wait = backoffDelay(options, 10, () => random);
      expect(wait).toBeLessThanOrEqual(3_000);
      expect(wait).toBeGreaterThanOrEqual(1_500);
    }
  });

  it('returns whole milliseconds', () => {
    expect(backoffDelay({ type: 'fixed', delay: 333, jitter: 0.5 }, 1, () => 0.5)).toBe(250); // 249.75
  });

  it('defaults: exponential from 1 s, capped at an hour, jittered by a quarter', () => {
    expect(DEFAULT_BACKOFF).toEqual({ type: 'exponential', delay: 1_000, maxDelay: 3_600_000, jitter: 0.25 });
    expect(backoffDelay(undefined, 1, noJitter)).toBe(1_000);
    expect(backoffDelay(undefined, 2, noJitter)).toBe(2_000);
    expect(backoffDelay(undefined, 30, noJitter)).toBe(3_600_000);
    expect(backoffDelay(undefined, 1, () => 0.999_999)).toBe(750);
  });

  it('fills in what an options object leaves out', () => {
    expect(backoffDelay({ type: 'fixed', delay: 400 }, 3, () => 1)).toBe(300); // default jitter 0.25
    expect(backoffDelay({ type: 'exponential', delay: 1_000_000, jitter: 0 }, 20, noJitter)).toBe(3_600_000); // default cap
  });
});
