import { describeAdapterParity } from '@peft/testing';
import { ia3 } from './index.js';

// IA3 on the encoder-decoder T5: k and v scale their outputs, the feed-forward wo its input
await describeAdapterParity({ methods: [ia3], cases: ['t5_ia3'] });
