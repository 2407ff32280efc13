import { ArgumentError, PluginError } from '../../errors.js';
import type { PretrainedModel } from '../../models/pretrained-model.js';
import type { Generator } from '../../random.js';
import { noGrad } from '../../autograd/graph.js';
import type { Tensor } from '../../tensor.js';
import type { PeftConfig } from '../method/config-schema.js';
import type { PeftMethod } from '../method/peft-method.js';
import type { PromptEncoder, PromptEncoderContext } from './prompt-encoder.js';
import { PromptEncoders } from './prompt-injection.js';
import { type PromptLearningConfig, completePromptLearningConfig, isPromptLearningConfig } from './prompt-learning-config.js';

/** The name a prompt-learning adapter's one saved tensor has (`prompt_embeddings`). @example `state.get(PROMPT_EMBEDDINGS_KEY)` */
export const PROMPT_EMBEDDINGS_KEY = 'prompt_embeddings';

/**
 * Whether `method` is a prompt-learning method (it makes prompt encoders instead of layers).
 *
 * @example
 * ```ts
 * if (isPromptMethod(peft.methodOf(config))) …
 * ```
 */
export function isPromptMethod(method: PeftMethod): boolean {
  return typeof method.createPromptEncoder === 'function';
}

/**
 * Makes adapter `name`'s prompt encoder: completes the config from the model (the method's
 * `prepareConfig`, then {@link completePromptLearningConfig}) and asks the method for the encoder. An
 * adapter read from a file gets the encoder of the saved `prompt_embeddings` (the method is asked as
 * for inference), whatever network trained it. Returns the stored config and the encoder.
 *
 * @example
 * ```ts
 * const { config, encoder } = await createPromptAdapter(model, prompt, cfg, { fromFile: false });
 * ```
 */
export async function createPromptAdapter(
  model: PretrainedModel,
  method: PeftMethod,
  config: PeftConfig,
  opts: { fromFile: boolean; generator?: Generator; tokenize?: PromptEncoderContext['tokenize'] },
): Promise<{ config: PromptLearningConfig; encoder: PromptEncoder }> {
  if (!isPromptLearningConfig(config)) throw new PluginError(`addAdapter: ${method.packageName} makes prompt encoders, but its ${config.peftType} config has no num_virtual_tokens`);
  const info = model.info;
  const prepared = completePromptLearningConfig((method.prepareConfig?.(config, info) ?? config) as PromptLearningConfig, info);
  const asked = opts.fromFile ? Object.freeze({ ...prepared, inferenceMode: true }) : prepared;
  const wordEmbeddings = model.getInputEmbeddings();
  const ctx: PromptEncoderContext = { info, wordEmbeddings, backend: wordEmbeddings.weight.backend, generator: opts.generator, tokenize: opts.tokenize };
  const encoder = await method.createPromptEncoder!(asked, ctx);
  if (opts.fromFile && !encoder.savedParameter()) {
    throw new PluginError(`loadAdapter: ${method.packageName}'s prompt encoder for a saved adapter must be a plain table (savedParameter), got a ${encoder.constructor.name}`);
  }
  return { config: prepared, encoder };
}

/**
 * The prompt encoders of `peft`-like holders: the one active prompt adapter among `active`, if any.
 * Two active prompt adapters are an error (their virtual tokens cannot be combined).
 *
 * @example
 * ```ts
 * const encoder = activePromptEncoder(peft.prompt_encoder, peft.activeAdapters);
 * ```
 */
export function activePromptEncoder(encoders: PromptEncoders | undefined, active: readonly string[]): PromptEncoder | undefined {
  if (!encoders || encoders.disabled) return undefined;
  const found = active.filter((n) => encoders.has(n));
  if (found.length > 1) throw new ArgumentError(`PeftModel.forward: at most one prompt-learning adapter can be active, got ${found.map((n) => `"${n}"`).join(', ')}`);
  return found.length ? encoders.get(found[0]) : undefined;
}

/**
 * What a prompt-learning adapter saves: `prompt_embeddings`, the encoder's output (for p-tuning and
 * prefix projection the derived rows, not the network), detached.
 *
 * @example
 * ```ts
 * const state = promptSavedState(encoder); // Map { 'prompt_embeddings' => Tensor [5, 32] }
 * ```
 */
export function promptSavedState(encoder: PromptEncoder): Map<string, Tensor> {
  return new Map([[PROMPT_EMBEDDINGS_KEY, noGrad(() => encoder.forward())]]);
}
