import { expect } from 'vitest';
import type { Backend, PeftModel, Tensor } from '@peft/core';
import { expectClose, readF64 } from '@peft/core/testing';
import { type FixtureCase, intTensor } from './fixture-files.js';

/**
 * The recorded training batch of a golden case as tensors on `backend`.
 * @internal
 * @example `peft.forward(trainBatch(c, backend))`
 */
export function trainBatch(c: FixtureCase, backend: Backend): { inputIds: Tensor; attentionMask: Tensor; labels: Tensor } {
  const t = c.train;
  return { inputIds: intTensor(t.train_input_ids, backend), attentionMask: intTensor(t.train_attention_mask, backend), labels: intTensor(t.train_labels, backend) };
}

/**
 * Every requires-grad parameter of a PeftModel by in-memory name.
 * @internal
 * @example `trainable(peft).keys()`
 */
export function trainable(peft: PeftModel): Map<string, Tensor> {
  return new Map([...peft.namedParameters()].filter(([, p]) => p.requiresGrad));
}

/**
 * Expects the same names, shapes and (within `tol`) values in `actual` as in `expected`.
 * @internal
 * @example `await compareTensors(trainable(peft), recorded, { atol: 2e-3, rtol: 0 }, 'trained')`
 */
export async function compareTensors(actual: ReadonlyMap<string, Tensor>, expected: ReadonlyMap<string, Tensor>, tol: { atol: number; rtol: number }, what: string): Promise<void> {
  expect([...actual.keys()].sort(), `${what}: names`).toEqual([...expected.keys()].sort());
  for (const [k, e] of expected) {
    const a = actual.get(k)!;
    expect(a.shape, `${what}: shape of ${k}`).toEqual(e.shape);
    expectClose(await readF64(a), await readF64(e), tol, `${what}: ${k}`);
  }
}
