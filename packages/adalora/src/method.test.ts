import { describe, expect, it } from 'vitest';
import { Generator, MethodRegistry, PeftModel, fromArray, memorySource, noGrad, tidy } from '@peft/core';
import { mul } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { createTinyModel, perturbAdapter, tinyBatch } from '@peft/testing';
import { type AdaLoraConfig, type SvdLinear, adalora, adaloraConfig, orthogonalRegularizer } from './index.js';

const registry = new MethodRegistry();
registry.register(adalora);

const backends = await testBackends();
describe.each(backends)('the adalora method on $name', ({ backend }) => {
  const wrap = async (config: AdaLoraConfig): Promise<PeftModel> => {
    const peft = new PeftModel(createTinyModel('gpt2', backend, 0), { registry, generator: new Generator(1), warn: () => {} });
    await peft.addAdapter('default', config);
    perturbAdapter(peft, 'default', new Generator(2));
    return peft;
  };

  it('adds orth_reg_weight times the orthogonal regulariser to the loss, in training and evaluation mode', async () => {
    const peft = await wrap(adaloraConfig({ initR: 4, totalStep: 10, orthRegWeight: 0.25 }));
    const b = tinyBatch('gpt2', backend);
    const layers = peft.layers().map(([, l]) => l as SvdLinear);
    const reg = (await readF64(noGrad(() => orthogonalRegularizer(layers, 'default')!)))[0];
    for (const training of [true, false]) {
      peft.train(training);
      const withTerm = (await readF64(noGrad(() => peft.forward(b).loss!)))[0];
      const modelLoss = (await readF64(noGrad(() => peft.model.forward(b).loss!)))[0];
      expect(withTerm - modelLoss, `training ${training}`).toBeCloseTo(0.25 * reg, 5);
    }
    peft.dispose();
  });

  it('saves only the kept ranks of rank_pattern (a module may keep none) and loads them back with the same logits', async () => {
    const peft = await wrap(adaloraConfig({ initR: 3, totalStep: 10 }));
    const masks = new Map([
      ['transformer.h.0.attn.c_attn.lora_E', [true, false, true]],
      ['transformer.h.1.attn.c_attn.lora_E', [false, false, false]],
    ]);
    // what the allocator does at the end: zero the masked singular values and record the pattern
    const config = peft.peftConfig.get('default') as AdaLoraConfig;
    peft.peftConfig.set('default', adaloraConfig({ ...config, rankPattern: masks }));
    noGrad(() => {
      for (const [path, l] of peft.layers()) {
        const e = (l as SvdLinear).loraE.get('default');
        const keep = masks.get(`${path}.lora_E`)!;
        tidy(() => void e.assign(mul(e, fromArray(keep.map(Number), [keep.length, 1], { backend }))));
      }
    });
    const b = tinyBatch('gpt2', backend);
    const expected = await readF64(noGrad(() => peft.forward(b).logits));
    const files = await peft.adapterFiles();
    const loaded = await PeftModel.fromPretrained(createTinyModel('gpt2', backend, 0), memorySource({ 'adapter_config.json': files.config, 'adapter_model.safetensors': files.weights }), { registry, warn: () => {} });
    const shapes = Object.fromEntries([...loaded.adapterStateDict()].map(([k, p]) => [k.replace('base_model.model.transformer.', ''), p.shape]));
    expect(shapes).toEqual({
      'h.0.attn.c_attn.lora_A': [2, 16],
      'h.0.attn.c_attn.lora_B': [48, 2],
      'h.0.attn.c_attn.lora_E': [2, 1],
      'h.1.attn.c_attn.lora_A': [0, 16],
      'h.1.attn.c_attn.lora_B': [48, 0],
      'h.1.attn.c_attn.lora_E': [0, 1],
    });
    expectClose(await readF64(noGrad(() => loaded.forward(b).logits)), expected, { atol: 1e-5, rtol: 0 }, 'logits of the pruned adapter');
    for (const m of [peft, loaded]) m.dispose();
  });
});
