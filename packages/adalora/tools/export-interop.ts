/**
 * Writes AdaLoRA adapters trained here until their ranks are pruned, with the logits they give, for
 * `tools/python-peft-interop.py` (repository root) to load with Python PEFT and compare. Usage (from
 * packages/adalora):
 *
 *   node --conditions=@peft/source --import tsx tools/export-interop.ts OUT_DIR
 *   python3 ../../tools/python-peft-interop.py OUT_DIR tools/interop-report.json
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AdamW, MethodRegistry, PeftModel, type Tensor, createCpuBackend, fromArray, noGrad, tidy } from '@peft/core';
import { directorySource } from '@peft/core/node';
import { loadPretrained } from '@peft/models';
import { type AdaLoraConfig, adalora, adaloraConfig } from '../src/index.js';

const out = resolve(process.argv[2] ?? 'interop-out');
const models = resolve(import.meta.dirname, '..', '..', 'models', 'test', 'fixtures');
const backend = createCpuBackend();
const registry = new MethodRegistry().register(adalora);
const schedule = { initR: 6, targetR: 2, tinit: 2, tfinal: 2, deltaT: 1, totalStep: 12, initLoraWeights: false } as const;

const cases: { name: string; model: 'gpt2' | 'llama' | 'bert'; config: AdaLoraConfig }[] = [
  { name: 'gpt2_adalora_pruned', model: 'gpt2', config: adaloraConfig({ ...schedule, targetModules: ['c_attn', 'c_fc'] }) },
  { name: 'llama_adalora_pruned', model: 'llama', config: adaloraConfig({ ...schedule, loraAlpha: 16, targetModules: ['q_proj', 'v_proj', 'down_proj'] }) },
  { name: 'bert_adalora_pruned', model: 'bert', config: adaloraConfig({ ...schedule, taskType: 'SEQ_CLS', targetModules: ['query', 'value'] }) },
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
  await peft.addAdapter('default', c.config);
  const opt = new AdamW([...peft.parameters()].filter((p) => p.requiresGrad), { lr: 1e-2, weightDecay: 0 });
  const labels = c.model === 'bert' ? fromArray([0, 2], [2], { dtype: 'i32', backend }) : ints(ids);
  peft.train();
  for (let step = 0; step < c.config.totalStep!; step++) {
    tidy(() => peft.forward({ inputIds: ints(ids), labels }).loss!.backward());
    opt.step();
    await peft.afterOptimizerStep(step);
    peft.zeroGrad();
  }
  peft.eval();
  const logits = await noGrad(() => peft.forward({ inputIds: ints(ids) }).logits).data();
  const dir = join(out, c.name);
  await peft.saveAdapter(dir);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'expected.json'),
    JSON.stringify({ model: join(models, c.model), adapters: ['default'], active: ['default'], input_ids: ids, logits: Array.from(logits), shape: [2, ...(c.model === 'bert' ? [3] : [8, 100])] }),
  );
  const ranks = (peft.peftConfig.get('default') as AdaLoraConfig).rankPattern;
  console.log(`wrote ${dir}: kept ranks ${[...(ranks ?? [])].map(([k, v]) => `${k.split('.').slice(-3, -1).join('.')}=${v.filter(Boolean).length}`).join(' ')}`);
}
