import { describe, expect, it } from 'vitest';
import { keep } from '../scope.js';
import { add } from '../ops/elementwise.js';
import { testBackends } from './backends.js';
import { expectClose, host } from './numeric.js';
import { checkOp } from './op-check.js';

const backends = await testBackends();

describe.each(backends)('checkOp on $name', ({ backend }) => {
  const x = host([1, 2, 3], [3]);

  it('passes a correct op and returns its values', async () => {
    expect(Array.from(await checkOp(backend, (t) => add(t, 1), [x], { expected: [2, 3, 4], shape: [3], dtype: 'f32' }))).toEqual([2, 3, 4]);
  });

  it('reports wrong values, shapes and dtypes', async () => {
    await expect(checkOp(backend, (t) => add(t, 1), [x], { expected: [2, 3, 5] })).rejects.toThrow(/1 of 3 values differ/);
    await expect(checkOp(backend, (t) => add(t, 1), [x], { shape: [1, 3] })).rejects.toThrow('expected shape [1, 3], got [3]');
    await expect(checkOp(backend, (t) => add(t, 1), [x], { dtype: 'i32' })).rejects.toThrow('expected dtype i32, got f32');
  });

  it('reports leaked buffers', async () => {
    await expect(checkOp(backend, (t) => (keep(add(t, 2)), add(t, 1)), [x])).rejects.toThrow(/op on .*: 1 buffer\(s\) leaked \(live buffers/);
  });
});

describe('expectClose', () => {
  it('uses |a - e| <= atol + rtol·|e|, matches NaN with NaN and needs infinities to be equal', () => {
    expect(() => expectClose([1.005, NaN, Infinity], [1, NaN, Infinity], { rtol: 0.01, atol: 0 })).not.toThrow();
    expect(() => expectClose([1.02], [1], { rtol: 0.01, atol: 0 })).toThrow(/1 of 1 values differ/);
    expect(() => expectClose([NaN], [0])).toThrow(/differ/);
    expect(() => expectClose([Infinity], [-Infinity])).toThrow(/differ/);
    expect(() => expectClose([1, 2], [1])).toThrow('values: expected 1 values, got 2');
  });

  it('names mismatches by multi-index, worst first', () => {
    expect(() => expectClose([0, 0, 0, 5, 0, 9], [0, 0, 0, 0, 0, 0], {}, 'y', [2, 3])).toThrow(/at \[1, 2\]: got 9.*\n.*at \[1, 0\]: got 5/);
  });
});
