import { describeAdapterParity } from '@peft/testing';
import { lora } from './index.js';
import { ADDED_IN_0_21 } from './test-support/peft-021-keys.js';

// LoRA on the encoder-decoder T5 (q and v of every self- and cross-attention), task SEQ_2_SEQ_LM
await describeAdapterParity({ methods: [lora], extraConfigKeys: ADDED_IN_0_21, cases: ['t5_lora'] });
