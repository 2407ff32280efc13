import { describeAdapterParity } from '@peft/testing';
import { adalora } from './index.js';

// keys Hugging Face PEFT 0.21 writes for AdaLoRA beyond those of 0.15.2, which wrote these cases
const ADDED_IN_0_21 = [
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

await describeAdapterParity({
  methods: [adalora],
  extraConfigKeys: ADDED_IN_0_21,
  cases: ['gpt2_adalora', 'llama_adalora', 'bert_adalora'],
});
