import { customFunction } from '../autograd/custom-function.js';
import { isFloat } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { logSoftmax, softmax } from './activation.js';
import { arange } from './creation.js';
import { add, cast, div, mul, ne, neg, sub, where } from './elementwise.js';
import { gather, scatterAdd } from './indexing.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { concat, narrow, reshape, transpose, unsqueeze } from './views.js';

/**
 * Options of {@link linearCrossEntropy}.
 *
 * @example
 * ```ts
 * const opts: LinearCrossEntropyOptions = { ignoreIndex: -100, chunkSize: 256 };
 * ```
 */
export interface LinearCrossEntropyOptions {
  /** Targets equal to this are skipped (default -100, as PyTorch). */
  ignoreIndex?: number;
  /**
   * Rows of `hidden` per chunk: the largest logits tensor that exists at once is `[chunkSize, vocab]`.
   * Default: as many rows as keep a chunk's logits near 2²² elements (16 MiB of f32), at least 1.
   */
  chunkSize?: number;
}

/** Elements of one chunk's logits under the default chunk size. */
const DEFAULT_CHUNK_ELEMENTS = 1 << 22;

/**
 * The default number of rows per chunk of {@link linearCrossEntropy} for a vocabulary of `vocab`
 * classes: about 2²² logits per chunk, at least one row.
 *
 * @example
 * ```ts
 * defaultCrossEntropyChunk(50257); // 83
 * ```
 */
export function defaultCrossEntropyChunk(vocab: number): number {
  return Math.max(1, Math.floor(DEFAULT_CHUNK_ELEMENTS / Math.max(1, vocab)));
}

/**
 * The mean cross-entropy of the logits `hidden · weightᵀ (+ bias)` against `targets`, computed in
 * chunks of rows so that the `[rows, vocab]` logits never exist at once: the loss of a language
 * model's head without its full logits (what makes vocabularies of 50k–150k tokens fit).
 *
 * It equals `crossEntropy(linear(hidden, weight, bias), targets, { ignoreIndex })` (mean over the
 * targets that are not `ignoreIndex`; NaN when all are ignored, as PyTorch), up to float32 rounding
 * of the different summation order: relative differences of about 1e-6 in the loss and gradients.
 *
 * Forward: for each chunk of `chunkSize` rows, the chunk's logits `[c, vocab]`, their log-softmax
 * and the target's entry; the chunk's summed loss is kept and the rest freed. Nothing but the
 * inputs is kept for backward.
 *
 * Backward (a {@link customFunction}): with `g` the loss's gradient, `n` the number of kept targets
 * and `s_r = g / n` on kept rows (0 on ignored ones), each chunk's logits are recomputed and
 * `dZ = (softmax(Z) − onehot(target)) · s` gives
 * - `dHidden[chunk] = dZ · weight` (the chunks are concatenated),
 * - `dWeight = Σ_chunks dZᵀ · hidden[chunk]`, only when `weight.requiresGrad` (a frozen head
 *   computes no weight gradient),
 * - `dBias = Σ_chunks Σ_rows dZ`, only when `bias.requiresGrad`.
 *
 * The one-hot part is never built as a `[c, vocab]` tensor: it contributes `s_r · weight[target_r]`
 * to `dHidden` (gathered rows) and `s_r · hidden_r` to row `target_r` of `dWeight` (scattered rows),
 * so a chunk needs two `[c, vocab]` temporaries at a time (the logits and their softmax).
 *
 * Peak memory is O(chunkSize · vocab + vocab · hidden) instead of O(rows · vocab). A weight tied to
 * an embedding receives this gradient through the graph like any other use of the parameter.
 *
 * @param hidden `[rows, hidden]` float.
 * @param weight `[vocab, hidden]`, the head's weight (as `Linear` stores it).
 * @param targets `[rows]` i32 or u32 class ids.
 * @param bias optional `[vocab]`.
 * @example
 * ```ts
 * // a causal LM's training loss from its last hidden states, without [tokens, vocab] logits
 * const loss = linearCrossEntropy(hidden.reshape([-1, d]), lmHead.weight, labels.reshape([-1]), null, { chunkSize: 128 });
 * loss.backward();
 * ```
 */
