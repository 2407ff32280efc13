import { Linear, Module, type Parameter, ReLU, Sequential, type Tensor, Embedding } from '@peft/core';
import { PromptEmbedding, type PromptEncoderContext, type PromptEncoder } from '@peft/core/plugin';
import type { PTuningConfig } from './config.js';
import { BiLstm } from './lstm.js';

/**
 * P-tuning's prompt encoder (PEFT's `PromptEncoder`): a table `embedding` of
 * `[numVirtualTokens, tokenDim]` fed through a network whose output is the virtual tokens:
 *
 * - MLP: `mlp_head` = Linear(tokenDim → h) – ReLU – Linear(h → h) – ReLU – Linear(h → tokenDim);
 * - LSTM: `lstm_head` (a bidirectional LSTM of `encoderNumLayers` layers, hidden h, dropout
 *   `encoderDropout` between layers), then `mlp_head` = Linear(2h → 2h) – ReLU – Linear(2h → tokenDim).
 *
 * Only the output is saved (`prompt_embeddings`); an adapter loaded from a file is that table alone.
 *
 * @example
 * ```ts
 * const enc = new PTuningEncoder(config, { backend });
 * enc.forward().shape; // [numVirtualTokens, tokenDim]
 * ```
 */
export class PTuningEncoder extends Module implements PromptEncoder {
  readonly kind = 'prompt' as const;
  readonly embedding: Embedding;
  readonly lstm_head?: BiLstm;
  readonly mlp_head: Sequential;

  constructor(config: PTuningConfig, opts: Pick<PromptEncoderContext, 'generator' | 'backend'>) {
    super();
    const dim = config.tokenDim!;
    const hidden = config.encoderHiddenSize ?? dim;
    const rows = config.numVirtualTokens * (config.numTransformerSubmodules ?? 1);
    const make = { generator: opts.generator, backend: opts.backend };
    this.embedding = this.registerModule('embedding', new Embedding(rows, dim, make));
    if (config.encoderReparameterizationType === 'LSTM') {
      this.lstm_head = this.registerModule('lstm_head', new BiLstm(dim, hidden, config.encoderNumLayers, config.encoderDropout, make));
      this.mlp_head = this.registerModule('mlp_head', new Sequential(new Linear(2 * hidden, 2 * hidden, make), new ReLU(), new Linear(2 * hidden, dim, make)));
    } else {
      this.mlp_head = this.registerModule(
        'mlp_head',
        new Sequential(new Linear(dim, hidden, make), new ReLU(), new Linear(hidden, hidden, make), new ReLU(), new Linear(hidden, dim, make)),
      );
    }
  }

  /** The virtual tokens: the table through the network. @example `enc.forward()` */
  forward(): Tensor {
    const x = this.embedding.weight;
    return this.mlp_head.forward(this.lstm_head ? this.lstm_head.forward(x) : x);
  }

  /** Undefined: the saved tensor is derived, not a parameter. @example `enc.savedParameter() // undefined` */
  savedParameter(): Parameter | undefined {
    return undefined;
  }
}

/**
 * Makes p-tuning's encoder for an adapter: a {@link PTuningEncoder} when it trains, the plain table of
 * the saved `prompt_embeddings` in inference mode (as PEFT, which builds no network then).
 *
 * @example
 * ```ts
 * const encoder = createPTuningEncoder(config, ctx);
 * ```
 */
export function createPTuningEncoder(config: PTuningConfig, ctx: PromptEncoderContext): PromptEncoder {
  if (config.inferenceMode) {
    return new PromptEmbedding('prompt', config.numVirtualTokens * (config.numTransformerSubmodules ?? 1), config.tokenDim!, { generator: ctx.generator, backend: ctx.backend });
  }
  return new PTuningEncoder(config, ctx);
}
