import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdamW, MethodRegistry, PeftModel, type Tensor, createCpuBackend, fromArray, noGrad, tidy } from '@peft/core';
import type { PeftConfig, PeftMethod } from '@peft/core/plugin';
import { fixtureModelDir, loadFixtureModel } from './fixture-files.js';

/**
 * One adapter (or set of adapters) to train here and hand to `tools/python-peft-interop.py`.
 *
 * @example
 * ```ts
 * const c: InteropCase = { name: 'gpt2_lora', model: 'gpt2', configs: { default: loraConfig({ r: 4 }) } };
 * ```
 */
export interface InteropCase {
  readonly name: string;
  readonly model: 'gpt2' | 'llama' | 'bert';
  /** Adapters by name, all active together while training. */
  readonly configs: Readonly<Record<string, PeftConfig>>;
  /** AdamW steps (default 2) and learning rate (default 1e-2). */
  readonly steps?: number;
  readonly lr?: number;
  /**
   * Writes the adapter files into `dir` after training and returns the adapter names the Python side
   * should load and activate; by default `saveAdapter(dir)` and the names of `configs`.
   */
  readonly save?: (peft: PeftModel, dir: string) => Promise<readonly string[]>;
}

const IDS = [
  [5, 17, 42, 8, 99, 3, 61, 20],
  [11, 2, 73, 45, 6, 88, 30, 14],
];

/**
 * Trains each case on the fixture model (CPU backend; the methods' after-step hooks run), saves its
 * adapter files into `out/<name>/` with an `expected.json` holding the model folder, the adapters,
 * the input ids and the logits they give — what `tools/python-peft-interop.py` loads with Python
 * PEFT and compares. Resolves to each case's trained model, by case name.
 *
 * @example
 * ```ts
 * await exportInteropCases([{ name: 'gpt2_lora', model: 'gpt2', configs: { default: cfg } }], { methods: [lora], out: 'interop-out' });
 * ```
 */
export async function exportInteropCases(cases: readonly InteropCase[], opts: { methods: readonly PeftMethod<never>[]; out: string }): Promise<Map<string, PeftModel>> {
  const backend = createCpuBackend();
  const registry = new MethodRegistry();
  for (const m of opts.methods) registry.register(m);
  const ints = (rows: number[][]): Tensor => fromArray(rows.flat(), [rows.length, rows[0].length], { dtype: 'i32', backend });
  const made = new Map<string, PeftModel>();
  for (const c of cases) {
    const peft = new PeftModel(await loadFixtureModel(c.model, backend), { registry, warn: () => {} });
    for (const [name, config] of Object.entries(c.configs)) await peft.addAdapter(name, config);
    peft.setAdapter(Object.keys(c.configs));
    // train a little, so biases, vectors and modules-to-save copies move away from where they started
    const opt = new AdamW([...peft.parameters()].filter((p) => p.requiresGrad), { lr: c.lr ?? 1e-2, weightDecay: 0 });
    const labels = c.model === 'bert' ? fromArray([0, 2], [2], { dtype: 'i32', backend }) : ints(IDS);
    peft.train();
    for (let step = 0; step < (c.steps ?? 2); step++) {
      tidy(() => peft.forward({ inputIds: ints(IDS), labels }).loss!.backward());
      opt.step();
      await peft.afterOptimizerStep(step);
      peft.zeroGrad();
    }
    const dir = join(opts.out, c.name);
    await mkdir(dir, { recursive: true });
    const adapters = c.save
      ? await c.save(peft, dir)
      : await peft.saveAdapter(dir).then(() => Object.keys(c.configs));
    peft.eval();
    const logits = await noGrad(() => peft.forward({ inputIds: ints(IDS) }).logits).data();
    const shape = [2, ...(c.model === 'bert' ? [3] : [8, 100])];
    await writeFile(join(dir, 'expected.json'), JSON.stringify({ model: fixtureModelDir(c.model), adapters, active: adapters, input_ids: IDS, logits: Array.from(logits), shape }));
    made.set(c.name, peft);
  }
  return made;
}
