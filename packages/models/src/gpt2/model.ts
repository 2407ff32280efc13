import {
  ArgumentError,
  Conv1D,
  Dropout,
  Embedding,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  type LayerOptions,
  type ModelInfo,
  type ModelInputs,
  type ModelOutput,
  type PretrainedModel,
  type Tensor,
} from '@peft/core';
import { composite } from '@peft/core/plugin';
import { applyActivation } from '../activation.js';
import { attentionBias, defaultPositionIds, mergeHeads, scaledDotProductAttention, splitHeads } from '../attention.js';
import { causalLMOutput, lmHead } from '../lm-head.js';
import { embedInputs } from '../embed-inputs.js';
import { forwardLayers } from '../forward-layers.js';
import type { GPT2Config } from './config.js';

/**
 * What every GPT-2 block of one forward shares: the attention bias and the KV cache.
 *
 * @example
 * ```ts
 * const ctx: GPT2ForwardContext = { bias: undefined, cache: undefined };
 * ```
 */
export interface GPT2ForwardContext {
  /** Additive attention bias `[batch | 1, 1, query, keys]`, or undefined when nothing is masked. */
  readonly bias: Tensor | undefined;
  /** The cache the blocks read and extend, if any. */
  readonly cache: ModelInputs['pastKeyValues'];
}

/**
 * GPT-2 self-attention: one `c_attn` Conv1D projecting to q, k, v; scores scaled by 1/√headDim.
 *
 * @example
 * ```ts
 * const attn = new GPT2Attention(config, 0);
 * ```
 */
export class GPT2Attention extends Module {
  readonly c_attn: Conv1D;
  readonly c_proj: Conv1D;
  readonly attn_dropout: Dropout;
  readonly resid_dropout: Dropout;
  private readonly scale: number;

  constructor(
    readonly config: GPT2Config,
    readonly layerIdx: number,
    opts: LayerOptions = {},
  ) {
    super();
    const d = config.nEmbd;
    this.c_attn = this.registerModule('c_attn', new Conv1D(3 * d, d, opts));
    this.c_proj = this.registerModule('c_proj', new Conv1D(d, d, opts));
    this.attn_dropout = this.registerModule('attn_dropout', new Dropout(config.attnPdrop));
    this.resid_dropout = this.registerModule('resid_dropout', new Dropout(config.residPdrop));
    let scale = config.scaleAttnWeights ? 1 / Math.sqrt(d / config.nHead) : 1;
    if (config.scaleAttnByInverseLayerIdx) scale /= layerIdx + 1;
    this.scale = scale;
  }

  /** `[batch, seq, d]` → `[batch, seq, d]`. @example `attn.forward(h, ctx)` */
  forward(h: Tensor, ctx: GPT2ForwardContext): Tensor {
    return composite(() => {
      const d = this.config.nEmbd;
      const qkv = this.c_attn.forward(h);
      const q = splitHeads(qkv.slice([0, 0, 0], [qkv.shape[0], qkv.shape[1], d]), this.config.nHead);
      let k = splitHeads(qkv.slice([0, 0, d], [qkv.shape[0], qkv.shape[1], 2 * d]), this.config.nHead);
      let v = splitHeads(qkv.slice([0, 0, 2 * d], [qkv.shape[0], qkv.shape[1], 3 * d]), this.config.nHead);
      if (ctx.cache) ({ key: k, value: v } = ctx.cache.update(this.layerIdx, k, v));
      const attended = scaledDotProductAttention(q, k, v, { scale: this.scale, bias: ctx.bias, dropout: this.attn_dropout });
      return this.resid_dropout.forward(this.c_proj.forward(mergeHeads(attended)));
    });
  }
}

/**
 * GPT-2 feed-forward: `c_proj(act(c_fc(x)))` with Conv1D projections.
 *
 * @example
 * ```ts
 * const y = new GPT2MLP(config).forward(x);
 * ```
 */
export class GPT2MLP extends Module {
  readonly c_fc: Conv1D;
  readonly c_proj: Conv1D;
  readonly dropout: Dropout;

  constructor(
    readonly config: GPT2Config,
    opts: LayerOptions = {},
  ) {
    super();
    this.c_fc = this.registerModule('c_fc', new Conv1D(config.nInner, config.nEmbd, opts));
    this.c_proj = this.registerModule('c_proj', new Conv1D(config.nEmbd, config.nInner, opts));
    this.dropout = this.registerModule('dropout', new Dropout(config.residPdrop));
  }

  /** @example `mlp.forward(x)` */
  forward(x: Tensor): Tensor {
    return composite(() => this.dropout.forward(this.c_proj.forward(applyActivation(this.config.activation, this.c_fc.forward(x)))));
  }
}

/**
 * One pre-norm GPT-2 block: `h + attn(ln_1(h))`, then `h + mlp(ln_2(h))`.
 *
 * @example
 * ```ts
 * const block = new GPT2Block(config, 0);
 * ```
 */
export class GPT2Block extends Module {
  readonly ln_1: LayerNorm;
  readonly attn: GPT2Attention;
  readonly ln_2: LayerNorm;
  readonly mlp: GPT2MLP;

  constructor(config: GPT2Config, layerIdx: number, opts: LayerOptions = {}) {
    super();
    this.ln_1 = this.registerModule('ln_1', new LayerNorm(config.nEmbd, { ...opts, eps: config.layerNormEpsilon }));
    this.attn = this.registerModule('attn', new GPT2Attention(config, layerIdx, opts));
    this.ln_2 = this.registerModule('ln_2', new LayerNorm(config.nEmbd, { ...opts, eps: config.layerNormEpsilon }));
    this.mlp = this.registerModule('mlp', new GPT2MLP(config, opts));
  }

