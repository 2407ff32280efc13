import { describeMethodConformance } from '@peft/testing';
import { bottleneck, bottleneckConfig } from './index.js';

await describeMethodConformance({
  method: bottleneck,
  noOpAtInit: true,
  mergeable: false,
  configs: [
    { name: 'Houlsby (default targets)', bases: ['gpt2', 'llama', 'bert-seq-cls'], config: (b) => bottleneckConfig({ config: 'houlsby', bottleneckSize: 4, taskType: b === 'bert-seq-cls' ? 'SEQ_CLS' : null }) },
    { name: 'Pfeiffer (default targets)', bases: ['gpt2', 'llama', 'bert-seq-cls'], config: () => bottleneckConfig({ config: 'pfeiffer', reductionFactor: 4 }) },
    { name: 'parallel (default targets)', bases: ['gpt2', 'llama', 'bert-seq-cls'], config: () => bottleneckConfig({ config: 'parallel', bottleneckSize: 4, scaling: 2 }) },
    { name: 'Houlsby with layer norms before and after, tanh', config: () => bottleneckConfig({ config: 'houlsby', bottleneckSize: 3, lnBefore: true, lnAfter: true, nonLinearity: 'tanh' }) },
    { name: 'random up-projection (initWeights: false)', noOpAtInit: false, config: () => bottleneckConfig({ initWeights: false, bottleneckSize: 4 }) },
  ],
});
