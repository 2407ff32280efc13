import {
  Dropout,
  Embedding,
  Linear,
  Module,
  ModuleList,
  RMSNorm,
  ShapeError,
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
import type { LlamaConfig } from './config.js';
import { LlamaRotaryEmbedding, applyRotary } from './rope.js';
import { slidingWindowBias } from './sliding-window.js';

/**
 * What every LLaMA decoder layer of one forward shares: the attention bias for each window, the
 * rotary cos/sin and the KV cache.
 *
 * @example
 * ```ts
 * const ctx: LlamaForwardContext = { biasFor: () => undefined, cos, sin, cache: undefined };
 * ```
 */
export interface LlamaForwardContext {
  /** Additive attention bias for a layer with this sliding window (undefined: full attention), or undefined when nothing is masked. */
  readonly biasFor: (window: number | undefined) => Tensor | undefined;
  /** Rotary `cos` `[batch, seq, headDim]`. */
  readonly cos: Tensor;
  /** Rotary `sin` `[batch, seq, headDim]`. */
  readonly sin: Tensor;
  /** The cache the layers read and extend, if any. */
  readonly cache: ModelInputs['pastKeyValues'];
}

/**
 * LLaMA self-attention: `q_proj`, `k_proj`, `v_proj`, `o_proj`; rotary embeddings on queries and keys
 * (keys are cached after rotation); grouped-query attention when there are fewer key/value heads.
 *
 * @example
 * ```ts
 * const attn = new LlamaAttention(config, 0);
 * ```
 */
export class LlamaAttention extends Module {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly o_proj: Linear;
  readonly attention_dropout: Dropout;
  /** Sliding window of this layer, if any. */
  readonly slidingWindow: number | undefined;

  constructor(
    readonly config: LlamaConfig,
    readonly layerIdx: number,
    opts: LayerOptions = {},
  ) {
    super();
    const { hiddenSize: d, numAttentionHeads: h, numKeyValueHeads: kv, headDim: hd, attentionBias: bias } = config;
    this.q_proj = this.registerModule('q_proj', new Linear(d, h * hd, { ...opts, bias }));
    this.k_proj = this.registerModule('k_proj', new Linear(d, kv * hd, { ...opts, bias }));
    this.v_proj = this.registerModule('v_proj', new Linear(d, kv * hd, { ...opts, bias }));
    this.o_proj = this.registerModule('o_proj', new Linear(h * hd, d, { ...opts, bias: config.outputBias }));
    this.attention_dropout = this.registerModule('attention_dropout', new Dropout(config.attentionDropout));
    this.slidingWindow = config.slidingWindows[layerIdx];
  }

  /** `[batch, seq, hidden]` → `[batch, seq, hidden]`. @example `attn.forward(h, ctx)` */
  forward(x: Tensor, ctx: LlamaForwardContext): Tensor {
    return composite(() => {
      const c = this.config;
      const q = applyRotary(splitHeads(this.q_proj.forward(x), c.numAttentionHeads), ctx.cos, ctx.sin);
      let k = applyRotary(splitHeads(this.k_proj.forward(x), c.numKeyValueHeads), ctx.cos, ctx.sin);
      let v = splitHeads(this.v_proj.forward(x), c.numKeyValueHeads);
      if (ctx.cache) ({ key: k, value: v } = ctx.cache.update(this.layerIdx, k, v));
      const attended = scaledDotProductAttention(q, k, v, {
        scale: 1 / Math.sqrt(c.headDim),
        bias: ctx.biasFor(this.slidingWindow),
        dropout: this.attention_dropout,
      });
      return this.o_proj.forward(mergeHeads(attended));
    });
  }
}

/**
 * LLaMA feed-forward: `down_proj(act(gate_proj(x)) · up_proj(x))`.
 *
 * @example
 * ```ts
 * const y = new LlamaMLP(config).forward(x);
 * ```
 */
export class LlamaMLP extends Module {
  readonly gate_proj: Linear;
  readonly up_proj: Linear;
  readonly down_proj: Linear;

  constructor(
    readonly config: LlamaConfig,
    opts: LayerOptions = {},
  ) {
    super();
    const { hiddenSize: d, intermediateSize: m, mlpBias: bias } = config;
    this.gate_proj = this.registerModule('gate_proj', new Linear(d, m, { ...opts, bias }));
    this.up_proj = this.registerModule('up_proj', new Linear(d, m, { ...opts, bias }));
    this.down_proj = this.registerModule('down_proj', new Linear(m, d, { ...opts, bias }));
  }

  /** @example `mlp.forward(x)` */
  forward(x: Tensor): Tensor {
    return composite(() => this.down_proj.forward(applyActivation(this.config.hiddenAct, this.gate_proj.forward(x)).mul(this.up_proj.forward(x))));
  }
}

/**
 * One pre-norm LLaMA decoder layer: `h + self_attn(input_layernorm(h))`, then
 * `h + mlp(post_attention_layernorm(h))`.
 *
 * @example
 * ```ts
 * const layer = new LlamaDecoderLayer(config, 0);
 * ```
 */
export class LlamaDecoderLayer extends Module {
  readonly input_layernorm: RMSNorm;
  readonly self_attn: LlamaAttention;
  readonly post_attention_layernorm: RMSNorm;
  readonly mlp: LlamaMLP;

  constructor(config: LlamaConfig, layerIdx: number, opts: LayerOptions = {}) {
    super();
    const norm = { dtype: opts.dtype, backend: opts.backend, eps: config.rmsNormEps };
    this.input_layernorm = this.registerModule('input_layernorm', new RMSNorm(config.hiddenSize, norm));
    this.self_attn = this.registerModule('self_attn', new LlamaAttention(config, layerIdx, opts));
    this.post_attention_layernorm = this.registerModule('post_attention_layernorm', new RMSNorm(config.hiddenSize, norm));
    this.mlp = this.registerModule('mlp', new LlamaMLP(config, opts));
  }

  /** @example `h = layer.forward(h, ctx)` */
  forward(h: Tensor, ctx: LlamaForwardContext): Tensor {
    return composite(() => {
      const a = h.add(this.self_attn.forward(this.input_layernorm.forward(h), ctx));
      return a.add(this.mlp.forward(this.post_attention_layernorm.forward(a)));
    });
  }
}

/**
 * The LLaMA body (transformers' `LlamaModel`, also Mistral's and Qwen2's): token embeddings, decoder
 * layers with rotary position embeddings, and the final RMS norm. Returns the last hidden states
 * `[batch, seq, hidden]`. Positions default to `past, past + 1, …`.
 *
 * @example
 * ```ts
 * const body = new LlamaModel(config);
 * const hidden = body.forward({ inputIds: ids });
 * ```
 */
export class LlamaModel extends Module {
  readonly embed_tokens: Embedding;
  readonly layers: ModuleList<LlamaDecoderLayer>;
  readonly norm: RMSNorm;
  /** Rotary embeddings (no parameters: the frequencies follow from the config). */
  readonly rotary: LlamaRotaryEmbedding;
  /** Layers run under gradient checkpointing when gradients are recorded (see `setGradientCheckpointing`). */
  gradientCheckpointing = false;
  /** @internal Marks this body for `setGradientCheckpointing`. */
  readonly supportsGradientCheckpointing = true as const;

  constructor(
    readonly config: LlamaConfig,
    opts: LayerOptions = {},
  ) {
    super();
    this.embed_tokens = this.registerModule('embed_tokens', new Embedding(config.vocabSize, config.hiddenSize, opts));
    this.layers = this.registerModule('layers', new ModuleList(Array.from({ length: config.numHiddenLayers }, (_, i) => new LlamaDecoderLayer(config, i, opts))));
    this.norm = this.registerModule('norm', new RMSNorm(config.hiddenSize, { dtype: opts.dtype, backend: opts.backend, eps: config.rmsNormEps }));
    this.rotary = new LlamaRotaryEmbedding(config.rope, config.headDim, config.maxPositionEmbeddings);
  }

  /** The last hidden states `[batch, seq, hidden]`. @example `body.forward({ inputIds })` */
  forward(inputs: ModelInputs): Tensor {
    return composite(() => {
      let h = embedInputs('LlamaModel', this.embed_tokens, inputs);
      const [b, s] = h.shape;
      const cache = inputs.pastKeyValues;
      const past = cache?.length ?? 0;
      const given = inputs.positionIds;
      if (given && (given.rank !== 2 || given.shape[0] !== b || given.shape[1] !== s)) {
        throw new ShapeError(`LlamaModel: expected positionIds [${b}, ${s}] (one per input token), got [${given.shape.join(', ')}]`);
      }
      const positions = given ?? defaultPositionIds(b, s, past, h);
      const { cos, sin } = this.rotary.forward(positions);
      const base = attentionBias({ queryLength: s, pastLength: past, causal: true, attentionMask: inputs.attentionMask, like: h });
      const windowed = new Map<number, Tensor | undefined>();
      for (const w of this.config.slidingWindows) {
        if (w !== undefined && !windowed.has(w)) windowed.set(w, slidingWindowBias(base, { queryLength: s, pastLength: past, window: w, like: h }));
      }
      const biasFor = (window: number | undefined): Tensor | undefined => (window === undefined ? base : windowed.get(window));
      const ctx: LlamaForwardContext = { biasFor, cos, sin, cache };
      h = forwardLayers(this.layers, h, { checkpointing: this.gradientCheckpointing && !cache, name: 'layers' }, (layer, x) => layer.forward(x, ctx));
      return this.norm.forward(h);
    });
  }
}

/**
 * A LLaMA-family causal language model (transformers' `LlamaForCausalLM`, `MistralForCausalLM`,
 * `Qwen2ForCausalLM`). With `tie_word_embeddings` the head shares `model.embed_tokens.weight` (one
 * parameter, listed once under the embedding's name).
 *
 * @example
 * ```ts
 * const model = new LlamaForCausalLM(parseLlamaConfig(new ConfigReader(json)), json);
 * const { logits } = model.forward({ inputIds: ids });
 * ```
 */
export class LlamaForCausalLM extends Module implements PretrainedModel {
  readonly model: LlamaModel;
  readonly lm_head: Linear;
  readonly info: ModelInfo;

  constructor(
    readonly llama: LlamaConfig,
    readonly config: Readonly<Record<string, unknown>> = {},
    opts: LayerOptions = {},
  ) {
    super();
    this.model = this.registerModule('model', new LlamaModel(llama, opts));
    const tied = llama.tieWordEmbeddings ? this.model.embed_tokens.weight : undefined;
    this.lm_head = this.registerModule('lm_head', lmHead(llama.hiddenSize, llama.vocabSize, tied, opts));
    this.info = {
      modelType: llama.modelType,
      task: 'causal-lm',
      vocabSize: llama.vocabSize,
      hiddenSize: llama.hiddenSize,
      numLayers: llama.numHiddenLayers,
      numAttentionHeads: llama.numAttentionHeads,
      numKeyValueHeads: llama.numKeyValueHeads,
      headDim: llama.headDim,
      maxPositions: llama.maxPositionEmbeddings,
      learnedPositions: false,
      isDecoder: true,
      bosTokenId: llama.bosTokenId,
      eosTokenIds: llama.eosTokenIds,
      padTokenId: llama.padTokenId,
      embeddingPath: 'model.embed_tokens',
      outputHeadPath: 'lm_head',
    };
  }

  /** Logits `[batch, seq, vocab]`, and the shifted next-token loss when `labels` are given. @example `model.forward({ inputIds, labels: inputIds })` */
  forward(inputs: ModelInputs): ModelOutput {
    return causalLMOutput(this.lm_head, this.model.forward(inputs), inputs);
  }

  /** @example `model.getInputEmbeddings().weight.shape` */
  getInputEmbeddings(): Embedding {
    return this.model.embed_tokens;
  }
}
