/**
 * A loss-only forward (`returnLogits: false`, what the Trainer's training step asks for) through
 * prompt tuning: the virtual tokens reach the chunked loss (their labels -100), with the same loss and
 * prompt-embedding gradients as the forward through the full logits.
 */
import { MethodRegistry, getPeftModel } from '@peft/core';
import { testBackends } from '@peft/core/testing';
import { createTinyModel, expectLossOnlyStepMatches } from '@peft/testing';
import { describe, it } from 'vitest';
import { promptTuningConfig } from './config.js';
import { promptTuning } from './method.js';

const backends = await testBackends();
const registry = new MethodRegistry();
registry.register(promptTuning);


describe.each(backends)('prompt tuning with a loss-only forward on $name', ({ backend }) => {
  it.each(['gpt2', 'llama', 't5'] as const)('gives %s the loss and prompt gradients of the full logits', async (base) => {
    const peft = await getPeftModel(createTinyModel(base, backend, 3), promptTuningConfig({ numVirtualTokens: 4 }), { registry, warn: () => {} });
    await expectLossOnlyStepMatches(peft, backend, base);
  });
});
