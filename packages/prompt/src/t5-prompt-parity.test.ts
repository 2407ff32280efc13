import { describePromptParity } from '@peft/testing';
import { promptTuning } from './index.js';

// prompt tuning on the encoder-decoder T5: 2 · num_virtual_tokens rows, the first half in front of the encoder
await describePromptParity({ methods: [promptTuning], cases: ['t5_prompt_random'] });
