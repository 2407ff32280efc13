import { type Backend, type PeftModel, tidy } from '@peft/core';
import { expectClose, readF64 } from '@peft/core/testing';
import { expect } from 'vitest';
import { type TinyBase, tinyBatch } from './tiny-models.js';

/**
 * One training step's loss and the gradients of what trains, read back (see
 * {@link expectLossOnlyStepMatches}).
 *
 * @example
 * ```ts
 * const { full } = await expectLossOnlyStepMatches(peft, backend, 'gpt2');
 * full.loss; // the step's loss through the full logits
 * ```
 */
export interface StepResult {
  readonly loss: number;
  readonly grads: readonly (readonly [string, Float64Array])[];
}

async function step(peft: PeftModel, backend: Backend, base: TinyBase, returnLogits: boolean): Promise<StepResult> {
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

/**
 * Runs a training step of `peft` on the tiny batch of `base` twice, through the full logits and with
 * the loss alone (`returnLogits: false`, the chunked LM-head loss the Trainer asks for), and expects
 * the same loss (1e-5) and the same gradients for every trainable parameter (1e-4). Returns both
 * steps for further checks.
 *
 * @example
 * ```ts
 * const { full } = await expectLossOnlyStepMatches(peft, backend, 'llama');
 * expect(full.grads.every(([path]) => path.includes('lora_'))).toBe(true);
 * ```
 */
export async function expectLossOnlyStepMatches(peft: PeftModel, backend: Backend, base: TinyBase): Promise<{ full: StepResult; chunked: StepResult }> {
  const full = await step(peft, backend, base, true);
  const chunked = await step(peft, backend, base, false);
  expect(full.grads.length).toBeGreaterThan(0);
  expectClose([chunked.loss], [full.loss], { rtol: 1e-5 }, 'loss');
  expect(chunked.grads.map(([p]) => p)).toEqual(full.grads.map(([p]) => p));
  full.grads.forEach(([path, g], k) => expectClose(chunked.grads[k][1], g, { rtol: 1e-4, atol: 1e-6 }, `gradient of ${path}`));
  return { full, chunked };
}
