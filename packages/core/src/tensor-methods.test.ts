import { describe, expect, it } from 'vitest';
import { createCpuBackend } from './backends/cpu/cpu-backend.js';
import { PeftError } from './errors.js';
import { add } from './ops/elementwise.js';
import { fromArray } from './ops/creation.js';
import { installTensorMethods } from './tensor-methods.js';

// This file imports no entry point (and no test helper that loads one): the methods start uninstalled.
describe('installTensorMethods', () => {
  it('connects the chainable methods, which before it fail with a clear error', async () => {
    const on = { backend: createCpuBackend() };
    const t = fromArray([1, 2, 3], [3], on);
    expect(() => t.add(1)).toThrow(PeftError);
    expect(() => t.add(1)).toThrow(/op functions are not installed; import Tensor through an entry point of @peft\/core/);
    installTensorMethods();
    expect(Array.from(await t.add(1).data())).toEqual(Array.from(await add(t, 1).data()));
    const w = fromArray([1, 2], [2], { ...on, requiresGrad: true });
    w.mul(w).sum().backward();
    expect(Array.from(await w.grad!.data())).toEqual([2, 4]);
  });
});
