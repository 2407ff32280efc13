import { afterEach, describe, expect, it } from 'vitest';
import { AdamW, Generator, MethodRegistry, PeftModel, type PretrainedModel, type Tensor, memorySource, noGrad, tidy } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { bottleneck, bottleneckConfig } from '@peft/adapters';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel, perturbAdapter, tinyBatch } from '@peft/testing';
import { bitfit, bitfitConfig } from './index.js';

const backends = await testBackends();
const NAMES = ['lora', 'adapters', 'bitfit'] as const;

describe.each(backends)('LoRA, bottleneck adapters and BitFit on one PeftModel on $name', ({ backend }) => {
  const made: { dispose(): void }[] = [];
  afterEach(() => {
    for (const m of made.splice(0)) m.dispose();
  });
  const registry = new MethodRegistry();
  for (const m of [lora, bottleneck, bitfit]) registry.register(m);
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
  const logits = async (m: PeftModel | PretrainedModel, b: ReturnType<typeof tinyBatch>): Promise<Float64Array> => {
    const t = noGrad(() => m.forward({ inputIds: b.inputIds, attentionMask: b.attentionMask }).logits);
    made.push(t);
    return readF64(t);
  };
  /** LoRA on the attention's qkv projection, a Pfeiffer adapter after the MLP, BitFit on the other biases. */
  const stacked = async (): Promise<PeftModel> => {
    const peft = new PeftModel(base(), { registry, generator: new Generator(1), warn: () => {} });
    made.push(peft);
    await peft.addAdapter('lora', loraConfig({ r: 2, targetModules: ['c_attn'] }));
    await peft.addAdapter('adapters', bottleneckConfig({ config: 'pfeiffer', bottleneckSize: 4 }));
    await peft.addAdapter('bitfit', bitfitConfig({ targetModules: ['ln_1', 'ln_2', 'ln_f', 'attn.c_proj', 'c_fc'] }));
    NAMES.forEach((n, i) => perturbAdapter(peft, n, new Generator(10 + i)));
    peft.setAdapter([...NAMES]);
    return peft;
  };

  it('keeps each method in its own layers and saves each adapter with only its own keys', async () => {
    const peft = await stacked();
    const keys = NAMES.map((n) => [...peft.adapterStateDict(n).keys()]);
    expect(keys[0].every((k) => /\.attn\.c_attn\.lora_[AB]\.weight$/.test(k))).toBe(true);
    expect(keys[1].every((k) => /\.mlp\.c_proj\.adapter_(down|up)\.(weight|bias)$/.test(k))).toBe(true);
    expect(keys[2].every((k) => k.endsWith('.bias') && !k.includes('c_attn') && !k.includes('mlp.c_proj'))).toBe(true);
    // two blocks: LoRA A and B; down and up, weight and bias; four biases per block and ln_f
    expect(keys.map((k) => k.length)).toEqual([4, 8, 9]);
    const trainable = [...peft.parameters()].filter((p) => p.requiresGrad);
    const owned = new Set(NAMES.flatMap((n) => [...peft.adapterStateDict(n).values()]));
    expect(trainable.length).toBe(owned.size);
    expect(trainable.every((p) => owned.has(p))).toBe(true);
  });

  it('runs all three at once, each one changing the output, and disables them together', async () => {
    const b = batch();
    const peft = await stacked();
    const all = await logits(peft, b);
    const plain = await logits(base(), b);
    for (const n of NAMES) {
      peft.setAdapter(NAMES.filter((m) => m !== n));
      const without = await logits(peft, b);
      expect(Math.max(...without.map((v, i) => Math.abs(v - all[i]))), `leaving out ${n}`).toBeGreaterThan(1e-4);
    }
    peft.setAdapter([...NAMES]);
    const disabled = noGrad(() => peft.disableAdapter(() => peft.forward({ inputIds: b.inputIds, attentionMask: b.attentionMask }).logits));
    made.push(disabled);
    expectClose(await readF64(disabled), plain, { atol: 1e-6, rtol: 0 }, 'all adapters disabled');
  });

  it('loads the three saved adapters onto a fresh base and gives the same logits', async () => {
    const b = batch();
    const peft = await stacked();
    const expected = await logits(peft, b);
    const loaded = new PeftModel(base(), { registry, warn: () => {} });
    made.push(loaded);
    for (const n of NAMES) {
      const files = await peft.adapterFiles(n);
      await loaded.loadAdapter(memorySource({ 'adapter_config.json': files.config, 'adapter_model.safetensors': files.weights }), n);
    }
    loaded.setAdapter([...NAMES]);
    expectClose(await logits(loaded, b), expected, { atol: 0, rtol: 0 }, 'logits of the reloaded stack');
  });

  it('trains the three adapters together: one AdamW step lowers the loss', async () => {
    const b = batch();
    const peft = await stacked();
    peft.train();
    const opt = new AdamW([...peft.parameters()].filter((p) => p.requiresGrad), { lr: 1e-2, weightDecay: 0 });
    const loss = async (): Promise<number> => {
      const t: Tensor = tidy(() => {
        const out = peft.forward(b);
        out.loss!.backward();
        return out.loss!.detach();
      });
      made.push(t);
      return (await readF64(t))[0];
    };
    const first = await loss();
    opt.step();
    peft.zeroGrad();
    expect(await loss()).toBeLessThan(first);
    peft.zeroGrad();
  });
});
