import { describeMethodConformance } from '@peft/testing';
import { adalora, adaloraConfig } from './index.js';

const small = { initR: 4, targetR: 2, tinit: 2, tfinal: 2, totalStep: 20, loraAlpha: 8 };

// N(0, 1) initial factors (initLoraWeights: false) make large updates: a small alpha keeps the merged
// weights where float32 rounding stays below the suite's 1e-5 on the logits
await describeMethodConformance({
  method: adalora,
  noOpAtInit: true,
  bases: ['gpt2'],
  configs: [
    { name: 'default init', bases: ['gpt2', 'llama'], config: () => adaloraConfig({ ...small }) },
    { name: 'random init (initLoraWeights: false)', noOpAtInit: false, config: () => adaloraConfig({ ...small, loraAlpha: 1, initLoraWeights: false }) },
    {
      name: 'pruned (rank_pattern: modules of ranks 3 and 1)',
      config: () =>
        adaloraConfig({
          ...small,
          rankPattern: new Map([
            ['transformer.h.0.attn.c_attn.lora_E', [true, false, true, true]],
            ['transformer.h.1.attn.c_attn.lora_E', [false, true, false, false]],
          ]),
        }),
    },
    { name: 'modules_to_save (SEQ_CLS)', bases: ['bert-seq-cls'], config: () => adaloraConfig({ ...small, taskType: 'SEQ_CLS', targetModules: ['query', 'value'] }) },
    { name: "'all-linear'", bases: ['llama'], config: () => adaloraConfig({ ...small, targetModules: 'all-linear' }) },
  ],
});