export function linearCrossEntropy(hidden: Tensor, weight: Tensor, targets: Tensor, bias?: Tensor | null, opts?: LinearCrossEntropyOptions): Tensor {
  const name = 'linearCrossEntropy';
  if (!isFloat(hidden.dtype)) throw new DTypeError(`${name}: expected float hidden states, got ${hidden.dtype}`);
  if (targets.dtype !== 'i32' && targets.dtype !== 'u32') throw new DTypeError(`${name}: expected i32 or u32 targets, got ${targets.dtype}`);
  if (!isFloat(weight.dtype)) throw new DTypeError(`${name}: expected a float weight (any width), got ${weight.dtype}`);
  if (hidden.rank !== 2 || weight.rank !== 2 || weight.shape[1] !== hidden.shape[1]) {
    throw new ShapeError(`${name}: expected hidden [rows, d] and weight [vocab, d], got ${fmtShape(hidden.shape)} and ${fmtShape(weight.shape)}`);
  }
  const [rows] = hidden.shape;
  const vocab = weight.shape[0];
  if (targets.rank !== 1 || targets.shape[0] !== rows) throw new ShapeError(`${name}: expected targets of shape [${rows}] for hidden ${fmtShape(hidden.shape)}, got ${fmtShape(targets.shape)}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== vocab || !isFloat(bias.dtype))) {
    throw new ShapeError(`${name}: expected a float bias of shape [${vocab}], got ${fmtShape(bias.shape)} ${bias.dtype}`);
  }
  const chunk = opts?.chunkSize ?? defaultCrossEntropyChunk(vocab);
  if (!Number.isInteger(chunk) || chunk < 1) throw new ArgumentError(`${name}: expected chunkSize to be a positive integer, got ${chunk}`);
  const ignore = opts?.ignoreIndex ?? -100;
  const starts: number[] = [];
  for (let s = 0; s < rows; s += chunk) starts.push(s);
  const inputs = bias ? [hidden, weight, targets, bias] : [hidden, weight, targets];

  /** Rows `start … start + c` of `hidden · weightᵀ (+ bias)`: one chunk's logits `[c, vocab]`. */
  const logitsOf = (h: Tensor, w: Tensor, b: Tensor | undefined, start: number, c: number): Tensor => {
    const z = matmul(narrow(h, 0, start, c), transpose(w, 0, 1));
    if (!b) return z;
    const zb = add(z, b);
    z.dispose();
    return zb;
  };
  /** The targets as i32, which of them count, and the targets with the ignored ones set to class 0. */
  const targetsOf = (t: Tensor) => {
    const t32 = t.dtype === 'u32' ? cast(t, 'i32') : t;
    const valid = ne(t32, ignore);
    return { valid, safe: where(valid, t32, 0) };
  };

  return customFunction(
    name,
    inputs,
    (h, w, t, b) => {
      const { valid, safe } = targetsOf(t);
      let total: Tensor | null = null;
      for (const start of starts) {
        const c = Math.min(chunk, rows - start);
        const part = tidy(() => {
          const z = logitsOf(h, w, b, start, c);
          const logp = logSoftmax(z, -1);
          z.dispose();
          // entry (r, target_r) of the chunk's log-probabilities, 0 on ignored rows
          const idx = add(mul(arange(c, undefined, 1, { dtype: 'i32', backend: h.backend }), vocab), narrow(safe, 0, start, c));
          const nll = where(narrow(valid, 0, start, c), neg(gather(reshape(logp, [c * vocab]), idx, 0)), 0);
          return total ? add(total, sum(nll)) : sum(nll);
        });
        total?.dispose();
        total = part;
      }
      const count = sum(cast(valid, h.dtype));
      return div(total ?? mul(count, 0), count);
    },
    (g, [h, w, t, b]) => {
      const { valid: validAll, safe: safeAll } = targetsOf(t);
      const scaleAll = where(validAll, div(g, sum(cast(validAll, h.dtype))), 0);
      // the one-hot parts of the weight and bias gradients, scattered once: −Σ_r s_r·hidden_r and −Σ_r s_r into row target_r
      let dWeight: Tensor | null = w.requiresGrad ? tidy(() => neg(scatterAdd(mul(h, unsqueeze(scaleAll, 1)), safeAll, 0, vocab))) : null;
      let dBias: Tensor | null = b?.requiresGrad ? tidy(() => neg(scatterAdd(scaleAll, safeAll, 0, vocab))) : null;
      const dHidden: Tensor[] = [];
      for (const start of starts) {
        const c = Math.min(chunk, rows - start);
        const parts = tidy(() => {
          const z = logitsOf(h, w, b, start, c);
          const scale = unsqueeze(narrow(scaleAll, 0, start, c), 1);
          const p = softmax(z, -1);
          z.dispose();
          const ps = mul(p, scale);
          p.dispose();
          return {
            // the one-hot part of dHidden: s_r · weight[target_r]
            dh: h.requiresGrad ? sub(matmul(ps, w), mul(gather(w, narrow(safeAll, 0, start, c), 0), scale)) : null,
            dw: dWeight ? add(dWeight, matmul(transpose(ps, 0, 1), narrow(h, 0, start, c))) : null,
            db: dBias ? add(dBias, sum(ps, 0)) : null,
          };
        });
        if (parts.dh) dHidden.push(parts.dh);
        if (parts.dw) {
          dWeight?.dispose();
          dWeight = parts.dw;
        }
        if (parts.db) {
          dBias?.dispose();
          dBias = parts.db;
        }
      }
      const dh = !h.requiresGrad ? null : dHidden.length === 1 ? dHidden[0] : concat(dHidden, 0);
      return b ? [dh, dWeight, null, dBias] : [dh, dWeight, null];
    },
  );
}
