import { defaultRegistry, getPeftModel } from '@peft/core';
import { testBackends } from '@peft/core/testing';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel, tinyBatch } from '@peft/testing';
import { describe, expect, it } from 'vitest';
import { activationBytes, memoryBreakdown } from './memory.js';
import { prepareModelForKbitTraining } from './prepare-kbit.js';
import { quantizeModel } from './quantize-model.js';

defaultRegistry().register(lora);
const backends = await testBackends();

describe.each(backends)('memory accounting on $name', ({ backend }) => {
  it('splits a QLoRA model into 4-bit base weights, other base tensors, adapters and AdamW state', async () => {
    const plain = createTinyModel('llama', backend, 1);
    prepareModelForKbitTraining(plain);
    const f32 = memoryBreakdown(plain);
    const model = createTinyModel('llama', backend, 1);
    const { floatBytes, quantizedBytes } = await quantizeModel(model);
    prepareModelForKbitTraining(model);
    const peft = await getPeftModel(model, loraConfig({ r: 4, targetModules: 'all-linear' }));
    const m = memoryBreakdown(peft);
    // the tiny LLaMA's dense layers: 2 layers × (q 256 + k 128 + v 128 + o 256 + 3 × 512) values
    expect(floatBytes).toBe(2 * (256 + 128 + 128 + 256 + 3 * 512) * 4);
    expect(m.baseWeights).toBe(quantizedBytes + 64 * 16 * 4); // the f32 lm_head stays
    expect(f32.baseWeights).toBe(floatBytes + 64 * 16 * 4);
    expect(m.baseOther).toBe(f32.baseOther);
    const trainable = [...peft.parameters()].filter((p) => p.requiresGrad).reduce((s, p) => s + p.size, 0);
    expect(m.adapters).toBe(trainable * 4);
    expect(m.optimizerState).toBe(2 * trainable * 4);
  });

  it('measures the activations a training forward keeps, and frees them', async () => {
    const model = createTinyModel('gpt2', backend, 1);
    await quantizeModel(model);
    const peft = await getPeftModel(model, loraConfig({ r: 4, targetModules: 'all-linear' }));
    const batch = tinyBatch('gpt2', backend);
    await activationBytes(peft, () => peft.forward(batch).loss!); // first call: lazily built caches (masks) stay
    const live = backend.memory().liveBytes;
    const act = await activationBytes(peft, () => peft.forward(batch).loss!);
    expect(act).toBeGreaterThan(3 * 6 * 16 * 4 * 2 * 2); // at least a few [3, 6, 16] tensors per layer
    expect(backend.memory().liveBytes).toBe(live);
  });
});
