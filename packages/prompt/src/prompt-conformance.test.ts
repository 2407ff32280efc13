import { describeMethodConformance } from '@peft/testing';
import { promptTuningConfig } from './config.js';
import { promptTuning } from './method.js';

await describeMethodConformance({
  method: promptTuning,
  mergeable: false,
  perRowAdapters: false,
  bases: ['gpt2', 'llama', 'bert-seq-cls'],
  configs: [
    { name: 'random init', config: () => promptTuningConfig({ numVirtualTokens: 4 }) },
    { name: 'SEQ_CLS, the classifier trained and saved (PEFT 0.21)', config: () => promptTuningConfig({ numVirtualTokens: 4, taskType: 'SEQ_CLS' }), bases: ['bert-seq-cls'] },
    { name: 'sample-vocab init', config: () => promptTuningConfig({ numVirtualTokens: 3, promptTuningInit: 'SAMPLE_VOCAB' }), bases: ['llama'] },
  ],
});
