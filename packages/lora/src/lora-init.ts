import { ConfigError, type DType, type Generator, Linear, noGrad, randn, tidy, type Backend } from '@peft/core';
import { qr, svd } from '@peft/core/plugin';
import type { InitLoraWeights } from './init-lora-weights.js';

/**
 * Where new adapter tensors go: the base weight's backend and dtype, and the randomness to draw from.
 *
 * @example
 * ```ts
 * const make: MakeOptions = { backend: w.backend, dtype: adapterDType(w.dtype), generator: ctx.generator };
 * ```
 */
export interface MakeOptions {
  readonly backend: Backend;
  readonly dtype: DType;
  readonly generator?: Generator;
}

/**
 * A LoRA adapter's `lora_A` (`in → r`, no bias) and `lora_B` (`r → out`, bias only with
 * `lora_bias`) as initialised by `init_lora_weights` before any base-weight-based step:
 * `true` → A Kaiming-uniform (a = √5), B zeros; `'gaussian'` → A ~ N(0, (1/r)²), B zeros; `false`
 * (and PiSSA / OLoRA, until their asynchronous step) → both keep `nn.Linear`'s default.
 *
 * @example
 * ```ts
 * const { a, b } = makeLoraPair(768, 2304, 8, true, false, make); // b.weight is all zeros
 * ```
 */
export function makeLoraPair(
  inFeatures: number,
  outFeatures: number,
  r: number,
  init: InitLoraWeights,
  loraBias: boolean,
  make: MakeOptions,
): { a: Linear; b: Linear } {
  const zeroB = init === true || init === 'gaussian';
  const a = new Linear(inFeatures, r, { bias: false, ...make, skipInit: init === 'gaussian' });
  if (init === 'gaussian') {
    const w = a.weight;
    noGrad(() => tidy(() => void w.assign(randn([r, inFeatures], { ...make, std: 1 / r }))));
  }
  const b = new Linear(r, outFeatures, { bias: loraBias, ...make, skipInit: zeroB });
  return { a, b };
}

/**
 * A and B computed from the base weight, and the weight that remains: `residual = W − scaling·B·A`,
 * all row-major float64 in the `[out, in]` orientation.
 *
 * @example
 * ```ts
 * const { a, b, residual } = pissaFactors(w, out, inp, 4, 2);
 * ```
 */
export interface LowRankFactors {
  /** `[r, in]`. */
  readonly a: Float64Array;
  /** `[out, r]`. */
  readonly b: Float64Array;
  /** `[out, in]`. */
  readonly residual: Float64Array;
}

function checkRank(method: string, r: number, rows: number, cols: number): void {
  const k = Math.min(rows, cols);
  if (r > k) {
    throw new ConfigError(`lora: init_lora_weights="${method}" needs r ≤ min(out, in) = ${k} for a ${rows}×${cols} weight, got r = ${r}`);
  }
}

/** `w − scaling·b·a` for `w` [rows, cols], `b` [rows, r], `a` [r, cols]. */
function residualOf(w: Float64Array, rows: number, cols: number, b: Float64Array, a: Float64Array, r: number, scaling: number): Float64Array {
  const out = Float64Array.from(w);
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < r; t++) {
      const bit = scaling * b[i * r + t];
      if (bit === 0) continue;
      for (let j = 0; j < cols; j++) out[i * cols + j] -= bit * a[t * cols + j];
    }
  }
  return out;
}

/**
 * PiSSA (Hugging Face PEFT's `pissa_init`): with `W = U·diag(S)·Vh`, keep the top `r` triplets,
 * divide their singular values by `scaling`, and split them evenly:
 * `A = diag(√Sᵣ)·Vhᵣ`, `B = Uᵣ·diag(√Sᵣ)`, so `scaling·B·A` is the best rank-r part of W and
 * `residual` the rest. The exact SVD is used for `pissa_niter_<k>` too (Hugging Face uses a randomized
 * SVD there, which approximates the same factors).
 *
 * @example
 * ```ts
 * const { a, b, residual } = pissaFactors(w, 16, 32, 4, 2); // a: 4×32, b: 16×4, residual: 16×32
 * ```
 */
export function pissaFactors(w: Float64Array, rows: number, cols: number, r: number, scaling: number): LowRankFactors {
  checkRank('pissa', r, rows, cols);
  const { u, s, vt, k } = svd(w, rows, cols);
  const root = Array.from({ length: r }, (_, t) => Math.sqrt(s[t] / scaling));
  const a = new Float64Array(r * cols);
  for (let t = 0; t < r; t++) for (let j = 0; j < cols; j++) a[t * cols + j] = root[t] * vt[t * cols + j];
  const b = new Float64Array(rows * r);
  for (let i = 0; i < rows; i++) for (let t = 0; t < r; t++) b[i * r + t] = u[i * k + t] * root[t];
  return { a, b, residual: residualOf(w, rows, cols, b, a, r, scaling) };
}

/**
 * OLoRA (Hugging Face PEFT's `olora_init`): with `W = Q·R` (reduced QR), `A = R[:r]` and
 * `B = Q[:, :r]`, and `residual = W − scaling·B·A`.
 *
 * @example
 * ```ts
 * const { a, b, residual } = oloraFactors(w, 16, 32, 4, 2);
 * ```
 */
export function oloraFactors(w: Float64Array, rows: number, cols: number, r: number, scaling: number): LowRankFactors {
  checkRank('olora', r, rows, cols);
  const { q, r: rr, k } = qr(w, rows, cols);
  const a = rr.slice(0, r * cols);
  const b = new Float64Array(rows * r);
  for (let i = 0; i < rows; i++) for (let t = 0; t < r; t++) b[i * r + t] = q[i * k + t];
  return { a, b, residual: residualOf(w, rows, cols, b, a, r, scaling) };
}

/**
 * The factors for a base-weight-based init value (`'pissa'`, `'pissa_niter_<k>'`, `'olora'`).
 *
 * @example
 * ```ts
 * const f = baseWeightFactors('olora', w, out, inp, r, scaling);
 * ```
 */
export function baseWeightFactors(init: InitLoraWeights, w: Float64Array, rows: number, cols: number, r: number, scaling: number): LowRankFactors {
  if (init === 'olora') return oloraFactors(w, rows, cols, r, scaling);
  if (typeof init === 'string' && init.startsWith('pissa')) return pissaFactors(w, rows, cols, r, scaling);
  throw new ConfigError(`lora: init_lora_weights=${JSON.stringify(init)} does not build A and B from the base weight`);
}

/**
 * Transposes a row-major `rows × cols` matrix.
 *
 * @example
 * ```ts
 * transposeHost(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3); // [1, 4, 2, 5, 3, 6]
 * ```
 */
export function transposeHost(m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j];
  return out;
}
