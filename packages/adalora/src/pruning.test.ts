import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AdamW,
  type Backend,
  MethodRegistry,
  type Parameter,
  PeftModel,
  type Tensor,
  loadSafetensorsTensors,
  memorySource,
  noGrad,
  tidy,
} from '@peft/core';
import { copyTensor, parseStrictJson } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { intTensor, loadFixtureModel } from '@peft/testing';
import { type AdaLoraConfig, SvdLinear, adalora, budgetAt } from './index.js';

/** Made by tools/make-pruning-reference.py with Python PEFT 0.21 (see its notes). */
const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'pruning');
interface Step {
  step: number;
  loss: number;
  budget: number;
  rank_pattern: Record<string, boolean[]> | null;
  lora_E: Record<string, number[]>;
}
const ref = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as {
  train_input_ids: number[][];
  eval_input_ids: number[][];
  steps: Step[];
  logits_after_training: unknown;
};
const flat = (x: unknown): number[] => (x as unknown[]).flat(Infinity as 1) as number[];
const registry = new MethodRegistry();
registry.register(adalora);
const SCHEDULE = { initBudget: 24, targetBudget: 8, tinit: 2, tfinal: 3, totalStep: 16, deltaT: 2 };

describe('the budget schedule', () => {
  it('keeps the initial budget through tinit, falls cubically every deltaT steps, and ends at the target', () => {
    // ⌊16·(1 − (step − 2)/11)³ + 8⌋ between tinit = 2 and total_step − tfinal = 13
    expect([0, 1, 2].map((s) => budgetAt(SCHEDULE, s))).toEqual(Array(3).fill({ budget: 24, mask: false }));
    expect(budgetAt(SCHEDULE, 3)).toEqual({ budget: 20, mask: false }); // 16·(10/11)³ + 8 = 20.02, odd step
    expect(budgetAt(SCHEDULE, 4)).toEqual({ budget: 16, mask: true }); // 16·(9/11)³ + 8 = 16.76
    expect(budgetAt(SCHEDULE, 6)).toEqual({ budget: 12, mask: true }); // 16·(7/11)³ + 8 = 12.12
    expect(budgetAt(SCHEDULE, 8)).toEqual({ budget: 9, mask: true }); // 16·(5/11)³ + 8 = 9.50
    expect(budgetAt(SCHEDULE, 13)).toEqual({ budget: 8, mask: false }); // the last allocation is forced by the allocator
    expect(budgetAt(SCHEDULE, 14)).toEqual({ budget: 8, mask: true });
    expect(ref.steps.map((s) => s.budget)).toEqual(ref.steps.map((s) => budgetAt(SCHEDULE, s.step).budget));
  });
});

function kept(pattern: ReadonlyMap<string, readonly boolean[]> | Record<string, boolean[]> | null): number {
  const lists = pattern instanceof Map ? [...pattern.values()] : Object.values(pattern ?? {});
  return lists.reduce((n, l) => n + l.filter(Boolean).length, 0);
}

function asObject(pattern: ReadonlyMap<string, readonly boolean[]> | null): Record<string, boolean[]> | null {
  return pattern && Object.fromEntries([...pattern].map(([k, v]) => [k, [...v]]));
}

