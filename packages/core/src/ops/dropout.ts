import { computeDType } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import { type Generator, defaultGenerator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { requireFloat, result, viewOf } from './apply.js';
import { mul } from './elementwise.js';

/**
 * Inverted dropout: zeroes each element with probability `p` and scales the rest by 1/(1−p). The
 * mask comes from a counter-based hash of a seed drawn from `generator`, so it is identical on every
 * backend, and backward regenerates it instead of storing it. Identity when `training` is false.
 *
 * @example
 * ```ts
 * const h = dropout(x, 0.1, { training: model.training });
 * ```
 */
export function dropout(x: Tensor, p: number, opts?: { training?: boolean; generator?: Generator; seed?: number }): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`dropout: expected a probability in [0, 1], got ${p}`);
  requireFloat('dropout', x);
  if (opts?.training === false || p === 0) return viewOf('contiguous', x, {}, x.shape, x.strides, x.offset);
  if (p === 1) return mul(x, 0); // as PyTorch: zeros that keep the graph (a zero gradient)
  const seed = opts?.seed ?? (opts?.generator ?? defaultGenerator()).nextSeed();
  const backend = x.liveStorage('dropout').backend;
  return result('dropout', [x], { p, seed }, backend, backend.dropout(x.view('dropout'), p, seed), x.shape, computeDType(x.dtype));
}
