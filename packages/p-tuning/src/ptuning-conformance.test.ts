import { describeMethodConformance } from '@peft/testing';
import { pTuningConfig } from './config.js';
import { pTuning } from './method.js';

await describeMethodConformance({
  method: pTuning,
  mergeable: false,
  perRowAdapters: false,
  bases: ['gpt2', 'llama', 'bert-seq-cls'],
  configs: [
    { name: 'MLP encoder', config: () => pTuningConfig({ numVirtualTokens: 4, encoderHiddenSize: 8 }) },
    { name: 'LSTM encoder', config: () => pTuningConfig({ numVirtualTokens: 3, encoderReparameterizationType: 'LSTM', encoderHiddenSize: 6, encoderNumLayers: 2 }), bases: ['llama'] },
  ],
});
