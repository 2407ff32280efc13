/**
 * Writes LoRA adapters trained here, with the logits they give, for `tools/python-peft-interop.py`
 * to load with Python PEFT and compare. Usage (from packages/lora):
 *
 *   node --conditions=@peft/source --import tsx tools/export-interop.ts OUT_DIR
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AdamW, MethodRegistry, type PeftConfig, PeftModel, type Tensor, createCpuBackend, fromArray, noGrad, tidy } from '@peft/core';
import { directorySource } from '@peft/core/node';
import { loadPretrained } from '@peft/models';
import { lora, loraConfig } from '../src/index.js';

const out = resolve(process.argv[2] ?? 'interop-out');
const models = resolve(import.meta.dirname, '..', '..', 'models', 'test', 'fixtures');
const backend = createCpuBackend();
const registry = new MethodRegistry().register(lora);

interface Case {
  name: string;
  model: 'gpt2' | 'llama' | 'bert';
  configs: Record<string, PeftConfig>;
}

const cases: Case[] = [
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

const ids = [
  [5, 17, 42, 8, 99, 3, 61, 20],
  [11, 2, 73, 45, 6, 88, 30, 14],
];

function ints(rows: number[][]): Tensor {
  return fromArray(rows.flat(), [rows.length, rows[0]!.length], { dtype: 'i32', backend });
}

for (const c of cases) {
  const model = await loadPretrained(directorySource(join(models, c.model)), { backend, onWarning: () => {} });
  const peft = new PeftModel(model, { registry, warn: () => {} });
  for (const [name, config] of Object.entries(c.configs)) await peft.addAdapter(name, config);
  peft.setAdapter(Object.keys(c.configs));
  // two AdamW steps so biases and modules-to-save copies move away from the base
  const opt = new AdamW([...peft.parameters()].filter((p) => p.requiresGrad), { lr: 1e-2, weightDecay: 0 });
  const labels = c.model === 'bert' ? fromArray([0, 2], [2], { dtype: 'i32', backend }) : ints(ids);
  peft.train();
  for (let step = 0; step < 2; step++) {
    tidy(() => peft.forward({ inputIds: ints(ids), labels }).loss!.backward());
    opt.step();
    peft.zeroGrad();
  }
  peft.eval();
  const logits = await noGrad(() => peft.forward({ inputIds: ints(ids) }).logits).data();
  const dir = join(out, c.name);
  await peft.saveAdapter(dir);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'expected.json'),
    JSON.stringify({ model: join(models, c.model), adapters: Object.keys(c.configs), active: Object.keys(c.configs), input_ids: ids, logits: Array.from(logits), shape: [2, ...(c.model === 'bert' ? [3] : [8, 100])] }),
  );
  console.log(`wrote ${dir}`);
}
