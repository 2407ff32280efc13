import { ConfigError } from '../../errors.js';
import type { ModelInfo } from '../../models/pretrained-model.js';
import type { ConfigField } from '../method/config-field.js';
import { configField } from '../method/config-field.js';
import type { PeftConfig } from '../method/config-schema.js';

/**
 * The options every prompt-learning method shares (Hugging Face PEFT's `PromptLearningConfig`):
 * how many virtual tokens, and the base model's facts that PEFT writes into `adapter_config.json`
 * (filled in from the model when the adapter is added, see {@link completePromptLearningConfig}).
 *
 * @example
 * ```ts
 * const c: PromptLearningConfig = promptTuningConfig({ numVirtualTokens: 8 });
 * c.tokenDim; // null until the adapter is added, then the model's hidden size
 * ```
 */
export interface PromptLearningConfig extends PeftConfig {
  /** Number of virtual tokens (prompt rows, or prefix positions). */
  readonly numVirtualTokens: number;
  /** The hidden size of the base model (filled in from the model). */
  readonly tokenDim: number | null;
  /** 1 for decoders and encoders, 2 for encoder–decoders (filled in from the model). */
  readonly numTransformerSubmodules: number | null;
  /** The base model's attention heads (filled in from the model). */
  readonly numAttentionHeads: number | null;
  /** The base model's layers (filled in from the model). */
  readonly numLayers: number | null;
  /**
   * Modules trained whole and saved next to the prompt (`base_model.<path>.weight`). For a `SEQ_CLS`
   * adapter the classification head (`classifier`, `score`) is always added, as PEFT 0.21 does.
   */
  readonly modulesToSave: readonly string[] | null;
}

/**
 * A config field holding a positive integer or null (PEFT's `Optional[int]` options such as
 * `token_dim` and `encoder_hidden_size`, null until filled in from the model).
 *
 * @example
 * ```ts
 * const hidden = nullableIntField('encoder_hidden_size'); // default null
 * ```
 */
export function nullableIntField(key: string): ConfigField<number | null> {
  const inner = configField.int(key, 1, { min: 1 });
  return {
    key,
    defaultValue: null,
    read: (v, where) => (v === null ? null : inner.read(v, where)),
    write: (v) => v,
  };
}

/**
 * The config fields of {@link PromptLearningConfig}, to spread into a prompt method's field table.
 *
 * @example
 * ```ts
 * const FIELDS = { ...PROMPT_LEARNING_FIELDS, promptTuningInit: configField.choice('prompt_tuning_init', ['RANDOM', 'TEXT'], 'RANDOM') };
 * ```
 */
export const PROMPT_LEARNING_FIELDS = {
  numVirtualTokens: configField.int('num_virtual_tokens', 20, { min: 1 }),
  tokenDim: nullableIntField('token_dim'),
  numTransformerSubmodules: nullableIntField('num_transformer_submodules'),
  numAttentionHeads: nullableIntField('num_attention_heads'),
  numLayers: nullableIntField('num_layers'),
  modulesToSave: configField.names('modules_to_save'),
  // stored for other tools, no effect here
  autoMapping: configField.json('auto_mapping', null),
};

/**
 * Whether a config is a prompt-learning one (it has `numVirtualTokens`).
 *
 * @example
 * ```ts
 * if (isPromptLearningConfig(config)) console.log(config.numVirtualTokens);
 * ```
 */
export function isPromptLearningConfig(config: PeftConfig): config is PromptLearningConfig {
  return 'numVirtualTokens' in config && 'tokenDim' in config;
}

/** The head names PEFT 0.21 trains and saves with a `SEQ_CLS` prompt-learning adapter. */
const CLASSIFIER_HEADS = ['classifier', 'score'];

/**
 * Fills in the model facts Hugging Face PEFT writes (`token_dim`, `num_layers`,
 * `num_attention_heads`, `num_transformer_submodules`) where the config leaves them null, and adds the
 * classification head to `modules_to_save` for a `SEQ_CLS` adapter (PEFT 0.21; 0.15 left it frozen). A method's
 * `prepareConfig` runs first and may set them otherwise (prefix tuning uses the key/value heads).
 *
 * @example
 * ```ts
 * completePromptLearningConfig(config, model.info).tokenDim; // 32
 * ```
 */
export function completePromptLearningConfig<C extends PromptLearningConfig>(config: C, info: ModelInfo): C {
  if (info.task === 'base') {
    throw new ConfigError(`${config.peftType}: prompt learning supports causal language models, sequence classifiers and encoder-decoders, got a ${info.modelType} model with task "${info.task}"`);
  }
  // an encoder-decoder has two transformer submodules (PEFT's num_transformer_submodules 2)
  const submodules = info.task === 'seq2seq-lm' ? 2 : 1;
  if (info.task === 'seq2seq-lm' && config.numTransformerSubmodules !== null && config.numTransformerSubmodules !== 2) {
    throw new ConfigError(`${config.peftType}: expected num_transformer_submodules 2 (or unset) for the encoder-decoder ${info.modelType}, got ${config.numTransformerSubmodules}`);
  }
  return Object.freeze({
    ...config,
    tokenDim: config.tokenDim ?? info.hiddenSize,
    numLayers: config.numLayers ?? info.numLayers,
    numAttentionHeads: config.numAttentionHeads ?? info.numAttentionHeads,
    numTransformerSubmodules: config.numTransformerSubmodules ?? submodules,
    modulesToSave: config.taskType === 'SEQ_CLS' ? [...new Set([...(config.modulesToSave ?? []), ...CLASSIFIER_HEADS])] : config.modulesToSave,
  });
}
