import { describeMethodConformance } from '@peft/testing';
import { vera, veraConfig } from './index.js';

await describeMethodConformance({
  method: vera,
  noOpAtInit: true,
  bases: ['gpt2'],
  configs: [
    { name: 'default targets', bases: ['gpt2', 'llama'], config: () => veraConfig({ r: 4 }) },
    { name: 'several layer sizes sharing one projection', bases: ['llama'], config: () => veraConfig({ r: 4, targetModules: ['q_proj', 'k_proj', 'up_proj', 'down_proj'] }) },
    { name: 'random init (initWeights: false)', noOpAtInit: false, config: () => veraConfig({ r: 4, initWeights: false }) },
    { name: 'projections not saved', config: () => veraConfig({ r: 4, saveProjection: false }) },
  ],
});
