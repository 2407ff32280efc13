import { Embedding, Linear, Module, type Parameter, Sequential, Tanh, type Tensor } from '@peft/core';
import { PromptEmbedding, type PromptEncoder, type PromptEncoderContext } from '@peft/core/plugin';
import type { PrefixTuningConfig } from './config.js';

/**
 * Prefix tuning's encoder with the reparameterisation PEFT calls `prefix_projection`: a table
 * `embedding` `[numVirtualTokens, tokenDim]` through `transform` = Linear(tokenDim → encoderHiddenSize)
 * – Tanh – Linear(encoderHiddenSize → numLayers·2·tokenDim). Its output rows are every layer's key and
 * value prefixes; only they are saved (`prompt_embeddings`).
 *
 * @example
 * ```ts
 * const enc = new PrefixProjectionEncoder(config, { backend });
 * enc.forward().shape; // [numVirtualTokens, numLayers·2·tokenDim]
 * ```
 */
export class PrefixProjectionEncoder extends Module implements PromptEncoder {
  readonly kind = 'prefix' as const;
  readonly embedding: Embedding;
  readonly transform: Sequential;

  constructor(config: PrefixTuningConfig, opts: Pick<PromptEncoderContext, 'generator' | 'backend'>) {
    super();
    const dim = config.tokenDim!;
    const hidden = config.encoderHiddenSize ?? dim;
    const make = { generator: opts.generator, backend: opts.backend };
    this.embedding = this.registerModule('embedding', new Embedding(config.numVirtualTokens, dim, make));
    this.transform = this.registerModule('transform', new Sequential(new Linear(dim, hidden, make), new Tanh(), new Linear(hidden, config.numLayers! * 2 * dim, make)));
  }

  /** The key/value prefixes of every layer. @example `enc.forward()` */
  forward(): Tensor {
    return this.transform.forward(this.embedding.weight);
  }

  /** Undefined: the saved tensor is derived, not a parameter. @example `enc.savedParameter() // undefined` */
  savedParameter(): Parameter | undefined {
    return undefined;
  }
}

/**
 * Makes prefix tuning's encoder for an adapter: with `prefixProjection` (while training) a
 * {@link PrefixProjectionEncoder}; otherwise (and for an adapter read from a file) the plain table
 * `[numVirtualTokens, numLayers·2·tokenDim]`, as PEFT's `PrefixEncoder`.
 *
 * @example
 * ```ts
 * const encoder = createPrefixEncoder(config, ctx);
 * ```
 */
export function createPrefixEncoder(config: PrefixTuningConfig, ctx: PromptEncoderContext): PromptEncoder {
  if (config.prefixProjection && !config.inferenceMode) return new PrefixProjectionEncoder(config, ctx);
  return new PromptEmbedding('prefix', config.numVirtualTokens, config.numLayers! * 2 * config.tokenDim!, { generator: ctx.generator, backend: ctx.backend });
}
