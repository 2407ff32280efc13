/**
 * A loss-only forward (`returnLogits: false`, what the Trainer's training step asks for) through
 * prefix tuning: the prefix keys and values reach the chunked loss, with the same loss and
 * prefix gradients as the forward through the full logits.
 */
import { type Backend, MethodRegistry, type PeftModel, getPeftModel, tidy } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { createTinyModel, tinyBatch } from '@peft/testing';
import { describe, expect, it } from 'vitest';
import { prefixTuningConfig } from './config.js';
import { prefixTuning } from './method.js';

const backends = await testBackends();
const registry = new MethodRegistry();
registry.register(prefixTuning);

async function step(peft: PeftModel, backend: Backend, base: 'gpt2' | 'llama' | 't5', returnLogits: boolean) {
  peft.zeroGrad();
  const batch = tinyBatch(base, backend, 3);
  const loss = tidy(() => {
    const out = peft.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, labels: batch.labels, returnLogits });
    if (!returnLogits) expect(() => out.logits).toThrow(/returnLogits: false/);
    out.loss!.backward();
    return out.loss!;
  });
  const grads = await Promise.all([...peft.namedParameters()].filter(([, p]) => p.requiresGrad).map(async ([path, p]) => [path, await readF64(p.grad!)] as const));
  return { loss: (await readF64(loss))[0], grads };
}

describe.each(backends)('prefix tuning with a loss-only forward on $name', ({ backend }) => {
  it.each(['gpt2', 'llama', 't5'] as const)('gives %s the loss and prefix gradients of the full logits', async (base) => {
    const peft = await getPeftModel(createTinyModel(base, backend, 3), prefixTuningConfig({ numVirtualTokens: 4, taskType: base === 't5' ? 'SEQ_2_SEQ_LM' : 'CAUSAL_LM' }), { registry, warn: () => {} });
    const full = await step(peft, backend, base, true);
    const chunked = await step(peft, backend, base, false);
    expect(full.grads.length).toBeGreaterThan(0);
    expectClose([chunked.loss], [full.loss], { rtol: 1e-5 }, 'loss');
    expect(chunked.grads.map(([p]) => p)).toEqual(full.grads.map(([p]) => p));
    full.grads.forEach(([path, g], k) => expectClose(chunked.grads[k][1], g, { rtol: 1e-4, atol: 1e-6 }, `gradient of ${path}`));
  });
});
