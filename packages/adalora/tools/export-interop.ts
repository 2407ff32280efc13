/**
 * Writes AdaLoRA adapters trained here until their ranks are pruned, with the logits they give, for
 * `tools/python-peft-interop.py` (repository root) to load with Python PEFT and compare. Usage (from
 * packages/adalora):
 *
 *   node --conditions=@peft/source --import tsx tools/export-interop.ts OUT_DIR
 *   python3 ../../tools/python-peft-interop.py OUT_DIR tools/interop-report.json
 */
import { resolve } from 'node:path';
import { type InteropCase, exportInteropCases } from '@peft/testing';
import { type AdaLoraConfig, adalora, adaloraConfig } from '../src/index.js';

const schedule = { initR: 6, targetR: 2, tinit: 2, tfinal: 2, deltaT: 1, totalStep: 12, initLoraWeights: false } as const;
const pruned = (name: string, model: InteropCase['model'], config: AdaLoraConfig): InteropCase => ({ name, model, configs: { default: config }, steps: schedule.totalStep });

const cases: InteropCase[] = [
  pruned('gpt2_adalora_pruned', 'gpt2', adaloraConfig({ ...schedule, targetModules: ['c_attn', 'c_fc'] })),
  pruned('llama_adalora_pruned', 'llama', adaloraConfig({ ...schedule, loraAlpha: 16, targetModules: ['q_proj', 'v_proj', 'down_proj'] })),
  pruned('bert_adalora_pruned', 'bert', adaloraConfig({ ...schedule, taskType: 'SEQ_CLS', targetModules: ['query', 'value'] })),
];

const trained = await exportInteropCases(cases, { methods: [adalora], out: resolve(process.argv[2] ?? 'interop-out') });
for (const [name, peft] of trained) {
  const ranks = (peft.peftConfig.get('default') as AdaLoraConfig).rankPattern;
  console.log(`${name}: kept ranks ${[...(ranks ?? [])].map(([k, v]) => `${k.split('.').slice(-3, -1).join('.')}=${v.filter(Boolean).length}`).join(' ')}`);
}
