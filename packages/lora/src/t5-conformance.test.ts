import { describeMethodConformance } from '@peft/testing';
import { lora, loraConfig } from './index.js';

const small = { r: 4, loraAlpha: 8, taskType: 'SEQ_2_SEQ_LM' as const };

// the encoder-decoder: q and v of every self- and cross-attention, and the feed-forward
await describeMethodConformance({
  method: lora,
  noOpAtInit: true,
  bases: ['t5'],
  configs: [
    { name: 'T5 default targets (q, v)', config: () => loraConfig({ ...small }) },
    { name: 'T5 random init on q, v and the feed-forward', noOpAtInit: false, config: () => loraConfig({ ...small, initLoraWeights: false, targetModules: ['q', 'v', 'wi', 'wo'] }) },
    { name: 'T5 rsLoRA', config: () => loraConfig({ ...small, useRslora: true }) },
    { name: 'T5 DoRA', config: () => loraConfig({ ...small, useDora: true, targetModules: ['q', 'v', 'wo'] }) },
  ],
});
