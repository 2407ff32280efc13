import { describeMethodConformance } from '@peft/testing';
import { ia3, ia3Config } from './index.js';

await describeMethodConformance({
  method: ia3,
  noOpAtInit: true,
  bases: ['gpt2'],
  configs: [
    { name: 'default targets and feed-forward modules', bases: ['gpt2', 'llama'], config: () => ia3Config() },
    { name: 'default targets, SEQ_CLS (classifier saved)', bases: ['bert-seq-cls'], config: () => ia3Config({ taskType: 'SEQ_CLS' }) },
    { name: 'random init (initIa3Weights: false)', noOpAtInit: false, config: () => ia3Config({ initIa3Weights: false }) },
    { name: 'output scaling only', bases: ['llama'], config: () => ia3Config({ targetModules: ['q_proj', 'v_proj'], feedforwardModules: [] }) },
    { name: 'input scaling only (regex feed-forward)', bases: ['llama'], config: () => ia3Config({ targetModules: ['up_proj', 'down_proj'], feedforwardModules: '.*_proj' }) },
    { name: "'all-linear'", bases: ['llama'], config: () => ia3Config({ targetModules: 'all-linear', feedforwardModules: ['down_proj'] }) },
  ],
});
