import { describe, expect, it } from 'vitest';
import { newId } from '../../src/job/new-id';

describe('newId', () => {
  it('makes ids of 24 hex digits, all different, across refills of its random pool', () => {
    // 3,072 random bytes serve 256 ids: 10,000 ids refill the pool 39 times.
    const ids = Array.from({ length: 10_000 }, newId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every hex digit turns up in every place (a byte-to-digits table off by one would miss some).
    for (let place = 0; place < 24; place++) expect(new Set(ids.map((id) => id[place])).size).toBe(16);
  });
});