const backends = await testBackends();
describe.each(backends)('AdaLoRA rank pruning on $name', ({ backend }) => {
  const batch = (b: Backend) => {
    const ids = ref.train_input_ids;
    return { inputIds: intTensor(ids, b), attentionMask: intTensor(ids.map((r) => r.map(() => 1)), b), labels: intTensor(ids, b) };
  };
  const evalInputs = (b: Backend) => ({ inputIds: intTensor(ref.eval_input_ids, b), attentionMask: intTensor(ref.eval_input_ids.map((r) => r.map(() => 1)), b) });
  const start = async (dir = join(DIR, 'initial')): Promise<{ peft: PeftModel; opt: AdamW }> => {
    const peft = await PeftModel.fromPretrained(await loadFixtureModel('gpt2', backend), dir, { registry, isTrainable: true, warn: () => {} });
    peft.train();
    return { peft, opt: new AdamW([...peft.parameters()].filter((p) => p.requiresGrad), { lr: 1e-2, weightDecay: 0 }) };
  };
  const step = async (peft: PeftModel, opt: AdamW, i: number): Promise<number> => {
    const loss = tidy(() => {
      const out = peft.forward(batch(backend));
      out.loss!.backward();
      return out.loss!.detach();
    });
    const value = (await readF64(loss))[0];
    loss.dispose();
    opt.step();
    await peft.afterOptimizerStep(i);
    peft.zeroGrad();
    return value;
  };
  const config = (peft: PeftModel) => peft.peftConfig.get('default') as AdaLoraConfig;
  const logits = async (peft: PeftModel): Promise<Float64Array> => {
    const t = noGrad(() => peft.forward(evalInputs(backend)).logits);
    const v = await readF64(t);
    t.dispose();
    return v;
  };

  it('masks ranks to the budget on the scheduled steps, as Python PEFT does, and freezes the masks in rank_pattern', async () => {
    const { peft, opt } = await start();
    const losses: number[] = [];
    for (const r of ref.steps) {
      losses.push(await step(peft, opt, r.step));
      const pattern = config(peft).rankPattern;
      expect(asObject(pattern), `rank_pattern after step ${r.step}`).toEqual(r.rank_pattern);
      // masks are made on the scheduled steps and at total_step − tfinal = 13, then re-applied after every step
      const masked = budgetAt(SCHEDULE, r.step).mask || r.step === 13;
      if (masked) expect(kept(pattern), `ranks kept after step ${r.step}`).toBe(budgetAt(SCHEDULE, r.step).budget);
      for (const [name, values] of Object.entries(r.lora_E)) {
        const e = await readF64(peft.adapterStateDict().get(`base_model.model.${name}`)!);
        expectClose(e, values, { atol: 2e-3, rtol: 0 }, `${name} after step ${r.step}`);
        // masked singular values are exactly zero right after masking (in between, training moves them again)
        if (masked) r.rank_pattern![name].forEach((keep, i) => keep || expect(e[i], `${name}[${i}] after step ${r.step}`).toBe(0));
      }
    }
    expectClose(losses.slice(0, 1), [ref.steps[0].loss], { atol: 1e-5, rtol: 0 }, 'first loss');
    expectClose(losses, ref.steps.map((s) => s.loss), { atol: 1e-4, rtol: 0 }, 'losses');
    expect([...peft.trainingState().keys()].filter((k) => !k.startsWith('default.rank_pattern.')), 'moving averages are dropped once the masks are frozen').toEqual([]);

    // the saved adapter has the sliced shapes and rank_pattern of Python's
    peft.eval();
    const trainedLogits = await logits(peft);
    expectClose(trainedLogits, flat(ref.logits_after_training), { atol: 1e-3, rtol: 0 }, 'logits after training');
    const files = await peft.adapterFiles();
    const ours = loadSafetensorsTensors(files.weights, { backend }).tensors;
    const theirs = loadSafetensorsTensors(readFileSync(join(DIR, 'trained', 'adapter_model.safetensors')), { backend }).tensors;
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [k, t] of theirs) {
      expect(ours.get(k)!.shape, `shape of ${k}`).toEqual(t.shape);
      expectClose(await readF64(ours.get(k)!), await readF64(t), { atol: 2e-3, rtol: 0 }, `saved ${k}`);
    }
    const ourConfig = parseStrictJson(files.config, 'ours') as Map<string, unknown>;
    const theirConfig = parseStrictJson(readFileSync(join(DIR, 'trained', 'adapter_config.json'), 'utf8'), 'theirs') as Map<string, unknown>;
    expect(ourConfig.get('rank_pattern')).toEqual(theirConfig.get('rank_pattern'));
    expect([...(ourConfig.get('rank_pattern') as Map<string, unknown>).keys()]).toEqual([...(theirConfig.get('rank_pattern') as Map<string, unknown>).keys()]);

    // loading it back builds layers of the kept ranks, with the same output
    const loaded = await PeftModel.fromPretrained(await loadFixtureModel('gpt2', backend), memorySource({ 'adapter_config.json': files.config, 'adapter_model.safetensors': files.weights }), { registry, warn: () => {} });
    const ranks = Object.fromEntries(loaded.layers().map(([path, l]) => [path, (l as SvdLinear).r.get('default')]));
    const expectedRanks = Object.fromEntries(Object.entries(ref.steps.at(-1)!.rank_pattern!).map(([k, v]) => [k.replace(/\.lora_E$/, ''), v.filter(Boolean).length]));
    expect(ranks).toEqual(expectedRanks);
    expectClose(await logits(loaded), trainedLogits, { atol: 1e-5, rtol: 0 }, 'logits of the reloaded pruned adapter');
    const again = await loaded.adapterFiles();
    expect(again.config).toBe(files.config);
    expect(Buffer.from(again.weights).equals(Buffer.from(files.weights)), 'saving the reloaded adapter gives the same bytes').toBe(true);
    for (const m of [peft, loaded]) m.dispose();
  });

  it("loads Python PEFT's pruned adapter with the sliced shapes and reproduces its logits", async () => {
    const peft = await PeftModel.fromPretrained(await loadFixtureModel('gpt2', backend), join(DIR, 'trained'), { registry, warn: () => {} });
    const a = peft.adapterStateDict().get('base_model.model.transformer.h.0.attn.c_attn.lora_A')!;
    expect(a.shape).toEqual([ref.steps.at(-1)!.rank_pattern!['transformer.h.0.attn.c_attn.lora_E'].filter(Boolean).length, 32]);
    expectClose(await logits(peft), flat(ref.logits_after_training), { atol: 1e-5, rtol: 0 }, 'logits');
    peft.dispose();
  });

  it('resumes bit-exactly from the adapter weights, the optimizer state and the training state, before and after the masks are frozen', async () => {
    const a = await start();
    const checkpoints = new Map<number, { weights: Map<string, Tensor>; hooks: Map<string, Tensor>; opt: ReturnType<AdamW['stateDict']> }>();
    const cuts = [7, 14]; // in the budgeting phase (moving averages), and after total_step − tfinal (frozen masks only)
    for (let i = 0; i < ref.steps.length; i++) {
      if (cuts.includes(i)) {
        // what a trainer saves: the live (full-rank) adapter tensors, the optimizer and the hooks' state
        checkpoints.set(i, {
          weights: new Map([...a.peft.adapterStateDict()].map(([k, p]) => [k, copyTensor(p)])),
          hooks: new Map([...a.peft.trainingState()].map(([k, t]) => [k, copyTensor(t)])),
          opt: a.opt.stateDict({ snapshot: true }),
        });
      }
      await step(a.peft, a.opt, i);
    }
    expect([...checkpoints.get(7)!.hooks.keys()].filter((k) => k.startsWith('default.exp_avg_')).length).toBe(2 * 3 * 4); // A, B, E of four modules
    expect([...checkpoints.get(14)!.hooks.keys()].sort()).toEqual(Object.keys(ref.steps[13].rank_pattern!).map((k) => `default.rank_pattern.${k}`).sort());
    const final = a.peft.adapterStateDict();
    for (const [cut, cp] of checkpoints) {
      const b = await start(); // a fresh model from the same initial adapter: its config has no rank_pattern
      b.peft.loadAdapterStateDict('default', cp.weights);
      b.peft.loadTrainingState(cp.hooks);
      b.opt.loadStateDict(cp.opt);
      for (let i = cut; i < ref.steps.length; i++) await step(b.peft, b.opt, i);
      expect(config(b.peft).rankPattern, `rank_pattern resumed at ${cut}`).toEqual(config(a.peft).rankPattern);
      for (const [k, p] of b.peft.adapterStateDict()) expectClose(await readF64(p), await readF64(final.get(k) as Parameter), { atol: 0, rtol: 0 }, `${k} resumed at ${cut}`);
      b.peft.dispose();
    }
    a.peft.dispose();
  });
});
