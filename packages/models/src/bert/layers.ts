import {
  ArgumentError,
  Dropout,
  Embedding,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  zeros,
  type LayerOptions,
  type ModelInputs,
  type Tensor,
} from '@peft/core';
import { type KVCache, composite, tanh } from '@peft/core/plugin';
import { applyActivation } from '../activation.js';
import { defaultPositionIds, mergeHeads, scaledDotProductAttention, splitHeads } from '../attention.js';
import { embedInputs } from '../embed-inputs.js';
import { forwardLayers } from '../forward-layers.js';
import type { BertConfig } from './config.js';

/**
 * Per-forward state every layer shares: the additive padding bias over `[prefix + tokens]` keys and
 * the cache holding a prefix (prefix tuning), if any.
 *
 * @example
 * ```ts
 * const ctx: BertLayerContext = { bias: attentionBias({ queryLength: s, pastLength: 0, causal: false, attentionMask }), cache: undefined };
 * ```
 */
export interface BertLayerContext {
  readonly bias: Tensor | undefined;
  readonly cache: KVCache | undefined;
}

/**
 * Word, position and token-type embeddings summed, then layer norm and dropout (transformers'
 * `BertEmbeddings`). Positions default to `past, past + 1, …` and token types to zeros.
 *
 * @example
 * ```ts
 * const h = new BertEmbeddings(config).forward({ inputIds }, 0); // [batch, seq, hidden]
 * ```
 */
export class BertEmbeddings extends Module {
  readonly word_embeddings: Embedding;
  readonly position_embeddings: Embedding;
  readonly token_type_embeddings: Embedding;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(
    readonly config: BertConfig,
    opts: LayerOptions = {},
  ) {
    super();
    const d = config.hiddenSize;
    this.word_embeddings = this.registerModule('word_embeddings', new Embedding(config.vocabSize, d, { ...opts, paddingIdx: config.padTokenId }));
    this.position_embeddings = this.registerModule('position_embeddings', new Embedding(config.maxPositionEmbeddings, d, opts));
    this.token_type_embeddings = this.registerModule('token_type_embeddings', new Embedding(config.typeVocabSize, d, opts));
    this.LayerNorm = this.registerModule('LayerNorm', new LayerNorm(d, { ...opts, eps: config.layerNormEps }));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb));
  }

  /** `[batch, seq, hidden]` for the inputs, placed after `past` cached positions. @example `emb.forward({ inputIds }, 0)` */
  forward(inputs: ModelInputs, past: number): Tensor {
    return composite(() => {
      const embeds = embedInputs('BertModel', this.word_embeddings, inputs);
      const [b, s] = embeds.shape;
      if (!inputs.positionIds && past + s > this.config.maxPositionEmbeddings) {
        throw new ArgumentError(
          `BertModel: ${past} cached + ${s} new positions exceed max_position_embeddings ${this.config.maxPositionEmbeddings}`,
        );
      }
      const tokenTypes = inputs.tokenTypeIds ?? zeros([b, s], { dtype: 'i32', backend: embeds.backend });
      const positions = inputs.positionIds ?? defaultPositionIds(b, s, past, embeds);
      const h = embeds.add(this.token_type_embeddings.forward(tokenTypes)).add(this.position_embeddings.forward(positions));
      return this.dropout.forward(this.LayerNorm.forward(h));
    });
  }
}

/**
 * Bidirectional multi-head self-attention with separate `query`, `key`, `value` projections; a
 * cached prefix is prepended to the keys and values through `cache.update`.
 *
 * @example
 * ```ts
 * const attn = new BertSelfAttention(config, 0);
 * const ctx = attn.forward(h, { bias: undefined, cache: undefined }); // [batch, seq, hidden]
 * ```
 */
export class BertSelfAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly dropout: Dropout;

  constructor(
    readonly config: BertConfig,
    readonly layerIdx: number,
    opts: LayerOptions = {},
  ) {
    super();
    const d = config.hiddenSize;
    this.query = this.registerModule('query', new Linear(d, d, opts));
    this.key = this.registerModule('key', new Linear(d, d, opts));
    this.value = this.registerModule('value', new Linear(d, d, opts));
    this.dropout = this.registerModule('dropout', new Dropout(config.attentionProbsDropoutProb));
  }

  /** The attended values, heads merged: `[batch, seq, hidden]`. @example `attn.forward(h, ctx)` */
  forward(h: Tensor, ctx: BertLayerContext): Tensor {
    return composite(() => {
      const heads = this.config.numAttentionHeads;
      const q = splitHeads(this.query.forward(h), heads);
      let k = splitHeads(this.key.forward(h), heads);
      let v = splitHeads(this.value.forward(h), heads);
      if (ctx.cache) ({ key: k, value: v } = ctx.cache.update(this.layerIdx, k, v));
      const scale = 1 / Math.sqrt(this.config.hiddenSize / heads);
      return mergeHeads(scaledDotProductAttention(q, k, v, { scale, bias: ctx.bias, dropout: this.dropout }));
    });
  }
}

/**
 * The post-norm residual step BERT uses after attention and after the feed-forward block:
 * `LayerNorm(dropout(dense(x)) + residual)` (transformers' `BertSelfOutput` and `BertOutput`).
 *
 * @example
 * ```ts
 * const out = new BertResidualOutput(config, 64); // BertOutput: intermediate 64 -> hidden
 * const h2 = out.forward(mlpHidden, h);
 * ```
 */
