import { describePromptParity } from '@peft/testing';
import { prefixTuning } from './method.js';

await describePromptParity({
  methods: [prefixTuning],
  cases: ['gpt2_prefix', 'llama_prefix', 'bert_prefix', 'gpt2_prefix_projection', 'llama_prefix_projection', 'bert_prefix_projection'],
  generateCases: ['gpt2_prefix_generate', 'llama_prefix_generate'],
});
