/**
 * The Trainer's training forward asks for the loss alone (`returnLogits: false`): a LoRA training step
 * on each tiny language model gives the same loss and adapter gradients as the forward through the
 * full logits.
 */
import { type Backend, MethodRegistry, type PeftModel, getPeftModel, manualSeed } from '@peft/core';
import { testBackends } from '@peft/core/testing';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel, expectLossOnlyStepMatches } from '@peft/testing';
import { describe, expect, it } from 'vitest';

const backends = await testBackends();
const registry = new MethodRegistry();
registry.register(lora);

async function loraModel(base: 'gpt2' | 'llama' | 't5', backend: Backend): Promise<PeftModel> {
  const model = createTinyModel(base, backend, 3);
  manualSeed(11);
  const targets = { gpt2: ['c_attn', 'c_proj'], llama: ['q_proj', 'v_proj'], t5: ['q', 'v'] }[base];
  const peft = getPeftModel(model, loraConfig({ r: 4, loraAlpha: 8, targetModules: targets }), { registry, warn: () => {} });
  return peft;
}


describe.each(backends)('a loss-only training step on $name', ({ backend }) => {
  it.each(['gpt2', 'llama', 't5'] as const)('gives %s with LoRA the loss and adapter gradients of the full logits', async (base) => {
    const peft = await loraModel(base, backend);
    const { full } = await expectLossOnlyStepMatches(peft, backend, base);
    expect(full.grads.every(([path]) => path.includes('lora_'))).toBe(true);
  });
});
