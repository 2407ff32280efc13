import { describe, expect, it } from 'vitest';
import { MethodRegistry, PeftModel, type Tensor } from '@peft/core';
import { readF64, testBackends } from '@peft/core/testing';
import { loadFixtureModel, readCaseTensors, readFixtureCase } from '@peft/testing';
import { bitfit, bitfitConfig } from './index.js';

/**
 * The `*_lora_bias_all` cases save every bias next to LoRA's weights. Where LoRA wrapped a module the
 * bias sits in its `base_layer` (`c_attn.base_layer.bias`); BitFit alone leaves that module unwrapped
 * (`c_attn.bias`). PEFT 0.15 also saved the classifier's in-memory copies (`classifier.modules_to_save.bias`,
 * `classifier.original_module.bias`) besides `classifier.bias`; those are not part of the model.
 */
function biasKeysOfCase(keys: Iterable<string>): string[] {
  return [...keys]
    .filter((k) => !k.includes('.lora_') && !k.includes('.modules_to_save.') && !k.includes('.original_module.'))
    .map((k) => k.replace('.base_layer.', '.'))
    .sort();
}

const backends = await testBackends();

describe.each(backends)('BitFit against the bias_all fixtures on $name', ({ backend }) => {
  for (const [name, taskType] of [
    ['gpt2_lora_bias_all', null],
    ['bert_lora_bias_all', 'SEQ_CLS'],
  ] as const) {
    it(`saves the keys and the tensors ${name} saves for its biases (and the classifier)`, async () => {
      const registry = new MethodRegistry();
      registry.register(bitfit);
      const peft = new PeftModel(await loadFixtureModel(readFixtureCase(name).model as string, backend), { registry, warn: () => {} });
      try {
        await peft.addAdapter('default', bitfitConfig({ taskType }));
        const saved = peft.adapterStateDict();
        const fixture = readCaseTensors(name, 'adapter_model.safetensors', backend);
        const expected = biasKeysOfCase(fixture.keys());
        expect([...saved.keys()].sort()).toEqual(expected);
        const byKey = new Map<string, Tensor>([...fixture].map(([k, t]) => [k.replace('.base_layer.', '.'), t]));
        for (const [k, p] of saved) expect([...(await readF64(p))], k).toEqual([...(await readF64(byKey.get(k)!))]);
        for (const t of fixture.values()) t.dispose();
        const c = readFixtureCase(name);
        const loraParams = Object.entries(c.in_memory_trainable_parameter_names as Record<string, number[]>)
          .filter(([k]) => k.includes('.lora_'))
          .reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0);
        // the case's classifier copy counts once in PEFT's trainable total, as here
        expect(peft.trainableParameters().trainable).toBe((c.trainable_params as number) - loraParams);
      } finally {
        peft.dispose();
      }
    });
  }
});
