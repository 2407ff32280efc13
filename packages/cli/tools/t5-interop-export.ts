/**
 * Trains adapters on the tiny T5 fixture here and writes them, with the decoder logits they give,
 * for `tools/t5-python-peft-check.py` to load with Python PEFT and compare. Usage (from packages/cli):
 *
 *   node --conditions=@peft/source --import tsx tools/t5-interop-export.ts OUT_DIR
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AdamW, MethodRegistry, type PeftConfig, createCpuBackend, fromArray, getPeftModel, noGrad, tidy } from '@peft/core';
import { directorySource } from '@peft/core/node';
import { ia3, ia3Config } from '@peft/ia3';
import { lora, loraConfig } from '@peft/lora';
import { loadPretrained } from '@peft/models';
import { pTuning, pTuningConfig } from '@peft/p-tuning';
import { prefixTuning, prefixTuningConfig } from '@peft/prefix';
import { promptTuning, promptTuningConfig } from '@peft/prompt';

const MODEL = resolve(import.meta.dirname, '..', '..', 'models', 'test', 'fixtures', 't5');
const task = { taskType: 'SEQ_2_SEQ_LM' as const };
const CASES: Record<string, PeftConfig> = {
  t5_lora_qv_wo: loraConfig({ ...task, r: 4, loraAlpha: 8, targetModules: ['q', 'v', 'wo'], initLoraWeights: false }),
  t5_dora_rslora: loraConfig({ ...task, r: 4, loraAlpha: 8, useDora: true, useRslora: true, targetModules: ['q', 'v'], initLoraWeights: false }),
  t5_ia3: ia3Config({ ...task }),
  t5_prefix: prefixTuningConfig({ ...task, numVirtualTokens: 5 }),
  t5_prompt: promptTuningConfig({ ...task, numVirtualTokens: 4 }),
  t5_ptuning: pTuningConfig({ ...task, numVirtualTokens: 4, encoderHiddenSize: 16 }),
};
const IDS = [
  [5, 17, 42, 8, 99, 3, 61, 20],
  [11, 2, 73, 45, 6, 88, 30, 14],
];
const DECODER = [
  [0, 7, 19, 33, 2],
  [0, 51, 4, 8, 90],
];
const LABELS = [
  [7, 19, 33, 2, 1],
  [51, 4, 8, 90, 1],
];

const out = resolve(process.argv[2] ?? 't5-interop-out');
const backend = createCpuBackend();
const registry = new MethodRegistry();
for (const m of [lora, ia3, prefixTuning, promptTuning, pTuning]) registry.register(m as never);
const ints = (rows: number[][]) => fromArray(rows.flat(), [rows.length, rows[0].length], { dtype: 'i32', backend });
for (const [name, config] of Object.entries(CASES)) {
  const model = await loadPretrained(directorySource(MODEL), { backend, onWarning: () => {} });
  const peft = await getPeftModel(model, config, { registry, warn: () => {} });
  const opt = new AdamW([...peft.parameters()].filter((p) => p.requiresGrad), { lr: 5e-2, weightDecay: 0 });
  peft.train();
  for (let step = 0; step < 3; step++) {
    tidy(() => peft.forward({ inputIds: ints(IDS), labels: ints(LABELS) }).loss!.backward());
    opt.step();
    await peft.afterOptimizerStep(step);
    peft.zeroGrad();
  }
  const dir = join(out, name);
  await mkdir(dir, { recursive: true });
  await peft.saveAdapter(dir);
  peft.eval();
  const inputs = { inputIds: ints(IDS), decoderInputIds: ints(DECODER) };
  const logits = await noGrad(() => peft.forward(inputs).logits).data();
  await writeFile(join(dir, 'expected.json'), JSON.stringify({ model: MODEL, input_ids: IDS, decoder_input_ids: DECODER, logits: Array.from(logits), shape: [2, 5, 100] }));
  console.error(`${name}: written`);
}
