import { describeMethodConformance } from '@peft/testing';
import { loha, lohaConfig } from './index.js';

await describeMethodConformance({
  method: loha,
  noOpAtInit: true,
  bases: ['t5'],
  configs: [{ name: 'T5 attention and feed-forward', noOpAtInit: false, config: () => lohaConfig({ r: 4, alpha: 8, initWeights: false, targetModules: ['q', 'v', 'wo'], taskType: 'SEQ_2_SEQ_LM' }) }],
});
