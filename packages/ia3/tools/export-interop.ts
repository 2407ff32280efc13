/**
 * Writes (IA)³ adapters trained here, with the logits they give, for `tools/python-peft-interop.py`
 * to load with Python PEFT and compare. Usage (from packages/ia3):
 *
 *   node --conditions=@peft/source --import tsx tools/export-interop.ts OUT_DIR
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AdamW, MethodRegistry, type PeftConfig, PeftModel, type Tensor, createCpuBackend, fromArray, noGrad, tidy } from '@peft/core';
import { directorySource } from '@peft/core/node';
import { loadPretrained } from '@peft/models';
import { ia3, ia3Config } from '../src/index.js';

const out = resolve(process.argv[2] ?? 'interop-out');
const models = resolve(import.meta.dirname, '..', '..', 'models', 'test', 'fixtures');
const backend = createCpuBackend();
const registry = new MethodRegistry().register(ia3);

interface Case {
  name: string;
  model: 'gpt2' | 'llama' | 'bert';
  configs: Record<string, PeftConfig>;
  /** Adapters combined with addWeightedAdapter after training: [inputs, weights, name]. */
  weighted?: [string[], number[], string];
}

const cases: Case[] = [
  { name: 'gpt2_defaults', model: 'gpt2', configs: { default: ia3Config() } },
  { name: 'gpt2_random_init', model: 'gpt2', configs: { default: ia3Config({ targetModules: ['c_attn', 'c_fc', 'mlp.c_proj'], feedforwardModules: ['mlp.c_proj'], initIa3Weights: false }) } },
  { name: 'llama_defaults', model: 'llama', configs: { default: ia3Config() } },
  { name: 'llama_regex', model: 'llama', configs: { default: ia3Config({ targetModules: '.*\\.(q_proj|up_proj|down_proj)', feedforwardModules: '.*down_proj', initIa3Weights: false }) } },
  {
    name: 'llama_two_adapters',
    model: 'llama',
    configs: {
      default: ia3Config({ targetModules: ['k_proj', 'v_proj', 'down_proj'], feedforwardModules: ['down_proj'], initIa3Weights: false }),
      other: ia3Config({ targetModules: ['q_proj', 'o_proj'], feedforwardModules: ['o_proj'], excludeModules: ['model.layers.0.self_attn.q_proj'], initIa3Weights: false }),
    },
  },
  {
    name: 'llama_weighted',
    model: 'llama',
    configs: {
      default: ia3Config({ targetModules: ['k_proj', 'down_proj'], feedforwardModules: ['down_proj'], initIa3Weights: false }),
      other: ia3Config({ targetModules: ['k_proj'], feedforwardModules: [], initIa3Weights: false }),
    },
    weighted: [['default', 'other'], [0.7, 0.3], 'mix'],
  },
  { name: 'bert_seq_cls', model: 'bert', configs: { default: ia3Config({ taskType: 'SEQ_CLS', initIa3Weights: false }) } },
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
  // a few AdamW steps so the vectors (and the classifier copy) move away from where they started
  const opt = new AdamW([...peft.parameters()].filter((p) => p.requiresGrad), { lr: 5e-2, weightDecay: 0 });
  const labels = c.model === 'bert' ? fromArray([0, 2], [2], { dtype: 'i32', backend }) : ints(ids);
  peft.train();
  for (let step = 0; step < 3; step++) {
    tidy(() => peft.forward({ inputIds: ints(ids), labels }).loss!.backward());
    opt.step();
    peft.zeroGrad();
  }
  let adapters = Object.keys(c.configs);
  if (c.weighted) {
    const [inputs, weights, name] = c.weighted;
    await peft.addWeightedAdapter(inputs, weights, name);
    peft.setAdapter(name);
    // saved at the root as "default" so the Python side loads it like any adapter
    const files = await peft.adapterFiles(name);
    const dir = join(out, c.name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'adapter_config.json'), files.config);
    await writeFile(join(dir, 'adapter_model.safetensors'), files.weights);
    adapters = ['default'];
  }
  peft.eval();
  const logits = await noGrad(() => peft.forward({ inputIds: ints(ids) }).logits).data();
  const dir = join(out, c.name);
  if (!c.weighted) await peft.saveAdapter(dir);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'expected.json'),
    JSON.stringify({ model: join(models, c.model), adapters, active: adapters, input_ids: ids, logits: Array.from(logits), shape: [2, ...(c.model === 'bert' ? [3] : [8, 100])] }),
  );
  console.log(`wrote ${dir}`);
}
