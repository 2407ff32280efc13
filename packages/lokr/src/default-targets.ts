/**
 * Hugging Face PEFT's default LoKr `target_modules` per model type
 * (`TRANSFORMERS_MODELS_TO_LOKR_TARGET_MODULES_MAPPING`, a copy of LoRA's), used when a config gives
 * none. PEFT 0.21's `gemma4` entry is a regex string, which the list-valued protocol cannot express,
 * so it is left out (pass `targetModules` for that model).
 *
 * @example
 * ```ts
 * LOKR_DEFAULT_TARGETS.llama; // ['q_proj', 'v_proj']
 * ```
 */
export const LOKR_DEFAULT_TARGETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  t5: ['q', 'v'],
  mt5: ['q', 'v'],
  bart: ['q_proj', 'v_proj'],
  gpt2: ['c_attn'],
  bloom: ['query_key_value'],
  'blip-2': ['q', 'v', 'q_proj', 'v_proj'],
  opt: ['q_proj', 'v_proj'],
  gptj: ['q_proj', 'v_proj'],
  gpt_neox: ['query_key_value'],
  gpt_neo: ['q_proj', 'v_proj'],
  bert: ['query', 'value'],
  roberta: ['query', 'value'],
  'xlm-roberta': ['query', 'value'],
  electra: ['query', 'value'],
  'deberta-v2': ['query_proj', 'value_proj'],
  deberta: ['in_proj'],
  layoutlm: ['query', 'value'],
  llama: ['q_proj', 'v_proj'],
  llama4: ['q_proj', 'v_proj'],
  chatglm: ['query_key_value'],
  gpt_bigcode: ['c_attn'],
  mpt: ['Wqkv'],
  RefinedWebModel: ['query_key_value'],
  RefinedWeb: ['query_key_value'],
  falcon: ['query_key_value'],
  btlm: ['c_proj', 'c_attn'],
  codegen: ['qkv_proj'],
  mistral: ['q_proj', 'v_proj'],
  mixtral: ['q_proj', 'v_proj'],
  stablelm: ['q_proj', 'v_proj'],
  phi: ['q_proj', 'v_proj', 'fc1', 'fc2'],
  gemma: ['q_proj', 'v_proj'],
  gemma2: ['q_proj', 'v_proj'],
  gemma3_text: ['q_proj', 'v_proj'],
  qwen2: ['q_proj', 'v_proj'],
  qwen3: ['q_proj', 'v_proj'],
  nemotron_h: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
  rwkv: ['key', 'value', 'receptance', 'output'],
  rwkv7: ['r_proj', 'k_proj', 'v_proj', 'o_proj', 'key', 'value'],
});

/**
 * The default LoKr targets for a model type, or undefined when PEFT knows none.
 *
 * @example
 * ```ts
 * lokrDefaultTargets('bert'); // ['query', 'value']
 * ```
 */
export function lokrDefaultTargets(modelType: string): readonly string[] | undefined {
  return Object.hasOwn(LOKR_DEFAULT_TARGETS, modelType) ? LOKR_DEFAULT_TARGETS[modelType] : undefined;
}
