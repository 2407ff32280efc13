import { ArgumentError, ShapeError, fmtShape } from './errors.js';

/**
 * A tensor shape: sizes of each axis, outermost first. `[]` is a scalar.
 *
 * @example
 * ```ts
 * const s: Shape = [2, 3];
 * ```
 */
export type Shape = readonly number[];

/**
 * Number of elements in a shape (1 for a scalar).
 *
 * @example
 * ```ts
 * shapeSize([2, 3]); // 6
 * ```
 */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Row-major strides for a shape, in elements.
 *
 * @example
 * ```ts
 * contiguousStrides([2, 3, 4]); // [12, 4, 1]
 * ```
 */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * True when a view with these strides walks memory in row-major order with no gaps. Axes of size 1
 * may carry any stride.
 *
 * @example
 * ```ts
 * isContiguous([2, 3], [3, 1]); // true
 * isContiguous([2, 3], [1, 2]); // false
 * ```
 */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

/**
 * Checks that a shape is made of non-negative integers.
 *
 * @example
 * ```ts
 * checkShape([2, 3], 'zeros');
 * ```
 */
export function checkShape(shape: Shape, op: string): void {
  if (!Array.isArray(shape)) throw new ArgumentError(`${op}: expected a shape (array of sizes), got ${typeof shape}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ArgumentError(`${op}: expected non-negative integer sizes, got ${fmtShape(shape)}`);
    }
  }
}

/**
 * The shape two operands broadcast to, with NumPy rules (align right, sizes equal or 1).
 *
 * @example
 * ```ts
 * broadcastShapes([2, 1, 4], [3, 1], 'add'); // [2, 3, 4]
 * ```
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (axis ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Resolves a possibly negative axis against a rank.
 *
 * @example
 * ```ts
 * normalizeAxis(-1, 3, 'softmax'); // 2
 * ```
 */
export function normalizeAxis(axis: number, rank: number, op: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new ArgumentError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Resolves a list of axes (or all axes when undefined), sorted and de-duplicated.
 *
 * @example
 * ```ts
 * normalizeAxes([-1, 0], 3, 'sum'); // [0, 2]
 * ```
 */
export function normalizeAxes(axes: number | readonly number[] | undefined, rank: number, op: string): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normalizeAxis(a, rank, op)))];
  return out.sort((x, y) => x - y);
}

/**
 * True when two shapes are equal.
 *
 * @example
 * ```ts
 * shapesEqual([2, 3], [2, 3]); // true
 * ```
 */
export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Strides that let a view with `shape`/`strides` be read as `target` (same element count) without a
 * copy, or null when its memory layout does not allow it (then reshape must copy). Works chunk by
 * chunk: runs of source axes that are contiguous with each other can be split or merged freely;
 * nothing may straddle two runs. Size-1 axes never constrain the layout.
 *
 * @example
 * ```ts
 * viewStrides([4, 3], [1, 4], [4, 3, 1]); // [1, 4, 4]: a transposed matrix gains a unit axis as a view
 * viewStrides([4, 3], [1, 4], [12]);      // null: flattening a transpose needs a copy
 * ```
 */
export function viewStrides(shape: Shape, strides: readonly number[], target: Shape): number[] | null {
  if (shapeSize(shape) !== shapeSize(target)) return null;
  if (shapeSize(target) === 0) return contiguousStrides(target);
  const dims: number[] = [];
  const st: number[] = [];
  shape.forEach((d, i) => {
    if (d !== 1) {
      dims.push(d);
      st.push(strides[i]);
    }
  });
  const out = new Array<number>(target.length);
  let j = target.length - 1;
  let i = dims.length - 1;
  while (i >= 0) {
    // the run of source axes first..i that walk memory as one block
    let first = i;
    let run = dims[i];
    while (first > 0 && st[first - 1] === st[first] * dims[first]) {
      first--;
      run *= dims[first];
    }
    const base = st[i];
    let covered = 1;
    while (j >= 0 && (covered < run || target[j] === 1)) {
      out[j] = base * covered;
      covered *= target[j];
      j--;
    }
    if (covered !== run) return null;
    i = first - 1;
  }
  for (; j >= 0; j--) {
    if (target[j] !== 1) return null;
    out[j] = 1;
  }
  return out;
}
