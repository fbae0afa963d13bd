import { describe, expect, it } from 'vitest';
import { resolveJobOptions, type JobOptions } from '../../src/job/job-options';

const NOW = Date.UTC(2030, 0, 1);
const resolve = (options: unknown) => resolveJobOptions('resize', { width: 64 }, options as JobOptions, NOW);

describe('resolveJobOptions: defaults', () => {
  const defaults = {
    id: undefined,
    name: 'resize',
    data: { width: 64 },
    priority: 0,
    runAt: NOW,
    attempts: 1,
    backoff: undefined,
    timeout: undefined,
    createdAt: NOW,
    requiresNetwork: false,
  };

  it('with no options', () => {
    expect(resolve(undefined)).toEqual(defaults);
  });

  it('with an empty object', () => {
    expect(resolve({})).toEqual(defaults);
  });

  it('keeps what is given', () => {
    const signal = new AbortController().signal;
    expect(resolve({ jobId: 'resize-1', priority: -5, attempts: 3, timeout: 30_000, signal, requiresNetwork: true })).toEqual({
      ...defaults,
      id: 'resize-1',
      priority: -5,
      attempts: 3,
      timeout: 30_000,
      requiresNetwork: true,
    });
  });
});

describe('resolveJobOptions: when the job may run', () => {
  it('delay is counted from now', () => {
    expect(resolve({ delay: 5_000 }).runAt).toBe(NOW + 5_000);
    expect(resolve({ delay: 0 }).runAt).toBe(NOW);
  });

  it('runAt as a Date', () => {
    expect(resolve({ runAt: new Date(NOW + 60_000) }).runAt).toBe(NOW + 60_000);
  });

  it('runAt as epoch milliseconds', () => {
    expect(resolve({ runAt: NOW + 1 }).runAt).toBe(NOW + 1);
  });

  it('a runAt in the past means now', () => {
    expect(resolve({ runAt: NOW - 86_400_000 }).runAt).toBe(NOW);
    expect(resolve({ runAt: new Date(0) }).runAt).toBe(NOW);
  });

  it('delay and runAt together are refused', () => {
    expect(() => resolve({ delay: 1, runAt: NOW })).toThrow(new TypeError('Expected `delay` or `runAt`, not both'));
  });
});

describe('resolveJobOptions: backoff', () => {
  it('a number is a fixed wait', () => {
    expect(resolve({ backoff: 2_500 }).backoff).toEqual({ type: 'fixed', delay: 2_500 });
    expect(resolve({ backoff: 0 }).backoff).toEqual({ type: 'fixed', delay: 0 });
  });

  it('an object keeps what it gives, and only that', () => {
    expect(resolve({ backoff: { type: 'exponential', delay: 100 } }).backoff).toEqual({ type: 'exponential', delay: 100 });
    expect(resolve({ backoff: { type: 'fixed', delay: 100, maxDelay: 50, jitter: 0 } }).backoff).toEqual({
      type: 'fixed',
      delay: 100,
      maxDelay: 50,
      jitter: 0,
    });
  });
});

describe('resolveJobOptions: misuse throws TypeError saying what was expected and what came', () => {
  const cases: Array<[label: string, options: unknown, message: string]> = [
    ['options not an object', 5_000, 'Expected job options to be an object, got `5000` (number)'],
    ['options null', null, 'Expected job options to be an object, got `null` (null)'],
    ['options a string', 'fast', 'Expected job options to be an object, got `"fast"` (string)'],
    [
      'an unknown option',
      { retries: 3 },
      'Unknown job option `retries`; expected one of jobId, priority, delay, runAt, attempts, backoff, timeout, signal, requiresNetwork',
    ],
    ['an empty jobId', { jobId: '' }, 'Expected `jobId` to be a non-empty string, got `""` (string)'],
    ['a numeric jobId', { jobId: 42 }, 'Expected `jobId` to be a non-empty string, got `42` (number)'],
    ['priority NaN', { priority: NaN }, 'Expected `priority` to be a finite number, got `NaN` (number)'],
    ['priority Infinity', { priority: Infinity }, 'Expected `priority` to be a finite number, got `Infinity` (number)'],
    ['priority a string', { priority: 'high' }, 'Expected `priority` to be a finite number, got `"high"` (string)'],
    ['a negative delay', { delay: -1 }, 'Expected `delay` to be a finite number of milliseconds from 0 and up, got `-1` (number)'],
    ['delay a string', { delay: '5s' }, 'Expected `delay` to be a finite number of milliseconds from 0 and up, got `"5s"` (string)'],
    ['delay Infinity', { delay: Infinity }, 'Expected `delay` to be a finite number of milliseconds from 0 and up, got `Infinity` (number)'],
    ['runAt a string', { runAt: '2030-01-01' }, 'Expected `runAt` to be a Date or epoch milliseconds, got `"2030-01-01"` (string)'],
    ['runAt NaN', { runAt: NaN }, 'Expected `runAt` to be a Date or epoch milliseconds, got `NaN` (number)'],
    ['runAt an invalid Date', { runAt: new Date('never') }, 'Expected `runAt` to be a Date or epoch milliseconds, got an object'],
    ['attempts 0', { attempts: 0 }, 'Expected `attempts` to be an integer from 1 and up, got `0` (number)'],
    ['attempts fractional', { attempts: 1.5 }, 'Expected `attempts` to be an integer from 1 and up, got `1.5` (number)'],
    ['attempts a string', { attempts: '3' }, 'Expected `attempts` to be an integer from 1 and up, got `"3"` (string)'],
    ['timeout 0', { timeout: 0 }, 'Expected `timeout` to be a finite number of milliseconds from 1 and up, got `0` (number)'],
    ['timeout NaN', { timeout: NaN }, 'Expected `timeout` to be a finite number of milliseconds from 1 and up, got `NaN` (number)'],
    ['signal not an AbortSignal', { signal: new AbortController() }, 'Expected `signal` to be an AbortSignal, got an object'],
    ['signal true', { signal: true }, 'Expected `signal` to be an AbortSignal, got `true` (boolean)'],
    ['requiresNetwork a string', { requiresNetwork: 'yes' }, 'Expected `requiresNetwork` to be a boolean, got `"yes"` (string)'],
    ['a negative backoff', { backoff: -5 }, 'Expected `backoff` to be a finite number of milliseconds from 0 and up, got `-5` (number)'],
    ['backoff a string', { backoff: 'slow' }, 'Expected `backoff` to be milliseconds or { type, delay }, got `"slow"` (string)'],
    ['backoff null', { backoff: null }, 'Expected `backoff` to be milliseconds or { type, delay }, got `null` (null)'],
    [
      'an unknown backoff type',
      { backoff: { type: 'linear', delay: 1 } },
      "Expected `backoff.type` to be 'fixed' or 'exponential', got `\"linear\"` (string)",
    ],
    [
      'a backoff with no delay',
      { backoff: { type: 'fixed' } },
      'Expected `backoff.delay` to be a finite number of milliseconds from 0 and up, got `undefined` (undefined)',
    ],
    [
      'a negative backoff.maxDelay',
      { backoff: { type: 'fixed', delay: 1, maxDelay: -1 } },
      'Expected `backoff.maxDelay` to be a finite number of milliseconds from 0 and up, got `-1` (number)',
    ],
    ['backoff.jitter above 1', { backoff: { type: 'fixed', delay: 1, jitter: 2 } }, 'Expected `backoff.jitter` to be a number from 0 to 1, got `2` (number)'],
    ['backoff.jitter below 0', { backoff: { type: 'fixed', delay: 1, jitter: -0.1 } }, 'Expected `backoff.jitter` to be a number from 0 to 1, got `-0.1` (number)'],
    ['backoff.jitter NaN', { backoff: { type: 'fixed', delay: 1, jitter: NaN } }, 'Expected `backoff.jitter` to be a number from 0 to 1, got `NaN` (number)'],
  ];

  it.each(cases)('%s', (_, options, message) => {
    expect(() => resolve(options)).toThrow(new TypeError(message));
    expect(() => resolve(options)).toThrow(TypeError);
  });

  it('names the first unknown option before checking values', () => {
    expect(() => resolve({ priority: 'high', prio: 1 })).toThrow(/^Unknown job option `prio`/);
  });
});

