/**
 * The Trainer's training forward asks for the loss alone (`returnLogits: false`): a LoRA training step
 * on each tiny language model gives the same loss and adapter gradients as the forward through the
 * full logits.
 */
import { type Backend, MethodRegistry, type PeftModel, getPeftModel, manualSeed, tidy } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel, tinyBatch } from '@peft/testing';
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

async function step(peft: PeftModel, backend: Backend, base: 'gpt2' | 'llama' | 't5', returnLogits: boolean) {
  peft.zeroGrad();
  const batch = tinyBatch(base, backend, 3);
  const loss = tidy(() => {
    const out = peft.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, labels: batch.labels, returnLogits });
    // the chunked path ran: no logits were made
    if (!returnLogits) expect(() => out.logits).toThrow(/returnLogits: false/);
    out.loss!.backward();
    return out.loss!;
  });
  const grads = await Promise.all([...peft.namedParameters()].filter(([, p]) => p.requiresGrad).map(async ([path, p]) => [path, await readF64(p.grad!)] as const));
  return { loss: (await readF64(loss))[0], grads };
}

describe.each(backends)('a loss-only training step on $name', ({ backend }) => {
  it.each(['gpt2', 'llama', 't5'] as const)('gives %s with LoRA the loss and adapter gradients of the full logits', async (base) => {
    const peft = await loraModel(base, backend);
    const full = await step(peft, backend, base, true);
    const chunked = await step(peft, backend, base, false);
    expect(full.grads.length).toBeGreaterThan(0);
    expect(full.grads.every(([path]) => path.includes('lora_'))).toBe(true);
    expectClose([chunked.loss], [full.loss], { rtol: 1e-5 }, 'loss');
    expect(chunked.grads.map(([p]) => p)).toEqual(full.grads.map(([p]) => p));
    full.grads.forEach(([path, g], k) => expectClose(chunked.grads[k][1], g, { rtol: 1e-4, atol: 1e-6 }, `gradient of ${path}`));
  });
});
