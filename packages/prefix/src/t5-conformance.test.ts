import { describeMethodConformance } from '@peft/testing';
import { prefixTuningConfig } from './config.js';
import { prefixTuning } from './method.js';

await describeMethodConformance({
  method: prefixTuning,
  mergeable: false,
  perRowAdapters: false,
  bases: ['t5'],
  configs: [
    { name: 'T5 prefix', config: () => prefixTuningConfig({ numVirtualTokens: 4, taskType: 'SEQ_2_SEQ_LM' }) },
    { name: 'T5 prefix projection', config: () => prefixTuningConfig({ numVirtualTokens: 3, prefixProjection: true, encoderHiddenSize: 8, taskType: 'SEQ_2_SEQ_LM' }) },
  ],
});
