import { describePromptParity } from '@peft/testing';
import { pTuning } from './method.js';

await describePromptParity({ methods: [pTuning], cases: ['gpt2_ptuning', 'llama_ptuning', 'bert_ptuning'] });
