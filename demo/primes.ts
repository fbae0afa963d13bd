// Counting primes by trial division: deliberately plain, CPU-bound work with no memory to speak of.
// Used by the worker (demo/tasks.ts) and, to show the difference, once on the main thread (demo/main.ts).

/** Whether `k` is prime, by trial division by 2 and the odd numbers up to √k. */
export function isPrime(k: number): boolean {
  if (k < 4) return k >= 2;
  if (k % 2 === 0) return false;
  for (let d = 3; d * d <= k; d += 2) {
    if (k % d === 0) return false;
  }
  return true;
}

/** How many primes `p` there are with `from <= p < to`. */
export function countPrimesInRange(from: number, to: number): number {
  let count = 0;
  for (let k = Math.max(from, 2); k < to; k++) {
    if (isPrime(k)) count++;
  }
  return count;
}