describe('resolveJobOptions: times at their extremes', () => {
  const MAX = 8_640_000_000_000_000;

  it('a timeout, delay or backoff past setTimeout\'s limit (2^31 - 1 ms) is taken as given (timers wait in hops)', () => {
    expect(resolve({ timeout: 2 ** 31 })).toMatchObject({ timeout: 2 ** 31 });
    expect(resolve({ delay: 2 ** 31 })).toMatchObject({ runAt: NOW + 2 ** 31 });
    expect(resolve({ backoff: { type: 'exponential', delay: 2 ** 31, maxDelay: 2 ** 40 }, attempts: 3 })).toMatchObject({
      backoff: { type: 'exponential', delay: 2 ** 31, maxDelay: 2 ** 40 },
    });
  });

  it('runAt far in the past runs now; runAt far ahead waits', () => {
    expect(resolve({ runAt: 0 })).toMatchObject({ runAt: NOW });
    expect(resolve({ runAt: -MAX })).toMatchObject({ runAt: NOW });
    expect(resolve({ runAt: new Date(-8.64e15) })).toMatchObject({ runAt: NOW });
    expect(resolve({ runAt: MAX })).toMatchObject({ runAt: MAX });
  });

  it.each([
    ['timeout past the span of a Date', { timeout: 1e300 }, 'Expected `timeout` to be at most 8640000000000000 ms (the span of a Date), got `1e+300` (number)'],
    ['timeout Infinity', { timeout: Infinity }, 'Expected `timeout` to be a finite number of milliseconds from 1 and up, got `Infinity` (number)'],
    ['timeout negative', { timeout: -1 }, 'Expected `timeout` to be a finite number of milliseconds from 1 and up, got `-1` (number)'],
    ['a delay that ends past the latest Date', { delay: MAX }, 'Expected `delay` to end by the latest time a Date holds (8640000000000000 ms since 1970), got `8640000000000000` (number)'],
    ['delay NaN', { delay: NaN }, 'Expected `delay` to be a finite number of milliseconds from 0 and up, got `NaN` (number)'],
    ['runAt past the latest Date', { runAt: MAX + 1 }, 'Expected `runAt` to be at most 8640000000000000 (the latest time a Date holds), got `8640000000000001` (number)'],
    ['runAt -Infinity', { runAt: -Infinity }, 'Expected `runAt` to be a Date or epoch milliseconds, got `-Infinity` (number)'],
    ['backoff.maxDelay past the span of a Date', { backoff: { type: 'fixed', delay: 1, maxDelay: 1e20 } }, 'Expected `backoff.maxDelay` to be at most 8640000000000000 ms (the span of a Date), got `100000000000000000000` (number)'],
    ['backoff.delay negative', { backoff: { type: 'fixed', delay: -1 } }, 'Expected `backoff.delay` to be a finite number of milliseconds from 0 and up, got `-1` (number)'],
    ['a backoff number NaN', { backoff: NaN }, 'Expected `backoff` to be a finite number of milliseconds from 0 and up, got `NaN` (number)'],
  ])('refuses %s, saying the limit', (_label, options, message) => {
    expect(() => resolve(options)).toThrow(new TypeError(message));
  });
});
