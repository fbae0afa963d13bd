// The bench's statistics (bench/report/statistics.mjs): what every target's verdict is computed with.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}
/** What bench/report/statistics.mjs exports (a plain .mjs, without types). */
interface Statistics {
  median(values: number[]): number;
  percentile(values: number[], p: number): number;
  rotate<T>(list: T[], r: number): T[];
  perRound(numerator: number[], denominator: number[], of?: (x: number, y: number) => number): number[];
  spread(values: number[]): Spread;
  ends(values: number[], n: number): { first: number[]; last: number[] };
}

const stats = (await import(pathToFileURL(join(import.meta.dirname, '../../bench/report/statistics.mjs')).href)) as Statistics;

describe('bench statistics', () => {
  it('median: the middle value, the mean of the two middle ones, NaN for none', () => {
    expect(stats.median([3, 1, 2])).toBe(2);
    expect(stats.median([4, 1, 3, 2])).toBe(2.5);
    expect(stats.median([])).toBeNaN();
  });

  it('percentile: the value below which that share lies', () => {
    expect(stats.percentile([5, 1, 4, 2, 3, 6, 7, 8, 9, 10], 0.9)).toBe(10);
    expect(stats.percentile([5, 1, 4, 2, 3, 6, 7, 8, 9, 10], 0.5)).toBe(6);
  });

  it('rotate: each round starts one contender later', () => {
    expect(stats.rotate(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(stats.rotate(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
  });

  it('perRound: the quotient of the samples of each round, rounds missing either left out', () => {
    expect(stats.perRound([10, 20, 30], [5, 5, 10])).toEqual([2, 4, 3]);
    // A contender run in the first two rounds only.
    expect(stats.perRound([10, 20], [5, 5, 10])).toEqual([2, 4]);
    expect(stats.perRound([10, NaN, 30], [5, 5, 0])).toEqual([2]);
    expect(stats.perRound([10, 20], [4, 5], (x, y) => x - 1.5 * y)).toEqual([4, 12.5]);
    expect(stats.perRound([1], undefined as unknown as number[])).toEqual([]);
  });

  it('spread: the median of the per-round values and their range', () => {
    expect(stats.spread([2, 4, 3])).toEqual({ median: 3, min: 2, max: 4, values: [2, 4, 3] });
    expect(stats.spread([]).median).toBeNaN();
  });

  it('ends: the first and last n values, or the halves of a shorter list', () => {
    const values = Array.from({ length: 600 }, (_, i) => i);
    const { first, last } = stats.ends(values, 50);
    expect(first).toEqual(values.slice(0, 50));
    expect(last).toEqual(values.slice(550));
    expect(stats.ends([1, 2, 3, 4, 5], 50)).toEqual({ first: [1, 2], last: [4, 5] });
  });
});
