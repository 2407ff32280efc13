/**
 * Writes (IA)³ adapters trained here, with the logits they give, for `tools/python-peft-interop.py`
 * to load with Python PEFT and compare. Usage (from packages/ia3):
 *
 *   node --conditions=@peft/source --import tsx tools/export-interop.ts OUT_DIR
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PeftModel } from '@peft/core';
import { type InteropCase, exportInteropCases } from '@peft/testing';
import { ia3, ia3Config } from '../src/index.js';

/** A few larger steps, so the vectors (and the classifier copy) move away from where they started. */
const TRAINING = { steps: 3, lr: 5e-2 } as const;

/** Combines trained adapters with addWeightedAdapter and saves the result at the root as "default". */
function saveWeighted(inputs: string[], weights: number[], name: string): (peft: PeftModel, dir: string) => Promise<string[]> {
  return async (peft, dir) => {
    await peft.addWeightedAdapter(inputs, weights, name);
    peft.setAdapter(name);
    const files = await peft.adapterFiles(name);
    await writeFile(join(dir, 'adapter_config.json'), files.config);
    await writeFile(join(dir, 'adapter_model.safetensors'), files.weights);
    return ['default'];
  };
}

const cases: InteropCase[] = [
  { name: 'gpt2_defaults', model: 'gpt2', ...TRAINING, configs: { default: ia3Config() } },
  { name: 'gpt2_random_init', model: 'gpt2', ...TRAINING, configs: { default: ia3Config({ targetModules: ['c_attn', 'c_fc', 'mlp.c_proj'], feedforwardModules: ['mlp.c_proj'], initIa3Weights: false }) } },
  { name: 'llama_defaults', model: 'llama', ...TRAINING, configs: { default: ia3Config() } },
  { name: 'llama_regex', model: 'llama', ...TRAINING, configs: { default: ia3Config({ targetModules: '.*\\.(q_proj|up_proj|down_proj)', feedforwardModules: '.*down_proj', initIa3Weights: false }) } },
  {
    ...TRAINING,
    name: 'llama_two_adapters',
    model: 'llama',
    configs: {
      default: ia3Config({ targetModules: ['k_proj', 'v_proj', 'down_proj'], feedforwardModules: ['down_proj'], initIa3Weights: false }),
      other: ia3Config({ targetModules: ['q_proj', 'o_proj'], feedforwardModules: ['o_proj'], excludeModules: ['model.layers.0.self_attn.q_proj'], initIa3Weights: false }),
    },
  },
  {
    ...TRAINING,
    name: 'llama_weighted',
    model: 'llama',
    configs: {
      default: ia3Config({ targetModules: ['k_proj', 'down_proj'], feedforwardModules: ['down_proj'], initIa3Weights: false }),
      other: ia3Config({ targetModules: ['k_proj'], feedforwardModules: [], initIa3Weights: false }),
    },
    save: saveWeighted(['default', 'other'], [0.7, 0.3], 'mix'),
  },
  { name: 'bert_seq_cls', model: 'bert', ...TRAINING, configs: { default: ia3Config({ taskType: 'SEQ_CLS', initIa3Weights: false }) } },
];

await exportInteropCases(cases, { methods: [ia3], out: resolve(process.argv[2] ?? 'interop-out') });
