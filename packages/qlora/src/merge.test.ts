import { type Backend, Conv1D, type PeftModel, defaultRegistry, getPeftModel, manualSeed, noGrad } from '@peft/core';
import { readF64, testBackends } from '@peft/core/testing';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel, tinyBatch } from '@peft/testing';
import { describe, expect, it } from 'vitest';
import { mergeAndUnloadToFloat, mergeIntoQuantized } from './merge.js';
import { quantizeModel } from './quantize-model.js';
import { QuantizedLinear } from './quantized-linear.js';

defaultRegistry().register(lora);
const backends = await testBackends();

async function qloraGpt2(backend: Backend, scale: number): Promise<PeftModel> {
  const model = createTinyModel('gpt2', backend, 4);
  await quantizeModel(model, { doubleQuant: true });
  manualSeed(9);
  const peft = await getPeftModel(model, loraConfig({ r: 4, loraAlpha: 4 * scale, targetModules: ['c_attn', 'c_fc'], initLoraWeights: false }));
  return peft;
}

async function logitsOf(forward: () => { logits: import('@peft/core').Tensor }): Promise<Float64Array> {
  return readF64(noGrad(forward).logits);
}

describe.each(backends)('merging QLoRA adapters on $name', ({ backend }) => {
  it('to full precision gives the logits of the adapted model with float Linear / Conv1D layers', async () => {
    const peft = await qloraGpt2(backend, 1);
    const { inputIds, attentionMask } = tinyBatch('gpt2', backend);
    const before = await logitsOf(() => peft.forward({ inputIds, attentionMask }));
    const model = mergeAndUnloadToFloat(peft);
    expect(model.getModule('transformer.h.0.attn.c_attn')).toBeInstanceOf(Conv1D);
    expect([...model.modules()].filter((m) => m instanceof QuantizedLinear).length).toBe(4); // the un-adapted ones stay 4-bit
    const after = await logitsOf(() => model.forward({ inputIds, attentionMask }));
    after.forEach((v, i) => expect(Math.abs(v - before[i])).toBeLessThan(1e-4));
  });

  it('into the 4-bit base requantises the merged layers and reports the drift', async () => {
    const peft = await qloraGpt2(backend, 1);
    const { model, drift } = await mergeIntoQuantized(peft);
    expect(drift.map((d) => d.module).sort()).toEqual(['transformer.h.0.attn.c_attn', 'transformer.h.0.mlp.c_fc', 'transformer.h.1.attn.c_attn', 'transformer.h.1.mlp.c_fc']);
    for (const d of drift) {
      expect(model.getModule(d.module)).toBeInstanceOf(QuantizedLinear);
      expect((model.getModule(d.module) as QuantizedLinear).state.nested).not.toBeNull();
      expect(d.maxAbs).toBeGreaterThan(0);
      expect(d.relativeToDelta).toBeGreaterThan(0);
    }
  });

  it('into the 4-bit base loses most of a small update and little of a large one', async () => {
    const small = await mergeIntoQuantized(await qloraGpt2(backend, 0.01));
    const large = await mergeIntoQuantized(await qloraGpt2(backend, 100));
    const worst = (ds: { relativeToDelta: number }[]): number => Math.max(...ds.map((d) => d.relativeToDelta));
    expect(worst(small.drift)).toBeGreaterThan(0.5);
    expect(worst(large.drift)).toBeLessThan(0.2);
  });
});
