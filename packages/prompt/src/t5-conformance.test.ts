import { describeMethodConformance } from '@peft/testing';
import { promptTuningConfig } from './config.js';
import { promptTuning } from './method.js';

await describeMethodConformance({
  method: promptTuning,
  mergeable: false,
  perRowAdapters: false,
  bases: ['t5'],
  configs: [{ name: 'T5 random init', config: () => promptTuningConfig({ numVirtualTokens: 4, taskType: 'SEQ_2_SEQ_LM' }) }],
});
