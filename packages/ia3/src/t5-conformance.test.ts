import { describeMethodConformance } from '@peft/testing';
import { ia3, ia3Config } from './index.js';

await describeMethodConformance({
  method: ia3,
  noOpAtInit: true,
  bases: ['t5'],
  configs: [
    { name: 'T5 default targets (k, v, and wo as feed-forward)', config: () => ia3Config({ taskType: 'SEQ_2_SEQ_LM' }) },
    { name: 'T5 random init', noOpAtInit: false, config: () => ia3Config({ taskType: 'SEQ_2_SEQ_LM', initIa3Weights: false }) },
  ],
});
