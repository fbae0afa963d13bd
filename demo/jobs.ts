// The jobs the buttons add.
import type { BulkJob } from 'offthread';
import { IMAGE_SIZE, makeImage } from './image';
import type { BlurInput, Tasks } from './tasks';

/** A fresh image to blur, in a random colour scheme. */
export function blurInput(): BlurInput {
  return { pixels: makeImage(Math.floor(Math.random() * 360)), width: IMAGE_SIZE, height: IMAGE_SIZE, radius: 2, passes: 100 };
}

/** The sizes a mixed batch counts primes below: from about a third of a second to over a second each (on a recent laptop core). */
export const MIXED_PRIME_LIMITS = [3_000_000, 4_000_000, 5_000_000, 6_000_000, 7_000_000, 8_000_000] as const;

/** Ten jobs: six prime counts and four blurs, interleaved. */
export function mixedBatch(): Array<BulkJob<Tasks>> {
  const limits = [...MIXED_PRIME_LIMITS];
  const batch: Array<BulkJob<Tasks>> = [];
  for (let i = 0; i < 10; i++) {
    const n = i % 5 === 2 || i % 5 === 4 ? undefined : limits.shift();
    batch.push(n === undefined ? { name: 'blur', data: blurInput() } : { name: 'countPrimes', data: n });
  }
  return batch;
}
