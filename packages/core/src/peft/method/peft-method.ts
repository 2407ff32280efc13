import type { ModelInfo } from '../../models/pretrained-model.js';
import type { Module } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import type { AdapterLayer } from './adapter-layer.js';
import type { ConfigSchema, PeftConfig } from './config-schema.js';
import type { LayerContext } from './layer-context.js';
import type { PeftModel } from '../model/peft-model.js';
import type { Tensor } from '../../tensor.js';
import type { AdapterTrainingHooks, TrainingHooksContext } from '../model/training-hooks.js';
import type { PromptEncoder, PromptEncoderContext } from '../prompt/prompt-encoder.js';

/**
 * A parameter that an adapter also trains and/or saves besides its layers' own: a base-model parameter
 * (LoRA's `bias: "all"`, the embedding matrix saved next to an embedding adapter) or a tensor the method
 * shares between its layers (VeRA's frozen projections). `path` is the parameter's in-memory name
 * relative to the base model (`transformer.h.0.attn.c_attn.base_layer.bias`); it is saved as
 * `base_model.model.<path>`, or as `savedName` when given (a name outside the base model, such as
 * `base_model.vera_A`). Saved extra parameters are loaded back when the file has them and keep their
 * values when it does not.
 *
 * @example
 * ```ts
 * const extra: ExtraParameter = { path: 'transformer.ln_f.bias', parameter: p, trainable: true, saved: true };
 * const shared: ExtraParameter = { path: 'vera_A', savedName: 'base_model.vera_A', parameter: a, trainable: false, saved: true };
 * ```
 */
export interface ExtraParameter {
  readonly path: string;
  readonly parameter: Parameter;
  readonly trainable: boolean;
  readonly saved: boolean;
  /** The full name in `adapter_model.safetensors` (default `base_model.model.<path>`). */
  readonly savedName?: string;
}

/**
 * What {@link PeftMethod.extraParameters} is given: the base model (with adapter layers injected), the
 * layers holding this adapter by path, the adapter's name and config.
 *
 * @example
 * ```ts
 * for (const [path, layer] of ctx.layers) console.log(path, layer.adapterNames);
 * ```
 */
export interface ExtraParametersContext<C extends PeftConfig = PeftConfig> {
  readonly model: Module;
  readonly layers: ReadonlyMap<string, AdapterLayer>;
  readonly adapterName: string;
  readonly config: C;
}

/**
 * A request to combine adapters into a new one ({@link PeftModel.addWeightedAdapter}).
 *
 * @example
 * ```ts
 * const req: WeightedAdapterRequest = { adapters: ['a', 'b'], weights: [0.7, 0.3], name: 'mix', combinationType: 'svd', svdRank: 4 };
 * ```
 */
export interface WeightedAdapterRequest {
  readonly adapters: readonly string[];
  readonly weights: readonly number[];
  readonly name: string;
  readonly combinationType: 'linear' | 'cat' | 'svd';
  /** The rank of an svd combination (default: the largest input rank). */
  readonly svdRank?: number;
}

/**
 * The plugin protocol: everything a fine-tuning method tells core. Core does the rest (targeting,
 * injection, freezing, activation, merge through `deltaWeight`, save / load, parameter counts).
 * Methods are registered explicitly with `registerMethod`.
 *
 * @example
 * ```ts
 * export const lora: PeftMethod<LoraConfig> = {
 *   peftType: 'LORA',
 *   packageName: '@peft/lora',
 *   schema: LORA_SCHEMA,
 *   canWrap: (m) => isLinearLike(m) || m instanceof Embedding,
 *   createLayer: (base, ctx) => createLoraLayer(base, ctx),
 * };
 * registerMethod(lora);
 * ```
 */
export interface PeftMethod<C extends PeftConfig = PeftConfig> {
  /** Hugging Face's `peft_type` ('LORA', 'ADALORA', 'LOHA', …). */
  readonly peftType: string;
  /** The npm package that provides the method (named in "not registered" errors). */
  readonly packageName: string;
  /** How the config is made, parsed, validated and written. */
  readonly schema: ConfigSchema<C>;
  /** The default `target_modules` for a model type (`gpt2` → `['c_attn']`), used when the config has none. */
  defaultTargets?(modelType: string): readonly string[] | undefined;
  /**
   * Completes a config from the model's facts before any module is wrapped (for a new adapter and for
   * one loaded from a file), e.g. (IA)³'s default `feedforward_modules` for the model type. Default:
   * unchanged.
   */
  prepareConfig?(config: C, info: ModelInfo): C;
  /** Whether the method can wrap this module (a targeted module it cannot wrap is an error). */
  canWrap?(module: Module): boolean;
  /** Wraps `base` in a new adapter layer holding adapter `ctx.adapterName`. */
  createLayer?(base: Module, ctx: LayerContext<C>): AdapterLayer<C>;
  /**
   * The config as it is stored and saved once the adapter is in place, given the modules it wrapped
   * (LoRA turns `fan_in_fan_out` on for GPT-2's Conv1D, as PEFT does). Default: unchanged.
   */
  adjustConfig?(config: C, wrapped: readonly Module[], warn: (message: string) => void): C;
  /** Base-model parameters the adapter also trains or saves (biases, embedding matrices). */
  extraParameters?(ctx: ExtraParametersContext<C>): Iterable<ExtraParameter>;
  /**
   * The tensors written to `adapter_model.safetensors` for adapter `ctx.adapterName`, given the ones
   * its layers hold (`state`, by saved name). Default: `state` as it is. Tensors returned that are not
   * in `state` are freed after saving. (AdaLoRA leaves out the ranks its `rank_pattern` pruned, as
   * Python PEFT does; loading such a file is the method's `createLayer` reading the saved config.)
   */
  savedState?(ctx: ExtraParametersContext<C>, state: ReadonlyMap<string, Tensor>): Map<string, Tensor>;
  /** Builds a new adapter from weighted existing ones (`add_weighted_adapter`). */
  addWeightedAdapter?(model: PeftModel, request: WeightedAdapterRequest): void | Promise<void>;
  /**
   * Behaviour the adapter needs while it trains (a loss term, work after each optimizer step), made
   * once per adapter when it is added; {@link PeftModel} and the trainer run it automatically.
   */
  trainingHooks?(ctx: TrainingHooksContext<C>): AdapterTrainingHooks | undefined;
  /**
   * Prompt-learning methods (prompt tuning, p-tuning, prefix tuning) wrap no module: they make one
   * {@link PromptEncoder} per adapter, whose output core injects as virtual tokens or as per-layer
   * key/value prefixes. The config arrives completed from the model (`token_dim`, `num_layers`, …);
   * with `inferenceMode` (always for an adapter read from a file) the encoder must be a plain table
   * of the saved `prompt_embeddings` (`PromptEmbedding`).
   */
  createPromptEncoder?(config: C, ctx: PromptEncoderContext): PromptEncoder | Promise<PromptEncoder>;
}
