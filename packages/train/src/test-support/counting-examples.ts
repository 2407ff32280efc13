/**
 * Training data for the Trainer's tests. Not exported from the package.
 */
import type { Example } from '../data/example.js';

/**
 * `n` sequences of `length` ids that count upwards (mod 60, ids 2…61) from a seeded random start:
 * easy to learn, impossible to guess.
 *
 * @example
 * ```ts
 * const train = countingExamples(48, 12, 1);
 * ```
 */
export function countingExamples(n: number, length: number, seed: number): Example[] {
  let s = seed;
  const next = (): number => (s = (s * 1103515245 + 12345) % 2147483648);
  return Array.from({ length: n }, () => {
    const start = next() % 60;
    const ids = Array.from({ length }, (_, i) => 2 + ((start + i) % 60));
    return { inputIds: ids, attentionMask: ids.map(() => 1), labels: ids };
  });
}
