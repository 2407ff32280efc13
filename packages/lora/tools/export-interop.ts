/**
 * Writes LoRA adapters trained here, with the logits they give, for `tools/python-peft-interop.py`
 * to load with Python PEFT and compare. Usage (from packages/lora):
 *
 *   node --conditions=@peft/source --import tsx tools/export-interop.ts OUT_DIR
 */
import { resolve } from 'node:path';
import { type InteropCase, exportInteropCases } from '@peft/testing';
import { lora, loraConfig } from '../src/index.js';

const cases: InteropCase[] = [
  { name: 'gpt2_lora', model: 'gpt2', configs: { default: loraConfig({ r: 4, loraAlpha: 8, targetModules: ['c_attn', 'c_fc'], initLoraWeights: false }) } },
  { name: 'gpt2_dora_rslora', model: 'gpt2', configs: { default: loraConfig({ r: 4, loraAlpha: 8, useDora: true, useRslora: true, targetModules: ['c_attn'], initLoraWeights: false }) } },
  { name: 'gpt2_embedding_bias_all', model: 'gpt2', configs: { default: loraConfig({ r: 4, targetModules: ['wte', 'c_attn'], bias: 'all', initLoraWeights: false }) } },
  { name: 'gpt2_lora_only_modules_to_save', model: 'gpt2', configs: { default: loraConfig({ r: 2, targetModules: ['c_attn'], bias: 'lora_only', modulesToSave: ['ln_f'], initLoraWeights: false }) } },
  {
    name: 'llama_patterns',
    model: 'llama',
    configs: { default: loraConfig({ r: 4, loraAlpha: 8, targetModules: 'all-linear', rankPattern: { v_proj: 3, 'layers\\.1\\.self_attn\\.v_proj': 6 } as never, alphaPattern: { o_proj: 2 } as never, initLoraWeights: false }) },
  },
  { name: 'llama_embedding', model: 'llama', configs: { default: loraConfig({ r: 4, targetModules: ['embed_tokens', 'q_proj'], initLoraWeights: false }) } },
  {
    name: 'llama_two_adapters',
    model: 'llama',
    configs: {
      default: loraConfig({ r: 4, targetModules: ['q_proj', 'v_proj'], initLoraWeights: false }),
      other: loraConfig({ r: 2, loraAlpha: 16, targetModules: ['k_proj'], layersToTransform: [1], initLoraWeights: false }),
    },
  },
  { name: 'llama_pissa', model: 'llama', configs: { default: loraConfig({ r: 4, targetModules: ['q_proj', 'o_proj'], initLoraWeights: 'pissa' }) } },
  { name: 'llama_olora', model: 'llama', configs: { default: loraConfig({ r: 4, targetModules: ['q_proj', 'o_proj'], initLoraWeights: 'olora' }) } },
  { name: 'bert_seq_cls', model: 'bert', configs: { default: loraConfig({ r: 4, targetModules: ['query', 'value'], taskType: 'SEQ_CLS', initLoraWeights: false }) } },
];

await exportInteropCases(cases, { methods: [lora], out: resolve(process.argv[2] ?? 'interop-out') });
