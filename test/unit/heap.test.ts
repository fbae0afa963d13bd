import { describe, expect, it } from 'vitest';
import { Heap } from '../../src/store/heap';

/** A small seeded generator, so that a failure can be replayed. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('Heap', () => {
  it('pops in order under its comparison, ties and all, with pushes and pops interleaved', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = lcg(seed);
      const heap = new Heap<{ key: number; n: number }>((a, b) => a.key - b.key || a.n - b.n);
      const model: Array<{ key: number; n: number }> = [];
      let n = 0;
      for (let step = 0; step < 400; step++) {
        if (random() < 0.6) {
          // Few distinct keys: ties are common, and the second key must break them.
          const item = { key: Math.floor(random() * 8), n: n++ };
          heap.push(item);
          model.push(item);
        } else {
          model.sort((a, b) => a.key - b.key || a.n - b.n);
          expect(heap.pop()).toBe(model.shift());
        }
        expect(heap.size).toBe(model.length);
        expect(heap.peek()).toBe([...model].sort((a, b) => a.key - b.key || a.n - b.n)[0]);
      }
      model.sort((a, b) => a.key - b.key || a.n - b.n);
      const rest: unknown[] = [];
      for (let item = heap.pop(); item; item = heap.pop()) rest.push(item);
      expect(rest).toEqual(model);
      expect(heap.pop()).toBeUndefined();
    }
  });
});
