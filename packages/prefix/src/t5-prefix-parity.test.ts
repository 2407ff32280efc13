import { describePromptParity } from '@peft/testing';
import { prefixTuning } from './index.js';

// prefix tuning on the encoder-decoder T5: the prefix reaches the decoder's self-attention (PEFT's seq2seq layout)
await describePromptParity({ methods: [prefixTuning], cases: ['t5_prefix'] });
