import { describeMethodConformance } from '@peft/testing';
import { lora, loraConfig } from './index.js';

const small = { r: 4, loraAlpha: 8 };

await describeMethodConformance({
  method: lora,
  noOpAtInit: true,
  bases: ['gpt2'],
  configs: [
    { name: 'default init', bases: ['gpt2', 'llama'], config: () => loraConfig({ ...small }) },
    { name: 'random init (initLoraWeights: false)', noOpAtInit: false, config: () => loraConfig({ ...small, initLoraWeights: false }) },
    { name: 'rsLoRA', config: () => loraConfig({ ...small, useRslora: true }) },
    { name: 'DoRA', bases: ['gpt2', 'llama'], config: () => loraConfig({ ...small, useDora: true }) },
    { name: "bias 'all'", config: () => loraConfig({ ...small, bias: 'all' }) },
    { name: 'embedding targets (wte, tied to lm_head)', mergeKeepsOutput: false, config: () => loraConfig({ ...small, targetModules: ['wte', 'c_attn'] }) },
    { name: 'embedding targets (embed_tokens)', bases: ['llama'], config: () => loraConfig({ ...small, targetModules: ['embed_tokens', 'q_proj'] }) },
    { name: 'modules_to_save (SEQ_CLS)', bases: ['bert-seq-cls'], config: () => loraConfig({ ...small, taskType: 'SEQ_CLS', targetModules: ['query', 'value'] }) },
    { name: "'all-linear'", bases: ['llama'], config: () => loraConfig({ ...small, targetModules: 'all-linear' }) },
    { name: 'PiSSA', bases: ['llama'], noOpTolerance: 1e-4, rewritesBase: true, config: () => loraConfig({ ...small, initLoraWeights: 'pissa' }) },
    { name: 'OLoRA', bases: ['llama'], noOpTolerance: 1e-4, rewritesBase: true, config: () => loraConfig({ ...small, initLoraWeights: 'olora' }) },
  ],
});
