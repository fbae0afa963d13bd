// Timers past setTimeout's limit: waited in hops, never fired early.
import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, withLongTimers, type Clock } from '../../src/clock';
import { resolveQueueOptions } from '../../src/client/queue-options';
import { FakeClock } from './support/fake-clock';

/**
 * A timer provider with the browser's limit: a delay is taken as a 32-bit integer (WebIDL `long`), so
 * 2^31 ms wraps to a negative one and fires at once, and 2^32 + 5 ms fires after 5 ms.
 */
function browserLike(fake: FakeClock): Clock {
  return {
    now: () => fake.now(),
    setTimeout: (callback, ms) => fake.setTimeout(callback, Math.max(0, ms | 0)),
    clearTimeout: (handle) => fake.clearTimeout(handle),
  };
}

describe('withLongTimers', () => {
  it('the browser-like provider itself fires a 2^31 ms timer at once (what the fix is for)', async () => {
    const fake = new FakeClock();
    let fired = 0;
    browserLike(fake).setTimeout(() => fired++, 2 ** 31);
    await fake.advance(0);
    expect(fired).toBe(1);
  });

  for (const ms of [2 ** 31, 2 ** 32 + 5, 30 * 86_400_000, 10 * MAX_TIMER_MS + 1]) {
    it(`a timer of ${ms} ms fires when ${ms} ms have passed, not before`, async () => {
      const fake = new FakeClock();
      const clock = withLongTimers(browserLike(fake));
      const start = fake.now();
      const firedAt: number[] = [];
      clock.setTimeout(() => firedAt.push(fake.now() - start), ms);
      await fake.advance(ms - 1);
      expect(firedAt).toEqual([]);
      await fake.advance(1);
      expect(firedAt).toEqual([ms]);
      await fake.advance(10 * MAX_TIMER_MS);
      expect(firedAt).toEqual([ms]);
    });
  }

  it('a long timer cleared between hops never fires', async () => {
    const fake = new FakeClock();
    const clock = withLongTimers(browserLike(fake));
    let fired = 0;
    const handle = clock.setTimeout(() => fired++, 3 * MAX_TIMER_MS);
    await fake.advance(MAX_TIMER_MS + 10);
    clock.clearTimeout(handle);
    await fake.advance(5 * MAX_TIMER_MS);
    expect(fired).toBe(0);
    expect(fake.pending).toBe(0);
  });

  it('a short timer is the clock\'s own, and clears as one', async () => {
    const fake = new FakeClock();
    const clock = withLongTimers(browserLike(fake));
    let fired = 0;
    const handle = clock.setTimeout(() => fired++, 1_000);
    expect(typeof handle).toBe('number');
    clock.clearTimeout(handle);
    clock.setTimeout(() => fired++, 1_000);
    await fake.advance(1_000);
    expect(fired).toBe(1);
  });

  it('a clock wrapped twice still fires a long timer once, on time', async () => {
    const fake = new FakeClock();
    const clock = withLongTimers(withLongTimers(browserLike(fake)));
    let fired = 0;
    clock.setTimeout(() => fired++, 3 * MAX_TIMER_MS);
    await fake.advance(3 * MAX_TIMER_MS - 1);
    expect(fired).toBe(0);
    await fake.advance(1);
    expect(fired).toBe(1);
  });
});

describe('createQueue options: the clock, and retention', () => {
  it('a clock given to createQueue gets timers of any length', async () => {
    const fake = new FakeClock();
    const { clock } = resolveQueueOptions({ name: 'q', clock: browserLike(fake) });
    let fired = 0;
    clock.setTimeout(() => fired++, 2 ** 31);
    await fake.advance(2 ** 31 - 1);
    expect(fired).toBe(0);
    await fake.advance(1);
    expect(fired).toBe(1);
  });

  it('a clock that is not one is refused', () => {
    expect(() => resolveQueueOptions({ name: 'q', clock: { now: () => 0 } as unknown as Clock })).toThrow(
      new TypeError('Expected `clock` to be { now, setTimeout, clearTimeout }, got an object'),
    );
  });

  it('retention: false, as the README shows it, keeps every finished job until clean()', () => {
    expect(resolveQueueOptions({ name: 'q', retention: false }).retention).toEqual({ completed: false, failed: false, cancelled: false });
  });

  it('every other form the README shows for retention', () => {
    expect(resolveQueueOptions({ name: 'q', retention: { completed: false } }).retention).toEqual({
      completed: false,
      failed: { age: 604_800_000, count: 10_000 },
      cancelled: { age: 86_400_000, count: 1_000 },
    });
    expect(resolveQueueOptions({ name: 'q', retention: { failed: { age: 1_000 }, cancelled: { count: 5 } } }).retention).toMatchObject({
      failed: { age: 1_000 },
      cancelled: { count: 5 },
    });
    expect(() => resolveQueueOptions({ name: 'q', retention: true as never })).toThrow(
      new TypeError('Expected `retention` to be false or an object as { completed, failed, cancelled }, got `true` (boolean)'),
    );
  });

  it('leaseMs and idleTimeoutMs past 2^31 - 1 ms are taken; past the span of a Date, or not finite, refused saying so', () => {
    expect(resolveQueueOptions({ name: 'q', leaseMs: 2 ** 32, idleTimeoutMs: 2 ** 31, cancelGraceMs: 2 ** 31 })).toMatchObject({
      leaseMs: 2 ** 32,
      idleTimeoutMs: 2 ** 31,
      cancelGraceMs: 2 ** 31,
    });
    expect(() => resolveQueueOptions({ name: 'q', leaseMs: 1e300 })).toThrow(
      new TypeError('Expected `leaseMs` to be at most 8640000000000000 ms (the span of a Date), got `1e+300` (number)'),
    );
    expect(() => resolveQueueOptions({ name: 'q', leaseMs: Number.NaN })).toThrow(
      new TypeError('Expected `leaseMs` to be a finite number of milliseconds from 1000 and up, got `NaN` (number)'),
    );
  });
});