  /** @example `h = block.forward(h, ctx)` */
  forward(h: Tensor, ctx: GPT2ForwardContext): Tensor {
    return composite(() => {
      const a = h.add(this.attn.forward(this.ln_1.forward(h), ctx));
      return a.add(this.mlp.forward(this.ln_2.forward(a)));
    });
  }
}

/**
 * The GPT-2 body (transformers' `GPT2Model`): token and learned position embeddings, the blocks, and
 * the final layer norm. Returns the last hidden states `[batch, seq, n_embd]`.
 *
 * @example
 * ```ts
 * const body = new GPT2Model(config);
 * const hidden = body.forward({ inputIds: ids });
 * ```
 */
export class GPT2Model extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly drop: Dropout;
  readonly h: ModuleList<GPT2Block>;
  readonly ln_f: LayerNorm;
  /** Layers run under gradient checkpointing when gradients are recorded (see `setGradientCheckpointing`). */
  gradientCheckpointing = false;
  /** @internal Marks this body for `setGradientCheckpointing`. */
  readonly supportsGradientCheckpointing = true as const;

  constructor(
    readonly config: GPT2Config,
    opts: LayerOptions = {},
  ) {
    super();
    this.wte = this.registerModule('wte', new Embedding(config.vocabSize, config.nEmbd, opts));
    this.wpe = this.registerModule('wpe', new Embedding(config.nPositions, config.nEmbd, opts));
    this.drop = this.registerModule('drop', new Dropout(config.embdPdrop));
    this.h = this.registerModule('h', new ModuleList(Array.from({ length: config.nLayer }, (_, i) => new GPT2Block(config, i, opts))));
    this.ln_f = this.registerModule('ln_f', new LayerNorm(config.nEmbd, { ...opts, eps: config.layerNormEpsilon }));
  }

  /** The last hidden states `[batch, seq, n_embd]`. @example `body.forward({ inputIds })` */
  forward(inputs: ModelInputs): Tensor {
    return composite(() => {
      const embeds = embedInputs('GPT2Model', this.wte, inputs);
      const [b, s] = embeds.shape;
      const cache = inputs.pastKeyValues;
      const past = cache?.length ?? 0;
      if (past + s > this.config.nPositions && !inputs.positionIds) {
        throw new ArgumentError(`GPT2Model: ${past + s} positions exceed n_positions ${this.config.nPositions}`);
      }
      const positions = inputs.positionIds ?? defaultPositionIds(b, s, past, embeds);
      let h = embeds.add(this.wpe.forward(positions));
      if (inputs.tokenTypeIds) h = h.add(this.wte.forward(inputs.tokenTypeIds));
      h = this.drop.forward(h);
      const ctx: GPT2ForwardContext = { bias: attentionBias({ queryLength: s, pastLength: past, causal: true, attentionMask: inputs.attentionMask, like: h }), cache };
      h = forwardLayers(this.h, h, { checkpointing: this.gradientCheckpointing && !cache, name: 'h' }, (block, x) => block.forward(x, ctx));
      return this.ln_f.forward(h);
    });
  }
}

/**
 * GPT-2 with its language-model head (transformers' `GPT2LMHeadModel`); `lm_head.weight` is tied to
 * `transformer.wte.weight` (one parameter, listed once, under the embedding's name).
 *
 * @example
 * ```ts
 * const model = new GPT2LMHeadModel(parseGPT2Config(new ConfigReader(json)));
 * const { logits } = model.forward({ inputIds: ids });
 * ```
 */
export class GPT2LMHeadModel extends Module implements PretrainedModel {
  readonly transformer: GPT2Model;
  readonly lm_head: Linear;
  readonly info: ModelInfo;

  constructor(
    readonly gpt2: GPT2Config,
    readonly config: Readonly<Record<string, unknown>> = {},
    opts: LayerOptions = {},
  ) {
    super();
    this.transformer = this.registerModule('transformer', new GPT2Model(gpt2, opts));
    const tied = gpt2.tieWordEmbeddings ? this.transformer.wte.weight : undefined;
    this.lm_head = this.registerModule('lm_head', lmHead(gpt2.nEmbd, gpt2.vocabSize, tied, opts));
    this.info = gpt2Info(gpt2, 'causal-lm', 'transformer.wte', 'lm_head');
  }

  /** Logits `[batch, seq, vocab]`, and the shifted next-token loss when `labels` are given. @example `model.forward({ inputIds, labels: inputIds })` */
  forward(inputs: ModelInputs): ModelOutput {
    return causalLMOutput(this.lm_head, this.transformer.forward(inputs), inputs);
  }

  /** @example `model.getInputEmbeddings().weight.shape` */
  getInputEmbeddings(): Embedding {
    return this.transformer.wte;
  }
}

/** The architecture-neutral facts of a GPT-2 config. @internal @example `gpt2Info(config, 'causal-lm', 'transformer.wte')` */
export function gpt2Info(c: GPT2Config, task: ModelInfo['task'], embeddingPath: string, outputHeadPath?: string): ModelInfo {
  return {
    modelType: 'gpt2',
    task,
    vocabSize: c.vocabSize,
    hiddenSize: c.nEmbd,
    numLayers: c.nLayer,
    numAttentionHeads: c.nHead,
    numKeyValueHeads: c.nHead,
    headDim: c.nEmbd / c.nHead,
    maxPositions: c.nPositions,
    learnedPositions: true,
    isDecoder: true,
    bosTokenId: c.bosTokenId,
    eosTokenIds: c.eosTokenIds,
    padTokenId: c.padTokenId,
    embeddingPath,
    outputHeadPath,
  };
}
