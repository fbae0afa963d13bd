import { afterEach, describe, expect, it, vi } from 'vitest';
import { newId } from '../../src/job/new-id';

const T = 1_800_000_000_000;

describe('newId', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('makes ids of 24 hex digits: the time in ms, then a counter', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0x0123_4567_89ab);
    expect(newId()).toMatch(/^0123456789ab[0-9a-f]{12}$/);
    vi.setSystemTime(T);
    expect(newId()).toMatch(new RegExp(`^${T.toString(16).padStart(12, '0')}[0-9a-f]{12}$`));
  });

  it('counts up within a millisecond: the ids are all different, and sort in the order they were made', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T + 1);
    const ids = Array.from({ length: 10_000 }, newId);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(parseInt(ids[i]!.slice(12), 16) - parseInt(ids[i - 1]!.slice(12), 16)).toBe(1);
    expect([...ids].sort()).toEqual(ids);
  });

  it('starts each millisecond at random: all 256 values turn up in each byte of the counter, across refills of its random pool', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // 3,072 random bytes serve 512 milliseconds: 10,000 refill the pool 19 times.
    const ids = Array.from({ length: 10_000 }, (_, i) => {
      vi.setSystemTime(T + 10 + i);
      return newId();
    });
    ids.forEach((id, i) => expect(parseInt(id.slice(0, 12), 16)).toBe(T + 10 + i));
    // A byte-to-digits table that is off, or that repeats a digit, would miss some; 10,000 draws miss one with
    // odds of about 1e-14.
    for (let byte = 6; byte < 12; byte++) expect(new Set(ids.map((id) => id.slice(2 * byte, 2 * byte + 2))).size).toBe(256);
  });

  it('carries from the counter low half into its high half', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // Every draw from the pool once refilled: high half 000001, low half ffffff. 512 milliseconds use up a pool
    // whole, so the last of them draws from a refill.
    const pattern = [0x00, 0x00, 0x01, 0xff, 0xff, 0xff];
    vi.spyOn(crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      const bytes = array as unknown as Uint8Array;
      for (let i = 0; i < bytes.length; i++) bytes[i] = pattern[i % 6]!;
      return array;
    });
    let id = '';
    for (let i = 0; i < 512; i++) {
      vi.setSystemTime(T + 20_000 + i);
      id = newId();
    }
    expect(id.slice(12)).toBe('000001ffffff');
    expect(newId().slice(12)).toBe('000002000000');
    expect(newId().slice(12)).toBe('000002000001');
  });
});
