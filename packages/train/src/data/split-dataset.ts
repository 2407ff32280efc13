import { ArgumentError } from '@peft/core';
import { checkSeed, seededPermutation } from './seeded-permutation.js';

/**
 * Options of {@link splitDataset}: the held-out size as a fraction or a count (exactly one), and the seed.
 *
 * @example
 * ```ts
 * const opts: SplitOptions = { evalFraction: 0.1, seed: 42 };
 * ```
 */
export interface SplitOptions {
  /** The share held out, in (0, 1); the count is rounded up. */
  evalFraction?: number;
  /** The number held out. */
  evalCount?: number;
  /** Seed of the choice (default 0). */
  seed?: number;
}

/** The parts of a split dataset. @example `const { train, eval: held } = splitDataset(items, { evalCount: 10 });` */
export interface DatasetSplit<T> {
  train: T[];
  eval: T[];
}

/** The shuffle stream of splits, apart from data-loader epochs. */
const SPLIT_STREAM = 0x5eed5;

/**
 * Holds out part of a dataset for evaluation, deterministically: the held-out items are the first
 * `k` of a seeded permutation (see `seededPermutation`), and both parts keep the original order.
 * The same items, count and seed give the same split on every run and machine. Both parts must end up
 * non-empty, else an `ArgumentError`.
 *
 * @example
 * ```ts
 * const { train, eval: held } = splitDataset(examples, { evalFraction: 0.1, seed: 42 });
 * ```
 */
export function splitDataset<T>(items: readonly T[], opts: SplitOptions): DatasetSplit<T> {
  const { evalFraction, evalCount } = opts;
  const seed = checkSeed(opts.seed ?? 0, 'splitDataset');
  if ((evalFraction === undefined) === (evalCount === undefined)) {
    throw new ArgumentError(`splitDataset: give exactly one of evalFraction and evalCount, got ${evalFraction === undefined ? 'neither' : 'both'}`);
  }
  let k: number;
  if (evalFraction !== undefined) {
    if (typeof evalFraction !== 'number' || !(evalFraction > 0 && evalFraction < 1)) throw new ArgumentError(`splitDataset: evalFraction must be in (0, 1), got ${evalFraction}`);
    k = Math.ceil(evalFraction * items.length);
  } else {
    if (!Number.isInteger(evalCount) || (evalCount as number) < 1) throw new ArgumentError(`splitDataset: evalCount must be a positive integer, got ${evalCount}`);
    k = evalCount as number;
  }
  if (k >= items.length) {
    throw new ArgumentError(`splitDataset: holding out ${k} of ${items.length} examples leaves none to train on`);
  }
  const held = new Set(seededPermutation(items.length, seed, SPLIT_STREAM).slice(0, k));
  const out: DatasetSplit<T> = { train: [], eval: [] };
  items.forEach((item, i) => (held.has(i) ? out.eval : out.train).push(item));
  return out;
}
