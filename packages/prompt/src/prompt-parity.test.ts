import { describePromptParity } from '@peft/testing';
import { promptTuning } from './method.js';

await describePromptParity({
  methods: [promptTuning],
  cases: ['gpt2_prompt_random', 'gpt2_prompt_text', 'llama_prompt_random', 'llama_prompt_text', 'bert_prompt_random', 'bert_prompt_text'],
  generateCases: ['gpt2_prompt_generate', 'llama_prompt_generate'],
});
