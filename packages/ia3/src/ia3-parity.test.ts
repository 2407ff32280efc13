import { describeAdapterParity } from '@peft/testing';
import { ia3 } from './index.js';

await describeAdapterParity({
  methods: [ia3],
  cases: ['gpt2_ia3', 'llama_ia3', 'bert_ia3'],
});
