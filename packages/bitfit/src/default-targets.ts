/**
 * The modules whose biases BitFit trains when `target_modules` is null: every module of the model
 * type that has a bias (dense layers and layer norms; the output head and the embeddings have none).
 * LLaMA-family models have no biases (`attention_bias` / `mlp_bias` false, RMSNorm), so none are
 * listed: pass `targetModules` for a variant with biases (e.g. `['q_proj', 'k_proj', 'v_proj']`).
 *
 * @example
 * ```ts
 * BITFIT_DEFAULT_TARGETS.gpt2; // ['c_attn', 'c_proj', 'c_fc', 'ln_1', 'ln_2', 'ln_f']
 * ```
 */
export const BITFIT_DEFAULT_TARGETS: Readonly<Record<string, readonly string[]>> = {
  gpt2: ['c_attn', 'c_proj', 'c_fc', 'ln_1', 'ln_2', 'ln_f'],
  bert: ['query', 'key', 'value', 'dense', 'LayerNorm'],
  roberta: ['query', 'key', 'value', 'dense', 'LayerNorm'],
};

/**
 * The default BitFit targets for a model type, or undefined when none are known.
 *
 * @example
 * ```ts
 * bitfitDefaultTargets('bert'); // ['query', 'key', 'value', 'dense', 'LayerNorm']
 * ```
 */
export function bitfitDefaultTargets(modelType: string): readonly string[] | undefined {
  return BITFIT_DEFAULT_TARGETS[modelType];
}
