import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BatchSplit,
  Generator,
  MethodRegistry,
  Module,
  Parallel,
  PeftModel,
  type Parameter,
  type PretrainedModel,
  Stack,
  type Tensor,
  memorySource,
  noGrad,
} from '@peft/core';
import { add, matmul, mul, promptForward, relu, transpose } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { bottleneck, bottleneckConfig } from '@peft/adapters';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel, perturbAdapter, tinyBatch } from '@peft/testing';
import { bitfit, bitfitConfig } from './index.js';
import { prefixTuning, prefixTuningConfig } from '@peft/prefix';


const backends = await testBackends();
const NAMES = ['lora', 'adapters', 'bitfit', 'prefix'] as const;
const SAVED = 'base_model.model.';

/** A module computing `f(x)`: the hand-written stand-in for a wrapped module. */
class Fn extends Module {
  constructor(private readonly f: (x: Tensor) => Tensor) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.f(x);
  }
}

describe.each(backends)('a stack of LoRA, bottleneck adapters, BitFit and a prefix on $name', ({ backend }) => {
  const made: { dispose(): void }[] = [];
  afterEach(() => {
    for (const m of made.splice(0)) m.dispose();
  });
  const registry = new MethodRegistry().register(lora).register(bottleneck).register(bitfit).register(prefixTuning);
  const base = (): PretrainedModel => {
    const m = createTinyModel('gpt2', backend, 0);
    made.push(m);
    return m;
  };
  const batch = (): ReturnType<typeof tinyBatch> => {
    const b = tinyBatch('gpt2', backend);
    made.push(b.inputIds, b.attentionMask, b.labels);
    return b;
  };
  const logits = async (m: PeftModel, b: ReturnType<typeof tinyBatch>): Promise<Float64Array> => {
    const t = noGrad(() => m.forward({ inputIds: b.inputIds, attentionMask: b.attentionMask }).logits);
    made.push(t);
    return readF64(t);
  };
  const maxDiff = (a: Float64Array, b: Float64Array): number => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  const stacked = async (): Promise<PeftModel> => {
    const peft = new PeftModel(base(), { registry, generator: new Generator(1), warn: () => {} });
    made.push(peft);
    await peft.addAdapter('lora', loraConfig({ r: 2, targetModules: ['c_attn'] }));
    await peft.addAdapter('adapters', bottleneckConfig({ config: 'pfeiffer', bottleneckSize: 4 }));
    await peft.addAdapter('bitfit', bitfitConfig({ targetModules: ['ln_1', 'ln_2', 'ln_f', 'attn.c_proj', 'c_fc'] }));
    await peft.addAdapter('prefix', prefixTuningConfig({ numVirtualTokens: 3 }));
    NAMES.forEach((n, i) => perturbAdapter(peft, n, new Generator(10 + i)));
    peft.setComposition(Stack(...NAMES));
    return peft;
  };
  const state = (peft: PeftModel, name: string): Map<string, Tensor> =>
    new Map([...peft.adapterStateDict(name)].filter(([k]) => k.startsWith(SAVED)).map(([k, v]) => [k.slice(SAVED.length), v]));

  it('gives the logits of the four methods composed by hand', async () => {
    const b = batch();
    const peft = await stacked();
    const got = await logits(peft, b);
    // by hand, on a fresh base: LoRA's x·Aᵀ·Bᵀ·(α/r) beside c_attn, the Pfeiffer adapter
    // y + up(relu(down(y))) after mlp.c_proj, BitFit's biases in place, the prefix's key/value rows
    const manual = base();
    const scaling = 8 / 2;
    const lo = state(peft, 'lora');
    for (const [key, a] of lo) {
      if (!key.endsWith('.lora_A.weight')) continue;
      const path = key.slice(0, -'.lora_A.weight'.length);
      const bw = lo.get(`${path}.lora_B.weight`)!;
      const orig = manual.getModule(path) as unknown as { forward(x: Tensor): Tensor };
      manual.replaceModule(path, new Fn((x) => add(orig.forward(x), mul(matmul(matmul(x, transpose(a)), transpose(bw)), scaling))));
    }
    const ad = state(peft, 'adapters');
    for (const key of ad.keys()) {
      if (!key.endsWith('.adapter_down.weight')) continue;
      const path = key.slice(0, -'.adapter_down.weight'.length);
      const [dw, db, uw, ub] = ['adapter_down.weight', 'adapter_down.bias', 'adapter_up.weight', 'adapter_up.bias'].map((k) => ad.get(`${path}.${k}`)!);
      const orig = manual.getModule(path) as unknown as { forward(x: Tensor): Tensor };
      manual.replaceModule(path, new Fn((x) => {
        const y = orig.forward(x);
        return add(y, add(matmul(relu(add(matmul(y, transpose(dw)), db)), transpose(uw)), ub));
      }));
    }
    const bits = state(peft, 'bitfit');
    expect(bits.size).toBe(9);
    noGrad(() => {
      for (const [key, v] of bits) (manual.getModule(key.slice(0, -'.bias'.length)) as unknown as { bias: Parameter }).bias.assign(v);
    });
    const expected = noGrad(() => promptForward(manual, peft.prompt_encoder!.get('prefix'), { inputIds: b.inputIds, attentionMask: b.attentionMask }).logits);
    made.push(expected);
    expectClose(got, await readF64(expected), { atol: 2e-5, rtol: 1e-5 }, 'stack vs the hand-written composition');
    const plain = noGrad(() => peft.disableAdapter(() => peft.forward({ inputIds: b.inputIds, attentionMask: b.attentionMask }).logits));
    made.push(plain);
    expect(maxDiff(got, await readF64(plain)), 'the composition changes the output').toBeGreaterThan(1e-3);
  });

  it('saves each adapter into its own folder beside composition.json and loads them into a fresh base bit-exactly', async () => {
    const b = batch();
    const peft = await stacked();
    peft.disableAdapters(['bitfit']);
    const expected = await logits(peft, b);
    const dir = await mkdtemp(join(tmpdir(), 'peft-composition-'));
    try {
      await peft.saveComposition(dir);
      expect((await readdir(dir)).sort()).toEqual(['adapters', 'bitfit', 'composition.json', 'lora', 'prefix']);
      const manifest = JSON.parse(await readFile(join(dir, 'composition.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest.composition).toEqual({ type: 'stack', children: [...NAMES] });
      expect(manifest.disabled).toEqual(['bitfit']);
      expect(manifest.adapters).toEqual({
        lora: { path: 'lora', peft_type: 'LORA' },
        adapters: { path: 'adapters', peft_type: 'BOTTLENECK' },
        bitfit: { path: 'bitfit', peft_type: 'BITFIT' },
        prefix: { path: 'prefix', peft_type: 'PREFIX_TUNING' },
      });
      const loaded = await PeftModel.loadComposition(base(), dir, { registry, warn: () => {} });
      made.push(loaded);
      expect(loaded.activeComposition).toEqual(peft.activeComposition);
      expect(loaded.switchedOffAdapters).toEqual(['bitfit']);
      expectClose(await logits(loaded, b), expected, { atol: 0, rtol: 0 }, 'reloaded stack, BitFit off');
      peft.enableAdapters(['bitfit']);
      loaded.enableAdapters(['bitfit']);
      expectClose(await logits(loaded, b), await logits(peft, b), { atol: 0, rtol: 0 }, 'reloaded stack, all on');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // the same files in memory load the same way
    const files = await peft.compositionFiles();
    const fromMemory = await PeftModel.loadComposition(base(), memorySource(Object.fromEntries(files)), { registry, warn: () => {} });
    made.push(fromMemory);
    expectClose(await logits(fromMemory, b), await logits(peft, b), { atol: 0, rtol: 0 }, 'reloaded from memory');
  });

  it('switching one method off equals the stack without it, and stops training it', async () => {
    const b = batch();
    const peft = await stacked();
    const all = await logits(peft, b);
    for (const n of NAMES) {
      const others = NAMES.filter((m) => m !== n);
      peft.setComposition(Stack(...NAMES));
      peft.disableAdapters([n]);
      expect(peft.switchedOffAdapters).toEqual([n]);
      const off = await logits(peft, b);
      const adapterParams = n === 'prefix' ? [...peft.prompt_encoder!.get(n).parameters()] : [...peft.adapterStateDict(n).values()];
      expect(adapterParams.some((p) => p.requiresGrad), `${n} trains while off`).toBe(false);
      expect([...peft.adapterStateDict(others[0]).values()].every((p) => p.requiresGrad)).toBe(true);
      peft.setComposition(Stack(...others));
      expectClose(off, await logits(peft, b), { atol: 0, rtol: 0 }, `stack with ${n} off vs the stack of the other three`);
      expect(maxDiff(off, all), `${n} changes the output`).toBeGreaterThan(1e-4);
    }
  });

  it('runs parallel and batchSplit blocks over different methods, and refuses a prefix in a parallel block', async () => {
    const b = batch();
    const peft = await stacked();
    await peft.addAdapter('lora2', loraConfig({ r: 2, targetModules: ['c_attn'] }));
    perturbAdapter(peft, 'lora2', new Generator(20));
    // LoRA's change is additive: summing two LoRAs' changes in parallel equals stacking them
    peft.setComposition(Parallel('lora', 'lora2'));
    const par = await logits(peft, b);
    peft.setComposition(Stack('lora', 'lora2'));
    expectClose(par, await logits(peft, b), { atol: 1e-5, rtol: 1e-5 }, 'parallel vs stack of two LoRAs');
    // row 0 through LoRA + the adapters, rows 1–2 through BitFit
    peft.setComposition(BatchSplit([Stack('lora', 'adapters'), 'bitfit'], [1, 2]));
    const split = await logits(peft, b);
    const row = split.length / 3;
    peft.setComposition(Stack('lora', 'adapters'));
    expectClose(split.subarray(0, row), (await logits(peft, b)).subarray(0, row), { atol: 1e-5, rtol: 1e-5 }, 'row 0');
    peft.setComposition('bitfit');
    expectClose(split.subarray(row), (await logits(peft, b)).subarray(row), { atol: 1e-5, rtol: 1e-5 }, 'rows 1–2');
    peft.setComposition(BatchSplit(['lora', 'bitfit'], [1, 1]));
    expect(() => peft.forward({ inputIds: b.inputIds })).toThrow('batchSplit sizes [1, 1] sum to 2, but the batch has 3 rows');
    expect(() => peft.setComposition(Parallel('lora', 'prefix'))).toThrow(/"prefix" is a prompt-learning adapter/);
    expect(() => peft.merge()).toThrow(/not a plain stack/);
  });
});
