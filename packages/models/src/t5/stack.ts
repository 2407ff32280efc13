import { ArgumentError, Dropout, Module, ModuleList, RMSNorm, type Embedding, type LayerOptions, type Tensor } from '@peft/core';
import { type KVCache, composite } from '@peft/core/plugin';
import { attentionBias } from '../attention.js';
import { embedInputs } from '../embed-inputs.js';
import type { T5Config } from './config.js';
import { T5Block, type T5BlockContext, type T5LayerSelfAttention } from './layers.js';
import { relativePositionBias } from './relative-position.js';

/**
 * The inputs of one {@link T5Stack} forward.
 *
 * @example
 * ```ts
 * const h = encoder.forward({ inputIds, attentionMask });
 * ```
 */
export interface T5StackInputs {
  readonly inputIds?: Tensor;
  readonly inputsEmbeds?: Tensor;
  /** `[batch, past + seq]` 1/0 mask of this stack's own tokens (the decoder's covers its cache too). */
  readonly attentionMask?: Tensor;
  /** Decoder: earlier positions' self-attention keys and values (a prefix, or generation's cache). */
  readonly cache?: KVCache;
  /** Decoder: the encoder's last hidden state. */
  readonly encoderHiddenStates?: Tensor;
  /** Decoder: the encoder's `[batch, encoderSeq]` mask. */
  readonly encoderAttentionMask?: Tensor;
  /** Decoder: the encoder keys and values of every cross-attention, filled on first use. */
  readonly crossCache?: KVCache;
}

/**
 * A stack of T5 blocks (transformers' `T5Stack`), the encoder or the decoder: token embeddings (the
 * model's `shared` table, not a child of its own), dropout, the blocks, `final_layer_norm`, dropout.
 * The first block's `relative_attention_bias` gives every block the same position bias:
 * bidirectional buckets in the encoder, causal ones in the decoder, whose queries come after the
 * cache's positions.
 *
 * @example
 * ```ts
 * const encoder = new T5Stack(config, shared, { isDecoder: false });
 * const hidden = encoder.forward({ inputIds, attentionMask }); // [batch, seq, dModel]
 * ```
 */
export class T5Stack extends Module {
  readonly block: ModuleList<T5Block>;
  readonly final_layer_norm: RMSNorm;
  readonly dropout: Dropout;
  readonly isDecoder: boolean;

  constructor(
    readonly config: T5Config,
    private readonly embedTokens: Embedding,
    opts: LayerOptions & { isDecoder: boolean },
  ) {
    super();
    this.isDecoder = opts.isDecoder;
    const n = opts.isDecoder ? config.numDecoderLayers : config.numLayers;
    this.block = this.registerModule(
      'block',
      new ModuleList(Array.from({ length: n }, (_, i) => new T5Block(config, { ...opts, hasRelativeAttentionBias: i === 0, layerIdx: i }))),
    );
    this.final_layer_norm = this.registerModule('final_layer_norm', new RMSNorm(config.dModel, { eps: config.layerNormEpsilon, dtype: opts.dtype, backend: opts.backend }));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropoutRate));
  }

  /** The last hidden state `[batch, seq, dModel]` (after the final norm). @example `stack.forward({ inputIds })` */
  forward(inputs: T5StackInputs): Tensor {
    const op = this.isDecoder ? 'T5Stack (decoder)' : 'T5Stack (encoder)';
    return composite(() => {
      const embeds = embedInputs(op, this.embedTokens, inputs);
      const seq = embeds.shape[1];
      const past = inputs.cache?.length ?? 0;
      const c = this.config;
      const table = (this.block.get(0).layer.get(0) as T5LayerSelfAttention).SelfAttention.relative_attention_bias!;
      const relative = relativePositionBias(table, {
        queryStart: past,
        queries: seq,
        keys: past + seq,
        bidirectional: !this.isDecoder,
        numBuckets: c.relativeAttentionNumBuckets,
        maxDistance: c.relativeAttentionMaxDistance,
      });
      const mask = attentionBias({ queryLength: seq, pastLength: past, causal: this.isDecoder, attentionMask: inputs.attentionMask, like: embeds });
      const ctx: T5BlockContext = {
        self: { bias: mask ? relative.add(mask) : relative, cache: inputs.cache },
        cross: this.isDecoder ? crossContext(inputs) : undefined,
      };
      let h = this.dropout.forward(embeds);
      for (const block of this.block) h = block.forward(h, ctx);
      return this.dropout.forward(this.final_layer_norm.forward(h));
    });
  }
}

function crossContext(inputs: T5StackInputs): T5BlockContext['cross'] {
  const encoded = inputs.encoderHiddenStates;
  if (!encoded) throw new ArgumentError('T5Stack (decoder): expected encoderHiddenStates (the encoder output), got none');
  const mask = inputs.encoderAttentionMask;
  return { bias: mask ? paddingBias(mask) : undefined, cache: inputs.crossCache, keyValueStates: encoded };
}

/** `[batch, 1, 1, keys]`: 0 where the mask is 1, the masked score where it is 0. */
function paddingBias(mask: Tensor): Tensor {
  return attentionBias({ queryLength: mask.shape[1], pastLength: 0, causal: false, attentionMask: mask })!;
}
