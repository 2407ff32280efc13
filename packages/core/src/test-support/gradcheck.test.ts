import { describe, expect, it } from 'vitest';
import { keep } from '../scope.js';
import { mul } from '../ops/elementwise.js';
import { testBackends } from './backends.js';
import { checkGradients } from './gradcheck.js';
import { rand } from './numeric.js';

const backends = await testBackends();

describe.each(backends)('checkGradients on $name', ({ backend }) => {
  it('accepts a correct gradient', async () => {
    await checkGradients(backend, (x) => mul(x, x), [rand([7], { seed: 1 })]);
  });

  it('rejects a gradient that misses a path (x·detach(x) has analytic gradient x, true gradient 2x)', async () => {
    await expect(checkGradients(backend, (x) => mul(x, x.detach()), [rand([7], { seed: 2 })])).rejects.toThrow(
      /gradient of input 0 in float64 on cpu vs finite differences: 7 of 7 values differ/,
    );
  });

  it('rejects a function that leaks a buffer', async () => {
    await expect(checkGradients(backend, (x) => (keep(mul(x, 2)), mul(x, x)), [rand([3], { seed: 3 })])).rejects.toThrow(/buffer\(s\) leaked/);
  });

  it('requires a floating-point input to differentiate', async () => {
    await expect(checkGradients(backend, (x) => x, [rand([2], { dtype: 'i32' })])).rejects.toThrow('checkGradients: no floating-point input to differentiate');
  });
});
