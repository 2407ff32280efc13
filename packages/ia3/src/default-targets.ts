/**
 * Hugging Face PEFT 0.21's default (IA)³ `target_modules` per model type
 * (`TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING`), used when a config gives none.
 *
 * @example
 * ```ts
 * IA3_DEFAULT_TARGETS.gpt2;  // ['c_attn', 'mlp.c_proj']
 * IA3_DEFAULT_TARGETS.llama; // ['k_proj', 'v_proj', 'down_proj']
 * ```
 */
export const IA3_DEFAULT_TARGETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  t5: ['k', 'v', 'wo'],
  mt5: ['k', 'v', 'wi_1'],
  gpt2: ['c_attn', 'mlp.c_proj'],
  bloom: ['query_key_value', 'mlp.dense_4h_to_h'],
  roberta: ['key', 'value', 'output.dense'],
  opt: ['q_proj', 'k_proj', 'fc2'],
  gptj: ['q_proj', 'v_proj', 'fc_out'],
  gpt_neox: ['query_key_value', 'dense_4h_to_h'],
  gpt_neo: ['q_proj', 'v_proj', 'c_proj'],
  bart: ['q_proj', 'v_proj', 'fc2'],
  gpt_bigcode: ['c_attn', 'mlp.c_proj'],
  llama: ['k_proj', 'v_proj', 'down_proj'],
  llama4: ['q_proj', 'v_proj', 'down_proj'],
  mistral: ['k_proj', 'v_proj', 'down_proj'],
  mixtral: ['k_proj', 'v_proj', 'w2'],
  bert: ['key', 'value', 'output.dense'],
  'deberta-v2': ['key_proj', 'value_proj', 'output.dense'],
  deberta: ['in_proj', 'output.dense'],
  RefinedWebModel: ['query_key_value', 'dense_4h_to_h'],
  RefinedWeb: ['query_key_value', 'dense_4h_to_h'],
  falcon: ['query_key_value', 'dense_4h_to_h'],
  phi: ['q_proj', 'v_proj', 'fc2'],
  gemma: ['q_proj', 'v_proj', 'down_proj'],
  gemma2: ['q_proj', 'v_proj', 'down_proj'],
  gemma3_text: ['q_proj', 'v_proj', 'down_proj'],
  qwen2: ['q_proj', 'v_proj', 'down_proj'],
  qwen3: ['q_proj', 'v_proj', 'down_proj'],
});

/**
 * Hugging Face PEFT 0.21's default (IA)³ `feedforward_modules` per model type
 * (`TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING`): the targets whose input, not output, is
 * scaled. Used when a config gives none, whether or not it gives `target_modules`.
 *
 * @example
 * ```ts
 * IA3_DEFAULT_FEEDFORWARD.bert; // ['output.dense']
 * IA3_DEFAULT_FEEDFORWARD.mt5;  // [] (known, but no feed-forward targets)
 * ```
 */
export const IA3_DEFAULT_FEEDFORWARD: Readonly<Record<string, readonly string[]>> = Object.freeze({
  t5: ['wo'],
  mt5: [],
  gpt2: ['mlp.c_proj'],
  bloom: ['mlp.dense_4h_to_h'],
  roberta: ['output.dense'],
  opt: ['fc2'],
  gptj: ['fc_out'],
  gpt_neox: ['dense_4h_to_h'],
  gpt_neo: ['c_proj'],
  bart: ['fc2'],
  gpt_bigcode: ['mlp.c_proj'],
  llama: ['down_proj'],
  llama4: ['down_proj'],
  mistral: ['down_proj'],
  mixtral: ['w2'],
  bert: ['output.dense'],
  'deberta-v2': ['output.dense'],
  deberta: ['output.dense'],
  RefinedWeb: ['dense_4h_to_h'],
  RefinedWebModel: ['dense_4h_to_h'],
  falcon: ['dense_4h_to_h'],
  phi: ['fc2'],
  gemma: ['down_proj'],
  gemma2: ['down_proj'],
  gemma3_text: ['down_proj'],
  qwen2: ['down_proj'],
  qwen3: ['down_proj'],
});

/**
 * The default (IA)³ targets for a model type, or undefined when Hugging Face PEFT knows none.
 *
 * @example
 * ```ts
 * ia3DefaultTargets('bert'); // ['key', 'value', 'output.dense']
 * ```
 */
export function ia3DefaultTargets(modelType: string): readonly string[] | undefined {
  return Object.hasOwn(IA3_DEFAULT_TARGETS, modelType) ? IA3_DEFAULT_TARGETS[modelType] : undefined;
}

/**
 * The default (IA)³ feed-forward modules for a model type, or undefined when Hugging Face PEFT knows
 * none (then a config must name them).
 *
 * @example
 * ```ts
 * ia3DefaultFeedforward('llama'); // ['down_proj']
 * ```
 */
export function ia3DefaultFeedforward(modelType: string): readonly string[] | undefined {
  return Object.hasOwn(IA3_DEFAULT_FEEDFORWARD, modelType) ? IA3_DEFAULT_FEEDFORWARD[modelType] : undefined;
}
