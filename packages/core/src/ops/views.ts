import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { type Shape, contiguousStrides, isContiguous, normalizeAxis, shapeSize, shapesEqual, viewStrides } from '../shape.js';
import { composite } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { backendOf, requireSameDType, result, viewOf } from './apply.js';
import { contiguous } from './elementwise.js';

/**
 * Same elements, new shape; one size may be -1 (inferred). Reshaping is a view (no copy) whenever the
 * memory layout allows it (always for contiguous tensors; for strided views when no new axis straddles
 * a gap, e.g. adding or removing unit axes of a transpose); otherwise the data is copied first.
 *
 * @example
 * ```ts
 * x.reshape([batch * seq, -1]);
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const n = x.size;
  const inferAt = shape.indexOf(-1);
  if (shape.filter((d) => d === -1).length > 1) throw new ShapeError(`reshape: at most one size may be -1, got ${fmtShape(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < -1) throw new ShapeError(`reshape: expected integer sizes >= -1, got ${fmtShape(shape)}`);
  }
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const resolved = [...shape];
  if (inferAt >= 0) {
    if (known === 0 || n % known !== 0) throw new ShapeError(`reshape: cannot infer -1 in ${fmtShape(shape)} for ${n} elements of ${fmtShape(x.shape)}`);
    resolved[inferAt] = n / known;
  }
  if (shapeSize(resolved) !== n) {
    throw new ShapeError(`reshape: expected a shape with ${n} elements (from ${fmtShape(x.shape)}), got ${fmtShape(shape)}`);
  }
  if (shapesEqual(resolved, x.shape)) return viewOf('reshape', x, {}, resolved, x.strides, x.offset);
  if (isContiguous(x.shape, x.strides)) return viewOf('reshape', x, {}, resolved, contiguousStrides(resolved), x.offset);
  const strides = viewStrides(x.shape, x.strides, resolved);
  if (strides) return viewOf('reshape', x, {}, resolved, strides, x.offset);
  return composite(() => viewOf('reshape', contiguous(x), {}, resolved, contiguousStrides(resolved), 0));
}

/**
 * Reorders axes without copying.
 *
 * @example
 * ```ts
 * q.permute([0, 2, 1, 3]); // [b, s, h, d] -> [b, h, s, d]
 * ```
 */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== x.rank) throw new ShapeError(`permute: expected ${x.rank} axes, got ${fmtShape(perm)}`);
  const p = perm.map((a) => normalizeAxis(a, x.rank, 'permute'));
  if (new Set(p).size !== p.length) throw new ArgumentError(`permute: expected each axis once, got ${fmtShape(perm)}`);
  return viewOf('permute', x, { perm: p }, p.map((a) => x.shape[a]), p.map((a) => x.strides[a]), x.offset);
}

/**
 * Swaps two axes (the last two by default) without copying.
 *
 * @example
 * ```ts
 * w.transpose(); // [out, in] -> [in, out]
 * ```
 */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  if (x.rank < 2 && axis0 === -2 && axis1 === -1) return viewOf('reshape', x, {}, x.shape, x.strides, x.offset);
  const a = normalizeAxis(axis0, x.rank, 'transpose');
  const b = normalizeAxis(axis1, x.rank, 'transpose');
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  [perm[a], perm[b]] = [perm[b], perm[a]];
  return permute(x, perm);
}

