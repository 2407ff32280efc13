import { describeMethodConformance } from '@peft/testing';
import { lokr, lokrConfig } from './index.js';

await describeMethodConformance({
  method: lokr,
  noOpAtInit: true,
  bases: ['t5'],
  configs: [{ name: 'T5 attention and feed-forward', noOpAtInit: false, config: () => lokrConfig({ r: 4, alpha: 8, initWeights: false, targetModules: ['q', 'v', 'wo'], taskType: 'SEQ_2_SEQ_LM' }) }],
});
