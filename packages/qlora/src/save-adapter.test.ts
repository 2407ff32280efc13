import { PeftModel, defaultRegistry, getPeftModel, manualSeed, memorySource, noGrad } from '@peft/core';
import { readF64, testBackends } from '@peft/core/testing';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel, tinyBatch } from '@peft/testing';
import { describe, expect, it } from 'vitest';
import { prepareModelForKbitTraining } from './prepare-kbit.js';
import { quantizeModel } from './quantize-model.js';

defaultRegistry().register(lora);
const backends = await testBackends();
const quiet = { warn: () => {} };

/** The tensor entries (dtype and shape by name) of a safetensors file. */
function entries(bytes: Uint8Array): Record<string, [string, number[]]> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[] }>;
  return Object.fromEntries(Object.entries(header).filter(([k]) => k !== '__metadata__').map(([k, v]) => [k, [v.dtype, v.shape]]));
}

describe.each(backends)('a saved QLoRA adapter on $name', ({ backend }) => {
  it('is a plain LoRA adapter: the same keys, shapes and config as one saved from the f32 model, and it loads into the f32 model', async () => {
    const q = createTinyModel('llama', backend, 6);
    await quantizeModel(q, { doubleQuant: true });
    prepareModelForKbitTraining(q);
    const config = loraConfig({ r: 4, loraAlpha: 8, targetModules: 'all-linear', initLoraWeights: false });
    manualSeed(8);
    const qpeft = await getPeftModel(q, config);
    const f = createTinyModel('llama', backend, 6);
    manualSeed(8);
    const fpeft = await getPeftModel(f, config);
    const qf = await qpeft.adapterFiles();
    const ff = await fpeft.adapterFiles();
    expect(qf.config).toBe(ff.config);
    const qt = entries(qf.weights);
    expect(Object.keys(qt).length).toBe(28); // A and B on 7 projections in each of 2 layers
    expect(qt).toEqual(entries(ff.weights));
    const again = await PeftModel.fromPretrained(createTinyModel('llama', backend, 6), memorySource({ 'adapter_config.json': qf.config, 'adapter_model.safetensors': qf.weights }), quiet);
    const { inputIds, attentionMask } = tinyBatch('llama', backend);
    const a = await readF64(noGrad(() => again.forward({ inputIds, attentionMask }).logits));
    const b = await readF64(noGrad(() => fpeft.forward({ inputIds, attentionMask }).logits));
    a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-5));
  });
});
