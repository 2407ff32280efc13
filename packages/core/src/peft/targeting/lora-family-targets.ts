/**
 * Hugging Face PEFT's default `target_modules` per model type for LoRA and the methods that copy its
 * table (LoHa, LoKr): `TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING`, used when a config gives
 * none. PEFT 0.21's `gemma4` entry is a regex string, which a list-valued default cannot express, so
 * it is left out (pass target modules for that model).
 *
 * @example
 * ```ts
 * LORA_FAMILY_TARGETS.gpt2;  // ['c_attn']
 * LORA_FAMILY_TARGETS.llama; // ['q_proj', 'v_proj']
 * ```
 */
export const LORA_FAMILY_TARGETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
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
 * The default LoRA-family targets for a model type ({@link LORA_FAMILY_TARGETS}), or undefined when
 * Hugging Face PEFT knows none. A method uses it as its `defaultTargets`.
 *
 * @example
 * ```ts
 * loraFamilyTargets('bert'); // ['query', 'value']
 * const method = { ...mine, defaultTargets: loraFamilyTargets };
 * ```
 */
export function loraFamilyTargets(modelType: string): readonly string[] | undefined {
  return Object.hasOwn(LORA_FAMILY_TARGETS, modelType) ? LORA_FAMILY_TARGETS[modelType] : undefined;
}
