import { describeAdapterParity } from '@peft/testing';
import { lora } from './index.js';
import { ADDED_IN_0_21 } from './test-support/peft-021-keys.js';

await describeAdapterParity({
  methods: [lora],
  extraConfigKeys: ADDED_IN_0_21,
  cases: [
    'gpt2_lora',
    'gpt2_lora_rslora',
    'gpt2_lora_dora',
    'gpt2_lora_bias_all',
    'gpt2_lora_bias_lora_only',
    'gpt2_lora_embedding',
    'gpt2_lora_layers_to_transform',
    'gpt2_lora_modules_to_save',
    'gpt2_lora_grads',
    'llama_lora',
    'llama_lora_rslora',
    'llama_lora_dora',
    'llama_lora_dora_grads',
    'llama_lora_grads',
    'llama_lora_embedding',
    'llama_lora_regex',
    'llama_lora_layers_to_transform',
    'llama_lora_rank_alpha_pattern',
    'llama_lora_all_linear',
    'llama_lora_exclude_list',
    'llama_lora_all_linear_exclude_regex',
    'bert_lora',
    'bert_lora_rslora',
    'bert_lora_dora',
    'bert_lora_bias_all',
    'bert_lora_bias_lora_only',
  ],
});
