/** Keys Hugging Face PEFT 0.21 writes for LoRA on top of 0.15.2's (peft_version aside): the golden files predate them. */
export const ADDED_IN_0_21 = [
  'alora_invocation_tokens',
  'arrow_config',
  'ensure_weight_tying',
  'kasa_config',
  'lora_ga_config',
  'monteclora_config',
  'qalora_group_size',
  'target_parameters',
  'use_bdlora',
  'use_qalora',
  'velora_config',
];
