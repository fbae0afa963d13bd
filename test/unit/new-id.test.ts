import { describe, expect, it } from 'vitest';
import { newId } from '../../src/job/new-id';

describe('newId', () => {
  it('makes ids of 24 hex digits, all different, across refills of its random pool', () => {
    // 3,072 random bytes serve 256 ids: 10,000 ids refill the pool 39 times.
    const ids = Array.from({ length: 10_000 }, newId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Each pair of digits is one random byte: all 256 values turn up in each of the 12 (a byte-to-digits table
    // that is off, or that repeats a digit, would miss some; 10,000 draws miss one with odds of about 1e-15).
    for (let byte = 0; byte < 12; byte++) expect(new Set(ids.map((id) => id.slice(2 * byte, 2 * byte + 2))).size).toBe(256);
  });
});
