import { Embedding, Linear, Module, type LayerOptions, type Tensor } from '@peft/core';
import { type KVCache, composite } from '@peft/core/plugin';
import { mergeHeads, scaledDotProductAttention, splitHeads } from '../attention.js';
import type { T5Config } from './config.js';

/**
 * What one T5 attention call needs besides its input: the additive bias over its keys (relative
 * position bias and padding / causal mask together, as transformers' `position_bias`), the layer's
 * cache, and for cross-attention the encoder output its keys and values come from.
 *
 * @example
 * ```ts
 * const ctx: T5AttentionContext = { bias, cache: undefined };
 * ```
 */
export interface T5AttentionContext {
  /** `[batch | 1, heads, queries, keys]` added to the scores (undefined: nothing). */
  readonly bias: Tensor | undefined;
  /**
   * Self-attention: earlier positions' keys and values (a prefix, or generation's cache), extended
   * with this call's. Cross-attention: the encoder's projected keys and values, computed on the first
   * call and reused after.
   */
  readonly cache: KVCache | undefined;
  /** Cross-attention only: the encoder's last hidden state `[batch, encoderSeq, dModel]`. */
  readonly keyValueStates?: Tensor;
}

/**
 * T5's multi-head attention (transformers' `T5Attention`): `q`, `k`, `v`, `o` projections without
 * bias, inner size `numHeads · dKv`, and **no** `1/sqrt(dKv)` scaling of the scores (T5 folds it into
 * the initialisation). The layer that owns `relative_attention_bias` (`[numBuckets, heads]`, the
 * first of each stack) provides the position bias every layer of its stack adds.
 *
 * @example
 * ```ts
 * const attn = new T5Attention(config, { hasRelativeAttentionBias: true, layerIdx: 0 });
 * const y = attn.forward(h, { bias, cache: undefined }); // [batch, seq, dModel]
 * ```
 */
export class T5Attention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly relative_attention_bias: Embedding | null = null;
  readonly layerIdx: number;

  constructor(
    readonly config: T5Config,
    opts: LayerOptions & { hasRelativeAttentionBias: boolean; layerIdx: number },
  ) {
    super();
    const { dModel: d, numHeads: h, dKv } = config;
    const make = { dtype: opts.dtype, backend: opts.backend, generator: opts.generator, skipInit: opts.skipInit, bias: false };
    this.q = this.registerModule('q', new Linear(d, h * dKv, make));
    this.k = this.registerModule('k', new Linear(d, h * dKv, make));
    this.v = this.registerModule('v', new Linear(d, h * dKv, make));
    this.o = this.registerModule('o', new Linear(h * dKv, d, make));
    this.layerIdx = opts.layerIdx;
    if (opts.hasRelativeAttentionBias) {
      this.relative_attention_bias = this.registerModule(
        'relative_attention_bias',
        new Embedding(config.relativeAttentionNumBuckets, h, { dtype: opts.dtype, backend: opts.backend, generator: opts.generator, skipInit: opts.skipInit }),
      );
    }
  }

  /** `[batch, seq, dModel]` → `[batch, seq, dModel]`. @example `attn.forward(h, ctx)` */
  forward(x: Tensor, ctx: T5AttentionContext): Tensor {
    return composite(() => {
      const heads = this.config.numHeads;
      const q = splitHeads(this.q.forward(x), heads);
      let k: Tensor;
      let v: Tensor;
      if (ctx.keyValueStates) {
        const cached = ctx.cache?.layer(this.layerIdx);
        if (cached) {
          ({ key: k, value: v } = cached);
        } else {
          k = splitHeads(this.k.forward(ctx.keyValueStates), heads);
          v = splitHeads(this.v.forward(ctx.keyValueStates), heads);
          if (ctx.cache) ({ key: k, value: v } = ctx.cache.update(this.layerIdx, k, v));
        }
      } else {
        k = splitHeads(this.k.forward(x), heads);
        v = splitHeads(this.v.forward(x), heads);
        if (ctx.cache) ({ key: k, value: v } = ctx.cache.update(this.layerIdx, k, v));
      }
      return this.o.forward(mergeHeads(scaledDotProductAttention(q, k, v, { scale: 1, bias: ctx.bias })));
    });
  }
}
