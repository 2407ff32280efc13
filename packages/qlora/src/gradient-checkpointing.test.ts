import { type Backend, type PeftModel, defaultRegistry, getPeftModel, manualSeed, setGradientCheckpointing, tidy } from '@peft/core';
import { readF64, testBackends } from '@peft/core/testing';
import { lora, loraConfig } from '@peft/lora';
import { type TinyBase, createTinyModel, tinyBatch } from '@peft/testing';
import { describe, expect, it } from 'vitest';
import { activationBytes } from './memory.js';
import { prepareModelForKbitTraining } from './prepare-kbit.js';
import { quantizeModel } from './quantize-model.js';

defaultRegistry().register(lora);
const backends = await testBackends();

/** A NF4 tiny model prepared for training, with LoRA (non-zero B, dropout on) on every dense layer. */
async function qlora(base: TinyBase, backend: Backend, gradientCheckpointing?: boolean): Promise<PeftModel> {
  const model = createTinyModel(base, backend, 3);
  await quantizeModel(model, { quantType: 'nf4', doubleQuant: true });
  prepareModelForKbitTraining(model, gradientCheckpointing === undefined ? {} : { gradientCheckpointing });
  manualSeed(5);
  const peft = await getPeftModel(model, loraConfig({ r: 4, loraAlpha: 8, loraDropout: 0.1, targetModules: 'all-linear', initLoraWeights: false }));
  peft.train();
  return peft;
}

async function adapterGradients(peft: PeftModel, base: TinyBase, backend: Backend): Promise<Float64Array[]> {
  manualSeed(9); // the dropout masks
  tidy(() => peft.forward(tinyBatch(base, backend)).loss!.backward());
  return Promise.all([...peft.parameters()].filter((p) => p.requiresGrad).map((p) => readF64(p.grad!)));
}

describe.each(backends)('QLoRA gradient checkpointing on $name', ({ backend }) => {
  describe.each(['gpt2', 'llama'] as const)('tiny %s', (base) => {
    it('is on after prepareModelForKbitTraining, as in PEFT, and off when asked', async () => {
      const model = createTinyModel(base, backend, 3);
      expect(prepareModelForKbitTraining(model).gradientCheckpointing).toBe(true);
      expect(prepareModelForKbitTraining(model, { gradientCheckpointing: false }).gradientCheckpointing).toBe(false);
      model.dispose();
    });

    it('gives the LoRA gradients of the plain forward and keeps fewer activation bytes', async () => {
      const on = await qlora(base, backend);
      const off = await qlora(base, backend, false);
      const gOn = await adapterGradients(on, base, backend);
      const gOff = await adapterGradients(off, base, backend);
      expect(gOn.length).toBeGreaterThan(0);
      gOff.forEach((g, k) => expect(gOn[k]).toEqual(g));
      const batch = tinyBatch(base, backend);
      for (const peft of [on, off]) await activationBytes(peft, () => peft.forward(batch).loss!); // lazily built caches
      const actOn = await activationBytes(on, () => on.forward(batch).loss!);
      const actOff = await activationBytes(off, () => off.forward(batch).loss!);
      expect(actOn).toBeLessThan(actOff);
      setGradientCheckpointing(on, false);
      expect(await activationBytes(on, () => on.forward(batch).loss!)).toBe(actOff);
      on.dispose();
      off.dispose();
    });
  });
});
