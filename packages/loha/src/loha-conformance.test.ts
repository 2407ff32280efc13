import { describeMethodConformance } from '@peft/testing';
import { loha, lohaConfig } from './index.js';

const small = { r: 4, alpha: 8 };

await describeMethodConformance({
  method: loha,
  noOpAtInit: true,
  bases: ['llama'],
  configs: [
    { name: 'default init', bases: ['llama', 'gpt2'], config: () => lohaConfig({ ...small }) },
    { name: 'random init (initWeights: false)', noOpAtInit: false, config: () => lohaConfig({ ...small, initWeights: false, targetModules: ['q_proj', 'o_proj'] }) },
    { name: 'rank and alpha patterns', config: () => lohaConfig({ ...small, targetModules: ['q_proj', 'v_proj'], rankPattern: new Map([['v_proj', 2]]), alphaPattern: new Map([['q_proj', 16]]) }) },
    { name: 'modules_to_save (SEQ_CLS)', bases: ['bert-seq-cls'], config: () => lohaConfig({ ...small, taskType: 'SEQ_CLS', targetModules: ['query', 'value'] }) },
    { name: "'all-linear'", config: () => lohaConfig({ ...small, targetModules: 'all-linear' }) },
  ],
});
