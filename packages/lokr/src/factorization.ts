/**
 * Splits `dimension` into two factors `m ≤ n` with `m·n = dimension`, as PEFT's LoKr does:
 *
 * - when `factor > 0` divides `dimension`: `(factor, dimension / factor)` (not reordered);
 * - otherwise the pair of divisors closest to each other whose smaller one does not exceed `factor`
 *   (any size when `factor` is -1, so the pair nearest √dimension), searched upwards from `(1, dimension)`
 *   while the sum `m + n` does not grow. Any other `factor` (0, -2, …) gives `(1, dimension)`.
 *
 * @example
 * ```ts
 * factorization(256);     // [16, 16]
 * factorization(128);     // [8, 16]
 * factorization(127);     // [1, 127]
 * factorization(128, 4);  // [4, 32]
 * ```
 */
export function factorization(dimension: number, factor = -1): [number, number] {
  if (factor > 0 && dimension % factor === 0) return [factor, dimension / factor];
  const limit = factor === -1 ? dimension : factor;
  let [m, n] = [1, dimension];
  const length = m + n;
  while (m < n) {
    let next = m + 1;
    while (dimension % next !== 0) next++;
    const other = dimension / next;
    if (next + other > length || next > limit) break;
    [m, n] = [next, other];
  }
  return m > n ? [n, m] : [m, n];
}

/**
 * How LoKr lays out one `[out, in]` weight change `kron(W1, W2)`: `W1` is `[a, c]` and `W2` is `[b, d]`
 * with `out = a·b` and `in = c·d` (each split by {@link factorization}), and whether each factor is a
 * full matrix (`lokr_w1`, `lokr_w2`) or a rank-r product (`lokr_w1_a·lokr_w1_b`, `lokr_w2_a·lokr_w2_b`).
 * As in PEFT, `W2` is decomposed when `r < max(b, d) / 2`, and `W1` only with `decompose_both` and
 * `r < max(a, c) / 2`.
 *
 * @example
 * ```ts
 * lokrLayout(768, 768, 8, -1, false); // { w1: [24, 24], w2: [32, 32], fullW1: true, fullW2: false }
 * ```
 */
export interface LokrLayout {
  /** `[a, c]`: the shape of `W1`. */
  readonly w1: readonly [number, number];
  /** `[b, d]`: the shape of `W2`. */
  readonly w2: readonly [number, number];
  /** `W1` is one matrix (`lokr_w1`); otherwise `lokr_w1_a` `[a, r]` · `lokr_w1_b` `[r, c]`. */
  readonly fullW1: boolean;
  /** `W2` is one matrix (`lokr_w2`); otherwise `lokr_w2_a` `[b, r]` · `lokr_w2_b` `[r, d]`. */
  readonly fullW2: boolean;
}

/**
 * The {@link LokrLayout} of a dense layer with `outFeatures` × `inFeatures` weight, rank `r`,
 * `decompose_factor` and `decompose_both`.
 *
 * @example
 * ```ts
 * lokrLayout(16, 32, 4); // { w1: [4, 4], w2: [4, 8], fullW1: true, fullW2: true }
 * ```
 */
export function lokrLayout(outFeatures: number, inFeatures: number, r: number, decomposeFactor = -1, decomposeBoth = false): LokrLayout {
  const [inM, inN] = factorization(inFeatures, decomposeFactor);
  const [outL, outK] = factorization(outFeatures, decomposeFactor);
  return {
    w1: [outL, inM],
    w2: [outK, inN],
    fullW1: !(decomposeBoth && r < Math.max(outL, inM) / 2),
    fullW2: !(r < Math.max(outK, inN) / 2),
  };
}
