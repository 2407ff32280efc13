import { ArgumentError } from '@peft/core';
import { hash32 } from '@peft/core/plugin';

/**
 * Checks a seed: an integer in [0, 2^32). Anything else is an `ArgumentError` naming `what`.
 *
 * @example
 * ```ts
 * checkSeed(42, 'splitDataset'); // 42
 * ```
 */
export function checkSeed(seed: unknown, what: string): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ArgumentError(`${what}: seed must be an integer in [0, 2^32), got ${JSON.stringify(seed)}`);
  }
  return seed;
}

/** floor(h · m / 2^32) for a 32-bit h, computed in 16-bit halves so it stays exact for m up to 2^37. */
function scaleDraw(h: number, m: number): number {
  const high = (h >>> 16) * m;
  const low = (h & 0xffff) * m;
  return Math.floor((high + Math.floor(low / 65536)) / 65536);
}

/**
 * A reproducible permutation of `0 … n-1`: a Fisher–Yates shuffle whose draw at step `i`
 * (from `n-1` down to 1) is `j = floor(h · (i + 1) / 2^32)` with `h = hash32(hash32(seed, stream), i)`,
 * core's counter-based 32-bit hash. Only integer hashing and exact integer arithmetic are involved,
 * so the result is the same on every machine, run and language (a Python port gives the same order). `stream` separates independent
 * shuffles from one seed (the epoch of a data loader, say).
 *
 * @example
 * ```ts
 * seededPermutation(5, 42); // the same five indices every time
 * seededPermutation(5, 42, 1); // another order (epoch 1)
 * ```
 */
export function seededPermutation(n: number, seed: number, stream = 0): number[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new ArgumentError(`seededPermutation: n must be a non-negative integer, got ${n}`);
  checkSeed(seed, 'seededPermutation');
  const key = hash32(seed, stream >>> 0);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = scaleDraw(hash32(key, i % 4294967296), i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
