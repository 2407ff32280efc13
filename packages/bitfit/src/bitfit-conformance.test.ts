import { describeMethodConformance } from '@peft/testing';
import { bitfit, bitfitConfig } from './index.js';

await describeMethodConformance({
  method: bitfit,
  noOpAtInit: true,
  configs: [
    { name: 'every bias (default targets)', bases: ['gpt2'], config: () => bitfitConfig() },
    { name: 'every bias + a trainable classifier (SEQ_CLS)', bases: ['bert-seq-cls'], config: () => bitfitConfig({ taskType: 'SEQ_CLS' }) },
    { name: 'biases selected by a regex', bases: ['gpt2', 'bert-seq-cls'], config: () => bitfitConfig({ targetModules: '.*\\.(attn\\.c_attn|attention\\.self\\.query|ln_\\d|LayerNorm)' }) },
  ],
});