export class BertResidualOutput extends Module {
  readonly dense: Linear;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: BertConfig, inFeatures: number, opts: LayerOptions = {}) {
    super();
    this.dense = this.registerModule('dense', new Linear(inFeatures, config.hiddenSize, opts));
    this.LayerNorm = this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, { ...opts, eps: config.layerNormEps }));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb));
  }

  /** @example `out.forward(x, residual)` */
  forward(x: Tensor, residual: Tensor): Tensor {
    return composite(() => this.LayerNorm.forward(this.dropout.forward(this.dense.forward(x)).add(residual)));
  }
}

/**
 * Self-attention followed by its output projection and residual norm (transformers' `BertAttention`,
 * children `self` and `output`).
 *
 * @example
 * ```ts
 * const h2 = new BertAttention(config, 0).forward(h, ctx);
 * ```
 */
export class BertAttention extends Module {
  readonly self: BertSelfAttention;
  readonly output: BertResidualOutput;

  constructor(config: BertConfig, layerIdx: number, opts: LayerOptions = {}) {
    super();
    this.self = this.registerModule('self', new BertSelfAttention(config, layerIdx, opts));
    this.output = this.registerModule('output', new BertResidualOutput(config, config.hiddenSize, opts));
  }

  /** @example `attention.forward(h, ctx)` */
  forward(h: Tensor, ctx: BertLayerContext): Tensor {
    return composite(() => this.output.forward(this.self.forward(h, ctx), h));
  }
}

/**
 * The feed-forward expansion `act(dense(x))` (transformers' `BertIntermediate`).
 *
 * @example
 * ```ts
 * const y = new BertIntermediate(config).forward(x); // [..., intermediate_size]
 * ```
 */
export class BertIntermediate extends Module {
  readonly dense: Linear;

  constructor(
    readonly config: BertConfig,
    opts: LayerOptions = {},
  ) {
    super();
    this.dense = this.registerModule('dense', new Linear(config.hiddenSize, config.intermediateSize, opts));
  }

  /** @example `intermediate.forward(x)` */
  forward(x: Tensor): Tensor {
    return composite(() => applyActivation(this.config.hiddenAct, this.dense.forward(x)));
  }
}

/**
 * One encoder layer: attention, then the feed-forward block, each with a post-norm residual.
 *
 * @example
 * ```ts
 * const layer = new BertLayer(config, 0);
 * h = layer.forward(h, ctx);
 * ```
 */
export class BertLayer extends Module {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertResidualOutput;

  constructor(config: BertConfig, layerIdx: number, opts: LayerOptions = {}) {
    super();
    this.attention = this.registerModule('attention', new BertAttention(config, layerIdx, opts));
    this.intermediate = this.registerModule('intermediate', new BertIntermediate(config, opts));
    this.output = this.registerModule('output', new BertResidualOutput(config, config.intermediateSize, opts));
  }

  /** @example `layer.forward(h, ctx)` */
  forward(h: Tensor, ctx: BertLayerContext): Tensor {
    return composite(() => {
      const a = this.attention.forward(h, ctx);
      return this.output.forward(this.intermediate.forward(a), a);
    });
  }
}

/**
 * The stack of encoder layers (transformers' `BertEncoder`, child list `layer`).
 *
 * @example
 * ```ts
 * const h = new BertEncoder(config).forward(embeddings, ctx);
 * ```
 */
export class BertEncoder extends Module {
  readonly layer: ModuleList<BertLayer>;
  /** Layers run under gradient checkpointing when gradients are recorded (see `setGradientCheckpointing`). */
  gradientCheckpointing = false;
  /** @internal Marks this body for `setGradientCheckpointing`. */
  readonly supportsGradientCheckpointing = true as const;

  constructor(config: BertConfig, opts: LayerOptions = {}) {
    super();
    this.layer = this.registerModule('layer', new ModuleList(Array.from({ length: config.numHiddenLayers }, (_, i) => new BertLayer(config, i, opts))));
  }

  /** @example `encoder.forward(h, ctx)` */
  forward(h: Tensor, ctx: BertLayerContext): Tensor {
    return composite(() => {
      const checkpointing = this.gradientCheckpointing && !ctx.cache;
      return forwardLayers(this.layer, h, { checkpointing, name: 'layer' }, (l, x) => l.forward(x, ctx));
    });
  }
}

/**
 * `tanh(dense(h[:, 0]))`: the first token's hidden state as the sequence summary (transformers'
 * `BertPooler`).
 *
 * @example
 * ```ts
 * const pooled = new BertPooler(config).forward(hidden); // [batch, hidden]
 * ```
 */
export class BertPooler extends Module {
  readonly dense: Linear;

  constructor(config: BertConfig, opts: LayerOptions = {}) {
    super();
    this.dense = this.registerModule('dense', new Linear(config.hiddenSize, config.hiddenSize, opts));
  }

  /** `[batch, seq, hidden]` → `[batch, hidden]`. @example `pooler.forward(hidden)` */
  forward(hidden: Tensor): Tensor {
    return composite(() => {
      const [b, , d] = hidden.shape;
      const first = hidden.slice([0, 0, 0], [b, 1, d]).reshape([b, d]);
      return tanh(this.dense.forward(first));
    });
  }
}
