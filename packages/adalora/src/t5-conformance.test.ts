import { describeMethodConformance } from '@peft/testing';
import { adalora, adaloraConfig } from './index.js';

// AdaLoRA's T5 defaults: q, k, v, o, wi and wo (wi_0 and wi_1 for a gated feed-forward)
await describeMethodConformance({
  method: adalora,
  noOpAtInit: true,
  bases: ['t5'],
  configs: [{ name: 'T5 defaults (q, k, v, o, wi, wo)', config: () => adaloraConfig({ initR: 4, targetR: 2, tinit: 2, tfinal: 2, totalStep: 20, loraAlpha: 8, targetModules: ['q', 'k', 'v', 'o', 'wi', 'wo'], taskType: 'SEQ_2_SEQ_LM' }) }],
});
