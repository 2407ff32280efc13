import type { Backend } from '../../backend-interface.js';
import type { ModelInfo } from '../../models/pretrained-model.js';
import { Embedding } from '../../nn/embedding.js';
import { Module } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import type { Generator } from '../../random.js';
import type { Tensor } from '../../tensor.js';

/**
 * How a prompt-learning adapter reaches the model: `'prompt'` rows are prepended to the input
 * embeddings (prompt tuning, p-tuning); `'prefix'` rows are split into every attention layer's keys
 * and values (prefix tuning).
 *
 * @example
 * ```ts
 * const kind: PromptKind = 'prefix';
 * ```
 */
export type PromptKind = 'prompt' | 'prefix';

/**
 * The module a prompt-learning method makes for one adapter. Its `forward()` returns the virtual
 * tokens' values, exactly what Hugging Face PEFT saves as `prompt_embeddings`: `[numVirtualTokens,
 * hidden]` for `'prompt'`, `[numVirtualTokens, numLayers·2·kvHeads·headDim]` for `'prefix'`. Its
 * parameters are named as in PEFT (`embedding.weight`, `mlp_head.0.weight`, `transform.0.weight`) and
 * appear in the PeftModel as `prompt_encoder.<adapter>.<name>`.
 *
 * @example
 * ```ts
 * const rows = encoder.forward(); // [5, 32]
 * ```
 */
export interface PromptEncoder extends Module {
  readonly kind: PromptKind;
  /** The virtual tokens' values (`prompt_embeddings`). */
  forward(): Tensor;
  /**
   * The parameter that is `prompt_embeddings` itself, when the encoder has no network in front of it
   * (loading a file writes into it); undefined for an encoder whose output is derived (p-tuning's MLP).
   */
  savedParameter(): Parameter | undefined;
}

/**
 * What {@link PeftMethod.createPromptEncoder} is given besides the config.
 *
 * @example
 * ```ts
 * const rows = ctx.wordEmbeddings.weight; // the base model's token table
 * ```
 */
export interface PromptEncoderContext {
  readonly info: ModelInfo;
  /** The base model's token embedding table (prompt tuning initialises from it). */
  readonly wordEmbeddings: Embedding;
  /** Where the encoder's weights live (the base model's backend). */
  readonly backend: Backend;
  /** Randomness for new weights (default: the global generator). */
  readonly generator?: Generator;
  /**
   * Turns text into token ids with the tokenizer named by `tokenizerNameOrPath` (prompt tuning's TEXT
   * init); given through `PeftModelOptions.tokenize`.
   */
  readonly tokenize?: (text: string, tokenizerNameOrPath: string | null) => readonly number[] | Promise<readonly number[]>;
}

/**
 * A prompt encoder that is a plain table of virtual-token values (`embedding.weight`): prompt
 * tuning's encoder, and what any prompt-learning adapter becomes when it is loaded from its saved
 * `prompt_embeddings`.
 *
 * @example
 * ```ts
 * const enc = new PromptEmbedding('prompt', 5, 32, { generator });
 * enc.forward().shape; // [5, 32]
 * ```
 */
export class PromptEmbedding extends Module implements PromptEncoder {
  readonly embedding: Embedding;

  constructor(
    readonly kind: PromptKind,
    rows: number,
    dim: number,
    opts?: { generator?: Generator; backend?: Backend },
  ) {
    super();
    this.embedding = this.registerModule('embedding', new Embedding(rows, dim, { generator: opts?.generator, backend: opts?.backend }));
  }

  /** The table itself. @example `enc.forward()` */
  forward(): Tensor {
    return this.embedding.weight;
  }

  /** The table's parameter. @example `enc.savedParameter()?.shape` */
  savedParameter(): Parameter {
    return this.embedding.weight;
  }
}
