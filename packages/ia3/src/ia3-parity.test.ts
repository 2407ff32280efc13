import { describeAdapterParity } from '@peft/testing';
import { ia3 } from './index.js';

// t5_ia3 is not run: @peft/models has no T5 (encoder-decoder) model yet.
await describeAdapterParity({
  methods: [ia3],
  cases: ['gpt2_ia3', 'llama_ia3', 'bert_ia3'],
});
