import { type Tensor, arange, softmax, unsqueeze, where, ShapeError, ArgumentError } from '@peft/core';
import { add, cast, composite, eq, gt, matmul, reshape } from '@peft/core/plugin';

/** The value masked attention scores get (float32's lowest finite number, as transformers uses). @example `where(padded, MASKED_SCORE, 0)` */
export const MASKED_SCORE = -3.4028234663852886e38;

/**
 * Options of {@link attentionBias}.
 *
 * @example
 * ```ts
 * const opts: AttentionBiasOptions = { queryLength: 8, pastLength: 0, causal: true, attentionMask: mask };
 * ```
 */
export interface AttentionBiasOptions {
  /** New positions (queries). */
  queryLength: number;
  /** Cached positions before them (keys = past + query). */
  pastLength: number;
  /** Whether a query may only see keys at or before its own position. */
  causal: boolean;
  /** `[batch, past + query]`, 1 = attend, 0 = padding; any dtype. */
  attentionMask?: Tensor;
  /** Where to build the bias when there is no mask to take the backend from. */
  like?: Tensor;
}

/**
 * The additive bias `[batch | 1, 1, query, past + query]` that attention adds to its scores: 0 where
 * a query may attend to a key and {@link MASKED_SCORE} where the key is padding or (causal) in the
 * future. Returns undefined when nothing is masked (no padding mask, not causal, or one query
 * position on a causal model without padding).
 *
 * @example
 * ```ts
 * const bias = attentionBias({ queryLength: s, pastLength: past, causal: true, attentionMask: mask });
 * ```
 */
export function attentionBias(opts: AttentionBiasOptions): Tensor | undefined {
  const { queryLength: q, pastLength: past, causal, attentionMask: mask } = opts;
  const kv = past + q;
  if (mask && (mask.rank !== 2 || mask.shape[1] !== kv)) {
    throw new ShapeError(`attention: expected attention_mask [batch, ${kv}] (${past} cached + ${q} new positions), got [${mask.shape.join(', ')}]`);
  }
  const needCausal = causal && q > 1;
  if (!mask && !needCausal) return undefined;
  const backend = (mask ?? opts.like)?.backend;
  if (!backend) throw new ArgumentError('attentionBias: expected an attention mask or a `like` tensor to take the backend from');
  return composite(() => {
    let blocked: Tensor | undefined;
    if (needCausal) {
      const keyPos = arange(0, kv, 1, { dtype: 'i32', backend });
      const queryPos = arange(past, kv, 1, { dtype: 'i32', backend });
      blocked = reshape(gt(unsqueeze(keyPos, 0), unsqueeze(queryPos, 1)), [1, 1, q, kv]);
    }
    if (mask) {
      const padded = reshape(eq(cast(mask, 'f32'), 0), [mask.shape[0], 1, 1, kv]);
      blocked = blocked ? gt(add(cast(blocked, 'f32'), cast(padded, 'f32')), 0) : padded;
    }
    return where(blocked!, MASKED_SCORE, 0);
  });
}

/**
 * `dropout(softmax(q·kᵀ·scale + bias))·v` over heads, with grouped-query attention: `q` is `[batch, heads,
 * seq, headDim]`, `k` and `v` are `[batch, kvHeads, keys, headDim]` where `heads` is a multiple of
 * `kvHeads` (query head `h` reads key/value head `floor(h / (heads / kvHeads))`, transformers'
 * `repeat_kv` order). Returns `[batch, heads, seq, headDim]`.
 *
 * @example
 * ```ts
 * const ctx = scaledDotProductAttention(q, k, v, { scale: 1 / Math.sqrt(64), bias });
 * ```
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: { scale: number; bias?: Tensor; dropout?: { forward(x: Tensor): Tensor } }): Tensor {
  const [b, h, s, d] = q.shape;
  const kvh = k.shape[1];
  const t = k.shape[2];
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4 || k.shape[3] !== d || v.shape[2] !== t || v.shape[1] !== kvh || h % kvh !== 0) {
    throw new ShapeError(
      `attention: expected q [b, heads, s, d] and k, v [b, kvHeads, t, d] with heads a multiple of kvHeads, got q [${q.shape.join(', ')}], k [${k.shape.join(', ')}], v [${v.shape.join(', ')}]`,
    );
  }
  return composite(() => {
    const rep = h / kvh;
    // the scale goes on q ([s, d] per head), not on the [s, t] scores: one fewer score-sized tensor is
    // kept for the backward
    const qs = opts.scale === 1 ? q : q.mul(opts.scale);
    // group the query heads that share a key/value head: no copy of k and v
    const qg = rep === 1 ? qs : reshape(qs, [b, kvh, rep * s, d]);
    let scores = matmul(qg, k.transpose(-2, -1));
    if (rep !== 1) scores = reshape(scores, [b, h, s, t]);
    if (opts.bias) scores = scores.add(opts.bias);
    let probs = softmax(scores, -1);
    if (opts.dropout) probs = opts.dropout.forward(probs);
    if (rep !== 1) probs = reshape(probs, [b, kvh, rep * s, t]);
    const ctx = matmul(probs, v);
    return rep === 1 ? ctx : reshape(ctx, [b, h, s, d]);
  });
}

/**
 * `[batch, seq, heads·headDim]` → `[batch, heads, seq, headDim]`.
 *
 * @example
 * ```ts
 * const q = splitHeads(linearQ.forward(x), 12);
 * ```
 */
export function splitHeads(x: Tensor, heads: number): Tensor {
  const [b, s, hd] = x.shape;
  return reshape(x, [b, s, heads, hd / heads]).permute([0, 2, 1, 3]);
}

/**
 * `[batch, heads, seq, headDim]` → `[batch, seq, heads·headDim]`.
 *
 * @example
 * ```ts
 * const out = oProj.forward(mergeHeads(ctx));
 * ```
 */
export function mergeHeads(x: Tensor): Tensor {
  const [b, h, s, d] = x.shape;
  return reshape(x.permute([0, 2, 1, 3]), [b, s, h * d]);
}

/**
 * Default position ids `[batch, seq]`: `past, past + 1, …` for every row.
 *
 * @example
 * ```ts
 * const pos = defaultPositionIds(2, 8, 0, ids); // [[0..7], [0..7]]
 * ```
 */
export function defaultPositionIds(batch: number, seq: number, past: number, like: Tensor): Tensor {
  return composite(() => arange(past, past + seq, 1, { dtype: 'i32', backend: like.backend }).reshape([1, seq]).expand([batch, seq]));
}
