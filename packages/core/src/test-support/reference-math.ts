/**
 * The error function in float64 from its Maclaurin series (accurate to ~1e-12 for |x| <= 5; the
 * value is ±1 to double precision beyond 6). Independent of the library's own erf approximation.
 *
 * @example
 * ```ts
 * erf64(1); // 0.8427007929497149
 * ```
 */
export function erf64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a > 6) return Math.sign(x);
  let term = a;
  let sum = a;
  for (let n = 1; n < 200; n++) {
    term *= (-a * a) / n;
    const t = term / (2 * n + 1);
    sum += t;
    if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
  }
  return Math.sign(x) * Math.min(1, (2 / Math.sqrt(Math.PI)) * sum);
}

/**
 * GELU references in float64: `'none'` is x·Φ(x), `'tanh'` GPT-2's approximation.
 *
 * @example
 * ```ts
 * gelu64(1, 'none'); // 0.8413447460685429
 * ```
 */
export function gelu64(x: number, approximate: 'none' | 'tanh' = 'none'): number {
  if (approximate === 'tanh') return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  return 0.5 * x * (1 + erf64(x / Math.SQRT2));
}

/**
 * Applies `f` to each row of a row-major `[rows, n]` array (a reference for ops along the last axis).
 *
 * @example
 * ```ts
 * rowwise(values, 5, (row) => row.map((v) => v / 2));
 * ```
 */
export function rowwise(values: ArrayLike<number>, n: number, f: (row: number[]) => number[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let r = 0; r * n < values.length; r++) {
    const row = Array.from({ length: n }, (_, j) => values[r * n + j]);
    out.set(f(row), r * n);
  }
  return out;
}

/**
 * Reduces a row-major array over some axes in float64 (kept axes stay in order), the reference of
 * every reduction test.
 *
 * @example
 * ```ts
 * reduceAxes(values, [2, 3], [1], (xs) => xs.reduce((a, b) => a + b, 0)); // row sums
 * ```
 */
export function reduceAxes(
  values: ArrayLike<number>,
  shape: readonly number[],
  axes: readonly number[],
  f: (xs: number[]) => number,
): Float64Array {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outSize = kept.reduce((p, i) => p * shape[i], 1);
  const groups: number[][] = Array.from({ length: outSize }, () => []);
  for (let flat = 0; flat < values.length; flat++) {
    let o = 0;
    for (const i of kept) o = o * shape[i] + (Math.floor(flat / strides[i]) % shape[i]);
    groups[o].push(values[flat]);
  }
  return Float64Array.from(groups, f);
}

/**
 * Reference matrix product in float64: `[batch, m, k] @ [batch, k, n]` over flat row-major arrays.
 *
 * @example
 * ```ts
 * matmul64(a, b, 1, 2, 3, 4);
 * ```
 */
export function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, batch: number, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[t * m * k + i * k + p] * b[t * k * n + p * n + j];
        out[t * m * n + i * n + j] = s;
      }
    }
  }
  return out;
}

/**
 * Reads a row-major array at a broadcast index: the value `values` (of `shape`) contributes to
 * element `flat` of an output of `outShape`.
 *
 * @example
 * ```ts
 * broadcastAt([1, 2, 3], [3], [2, 3], 4); // 2
 * ```
 */
export function broadcastAt(values: ArrayLike<number>, shape: readonly number[], outShape: readonly number[], flat: number): number {
  const lead = outShape.length - shape.length;
  let idx = 0;
  let rest = flat;
  const coords = new Array<number>(outShape.length);
  for (let i = outShape.length - 1; i >= 0; i--) {
    coords[i] = rest % outShape[i];
    rest = Math.floor(rest / outShape[i]);
  }
  for (let i = 0; i < shape.length; i++) idx = idx * shape[i] + (shape[i] === 1 ? 0 : coords[i + lead]);
  return values[idx];
}

/**
 * Elementwise reference of a broadcasting binary op in float64.
 *
 * @example
 * ```ts
 * broadcast2([1, 2], [2], [10], [1], [2], (a, b) => a + b); // [11, 12]
 * ```
 */
export function broadcast2(
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
  outShape: readonly number[],
  f: (x: number, y: number) => number,
): Float64Array {
  const n = outShape.reduce((p, d) => p * d, 1);
  return Float64Array.from({ length: n }, (_, i) => f(broadcastAt(a, aShape, outShape, i), broadcastAt(b, bShape, outShape, i)));
}
