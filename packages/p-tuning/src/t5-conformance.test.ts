import { describeMethodConformance } from '@peft/testing';
import { pTuningConfig } from './config.js';
import { pTuning } from './method.js';

// the encoder-decoder: 2 · num_virtual_tokens rows (PEFT's two submodules), the first half before the encoder input
await describeMethodConformance({
  method: pTuning,
  mergeable: false,
  perRowAdapters: false,
  bases: ['t5'],
  configs: [{ name: 'T5 MLP encoder', config: () => pTuningConfig({ numVirtualTokens: 4, encoderHiddenSize: 8, taskType: 'SEQ_2_SEQ_LM' }) }],
});
