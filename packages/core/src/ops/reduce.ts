import { computeDType, isFloat } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { type Shape, normalizeAxes, normalizeAxis } from '../shape.js';
import { composite } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { plain, requireFloat, result, viewOf } from './apply.js';
import { div, ne, sqrt, square, where } from './elementwise.js';

function reducedShape(shape: Shape, axes: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

function reduce(op: 'sum' | 'max' | 'min', x: Tensor, axes: number | readonly number[] | undefined, keepdim: boolean): Tensor {
  if (x.dtype === 'bool') throw new DTypeError(`${op}: expected a numeric tensor, got bool (cast it first)`);
  const ax = normalizeAxes(axes, x.rank, op);
  const shape = reducedShape(x.shape, ax, keepdim);
  if (ax.length === 0) return viewOf('contiguous', x, {}, x.shape, x.strides, x.offset);
  const backend = x.liveStorage(op).backend;
  const buf = backend.reduce(op, x.view(op), ax);
  if (!isFloat(x.dtype)) return plain(backend, buf, shape, x.dtype);
  return result(op, [x], { axes: ax, keepdim }, backend, buf, shape, computeDType(x.dtype));
}

/**
 * Sum over axes (all axes when omitted); `keepdim` keeps reduced axes with size 1.
 *
 * @example
 * ```ts
 * sum(x, -1, true); // row sums, shape [n, 1]
 * ```
 */
export function sum(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  return reduce('sum', x, axes, keepdim);
}

/**
 * Largest value over axes. Its gradient is shared equally among tied maxima (like `torch.amax`).
 *
 * @example
 * ```ts
 * max(logits, -1, true);
 * ```
 */
export function max(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  return reduce('max', x, axes, keepdim);
}

/** Smallest value over axes. @example `min(x, 0)` */
export function min(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  return reduce('min', x, axes, keepdim);
}

/**
 * Mean over axes (all axes when omitted) of a floating-point tensor (cast integers first).
 *
 * @example
 * ```ts
 * mean(x, -1, true);
 * ```
 */
export function mean(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  requireFloat('mean', x);
  const ax = normalizeAxes(axes, x.rank, 'mean');
  const n = ax.reduce((p, a) => p * x.shape[a], 1);
  return composite(() => div(sum(x, ax, keepdim), n));
}

/**
 * Variance over axes; `correction` 0 is the population variance (what layer-norm uses), 1 the
 * unbiased estimate.
 *
 * @example
 * ```ts
 * variance(x, -1, true, 0);
 * ```
 */
export function variance(x: Tensor, axes?: number | readonly number[], keepdim = false, correction = 1): Tensor {
  requireFloat('variance', x);
  const ax = normalizeAxes(axes, x.rank, 'variance');
  const n = ax.reduce((p, a) => p * x.shape[a], 1);
  return composite(() => div(sum(square(x.sub(mean(x, ax, true))), ax, keepdim), Math.max(n - correction, 0)));
}

/**
 * The p-norm over axes (p = 2 by default; all axes when omitted).
 *
 * @example
 * ```ts
 * norm(grad); // Euclidean norm of all entries
 * ```
 */
export function norm(x: Tensor, p = 2, axes?: number | readonly number[], keepdim = false): Tensor {
  return composite(() => {
    if (p === 1) return sum(x.abs(), axes, keepdim);
    if (p === Infinity) return max(x.abs(), axes, keepdim);
    const s = p === 2 ? sum(square(x), axes, keepdim) : sum(x.abs().pow(p), axes, keepdim);
    // the root has an infinite slope at 0: route zero norms around it so their gradient is 0 (as
    // PyTorch), not inf·0 = NaN; NaN sums still give NaN
    const nonzero = ne(s, 0);
    const safe = where(nonzero, s, 1);
    return where(nonzero, p === 2 ? sqrt(safe) : safe.pow(1 / p), 0);
  });
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number, keepdim: boolean): Tensor {
  if (x.dtype === 'bool') throw new DTypeError(`${op}: expected a numeric tensor, got bool`);
  const ax = normalizeAxis(axis, x.rank, op);
  const backend = x.liveStorage(op).backend;
  const shape = reducedShape(x.shape, [ax], keepdim);
  return plain(backend, backend.reduce(op, x.view(op), [ax]), shape, 'i32');
}

/**
 * Index of the largest value along an axis (first one on ties), as i32.
 *
 * @example
 * ```ts
 * const next = argmax(logits, -1);
 * ```
 */
export function argmax(x: Tensor, axis: number, keepdim = false): Tensor {
  return argReduce('argmax', x, axis, keepdim);
}

/** Index of the smallest value along an axis (first one on ties), as i32. @example `argmin(d, 0)` */
export function argmin(x: Tensor, axis: number, keepdim = false): Tensor {
  return argReduce('argmin', x, axis, keepdim);
}