/**
 * Broadcasts to a larger shape without copying (-1 keeps a size).
 *
 * @example
 * ```ts
 * bias.expand([batch, features]);
 * ```
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < x.rank) throw new ShapeError(`expand: cannot expand ${fmtShape(x.shape)} to fewer axes ${fmtShape(shape)}`);
  const lead = shape.length - x.rank;
  const resolved = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  resolved.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`expand: expected non-negative sizes (-1 only on existing axes), got ${fmtShape(shape)} at axis ${i}`);
    }
  });
  const strides = resolved.map((d, i) => {
    if (i < lead) return 0;
    const s = x.shape[i - lead];
    if (s === d) return x.strides[i - lead];
    if (s === 1) return 0;
    throw new ShapeError(`expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)} (axis ${i}: ${s} vs ${d})`);
  });
  return viewOf('expand', x, {}, resolved, strides, x.offset);
}

/**
 * A strided window: per axis `starts[i] <= j < ends[i]` stepping by `steps[i]` (Python slicing:
 * negative indices count from the end, out-of-range bounds are clamped). Missing axes are taken whole.
 *
 * @example
 * ```ts
 * x.slice([0, 2], [4, 8]);        // rows 0..3, columns 2..7
 * x.slice([1], [Infinity], [2]);  // every other row from 1
 * ```
 */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], steps?: readonly number[]): Tensor {
  if (starts.length > x.rank || ends.length !== starts.length || (steps && steps.length !== starts.length)) {
    throw new ArgumentError(`slice: expected up to ${x.rank} starts with as many ends/steps, got ${starts.length}/${ends.length}/${steps?.length ?? '-'}`);
  }
  const shape = [...x.shape];
  const strides = [...x.strides];
  const st: number[] = [];
  const sp: number[] = [];
  let offset = x.offset;
  for (let i = 0; i < x.rank; i++) {
    const d = x.shape[i];
    const step = steps?.[i] ?? 1;
    if (!Number.isInteger(step) || step <= 0) throw new ArgumentError(`slice: expected positive integer steps, got ${step} on axis ${i}`);
    const norm = (v: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    const s = i < starts.length ? norm(starts[i]) : 0;
    const e = i < starts.length ? norm(ends[i]) : d;
    shape[i] = Math.max(0, Math.ceil((e - s) / step));
    offset += s * x.strides[i];
    strides[i] = x.strides[i] * step;
    st.push(s);
    sp.push(step);
  }
  return viewOf('slice', x, { starts: st, steps: sp }, shape, strides, offset);
}

/**
 * Takes `length` entries of one axis from `start`.
 *
 * @example
 * ```ts
 * narrow(qkv, -1, 0, hidden); // the query part
 * ```
 */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = normalizeAxis(axis, x.rank, 'narrow');
  if (start < 0 || length < 0 || start + length > x.shape[a]) {
    throw new ArgumentError(`narrow: range [${start}, ${start + length}) is outside axis ${a} of size ${x.shape[a]}`);
  }
  const starts = x.shape.map((_, i) => (i === a ? start : 0));
  const ends = x.shape.map((d, i) => (i === a ? start + length : d));
  return slice(x, starts, ends);
}

/**
 * Inserts an axis of size 1.
 *
 * @example
 * ```ts
 * unsqueeze(mask, 1); // [b, s] -> [b, 1, s]
 * ```
 */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.rank + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/**
 * Removes axes of size 1 (the given ones, or all).
 *
 * @example
 * ```ts
 * squeeze(x, 0);
 * ```
 */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normalizeAxis(axis, x.rank, 'squeeze');
  if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} has size ${x.shape[a]}, expected 1`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

/**
 * Flattens axes `start..end` into one.
 *
 * @example
 * ```ts
 * flatten(x, 0, 1); // [b, s, d] -> [b*s, d]
 * ```
 */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeAxis(start, x.rank, 'flatten');
  const e = normalizeAxis(end, x.rank, 'flatten');
  const shape: number[] = [...x.shape.slice(0, s), shapeSize(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/**
 * Joins tensors along an existing axis.
 *
 * @example
 * ```ts
 * concat([prefix, x], 1);
 * ```
 */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new ArgumentError('concat: expected at least one tensor, got none');
  const first = xs[0];
  const a = normalizeAxis(axis, first.rank, 'concat');
  const backend = backendOf('concat', ...xs);
  const dtype = requireSameDType('concat', ...xs);
  for (const t of xs) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ShapeError(`concat: shapes must match except on axis ${a}, got ${xs.map((x) => fmtShape(x.shape)).join(' and ')}`);
    }
  }
  const shape = [...first.shape];
  shape[a] = xs.reduce((p, t) => p + t.shape[a], 0);
  const buf = backend.concat(xs.map((t) => t.view('concat')), a);
  return result('concat', xs, { axis: a }, backend, buf, shape as Shape, dtype);
}

/**
 * Stacks equally shaped tensors along a new axis.
 *
 * @example
 * ```ts
 * stack([a, b], 0); // [2, ...a.shape]
 * ```
 */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ArgumentError('stack: expected at least one tensor, got none');
  const a = normalizeAxis(axis, xs[0].rank + 1, 'stack');
  return concat(xs.map((t) => unsqueeze(t, a)), a);
}

/**
 * Splits an axis into pieces of the given sizes (views, no copies).
 *
 * @example
 * ```ts
 * const [q, k, v] = split(qkv, [d, d, d], -1);
 * ```
 */
export function split(x: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  const a = normalizeAxis(axis, x.rank, 'split');
  const total = sizes.reduce((p, d) => p + d, 0);
  if (total !== x.shape[a]) throw new ShapeError(`split: sizes ${fmtShape(sizes)} add up to ${total}, but axis ${a} has ${x.shape[a]}`);
  let start = 0;
  return sizes.map((len) => {
    const t = narrow(x, a, start, len);
    start += len;
    return t;
  });
}
