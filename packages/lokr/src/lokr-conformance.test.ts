import { describeMethodConformance } from '@peft/testing';
import { lokr, lokrConfig } from './index.js';

const small = { r: 4, alpha: 8 };

await describeMethodConformance({
  method: lokr,
  noOpAtInit: true,
  bases: ['llama'],
  configs: [
    { name: 'default init', bases: ['llama', 'gpt2'], config: () => lokrConfig({ ...small }) },
    { name: 'lycoris init', config: () => lokrConfig({ ...small, initWeights: 'lycoris' }) },
    { name: 'random init (initWeights: false)', noOpAtInit: false, config: () => lokrConfig({ ...small, initWeights: false, targetModules: ['q_proj', 'o_proj'] }) },
    { name: 'decomposed factors (decomposeBoth, r 1)', config: () => lokrConfig({ r: 1, alpha: 2, decomposeBoth: true, targetModules: ['q_proj', 'v_proj'] }) },
    { name: 'decompose_factor and rank pattern', config: () => lokrConfig({ ...small, decomposeFactor: 2, targetModules: ['q_proj', 'v_proj'], rankPattern: new Map([['v_proj', 2]]) }) },
    { name: 'modules_to_save (SEQ_CLS)', bases: ['bert-seq-cls'], config: () => lokrConfig({ ...small, taskType: 'SEQ_CLS', targetModules: ['query', 'value'] }) },
  ],
});
