import { describe, expect, it } from 'vitest';
import { roundToF16 } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { host, rand } from '../test-support/numeric.js';
import { checkOp } from '../test-support/op-check.js';
import { erf64 } from '../test-support/reference-math.js';
import { fromArray } from './creation.js';
import * as ops from './elementwise.js';

const backends = await testOpBackends();

interface UnaryCase {
  name: string;
  fn: (x: Tensor) => Tensor;
  ref: (x: number) => number;
  low?: number;
  high?: number;
  avoid?: number;
  atol?: number;
  noGrad?: boolean;
}

const CASES: UnaryCase[] = [
  { name: 'neg', fn: ops.neg, ref: (x) => -x },
  { name: 'exp', fn: ops.exp, ref: Math.exp },
  { name: 'log', fn: ops.log, ref: Math.log, low: 0.05, high: 4 },
  { name: 'sqrt', fn: ops.sqrt, ref: Math.sqrt, low: 0.05, high: 4 },
  { name: 'rsqrt', fn: ops.rsqrt, ref: (x) => 1 / Math.sqrt(x), low: 0.05, high: 4 },
  { name: 'abs', fn: ops.abs, ref: Math.abs, avoid: 0.05 },
  { name: 'tanh', fn: ops.tanh, ref: Math.tanh, low: -4, high: 4 },
  { name: 'sigmoid', fn: ops.sigmoid, ref: (x) => 1 / (1 + Math.exp(-x)), low: -6, high: 6 },
  { name: 'relu', fn: ops.relu, ref: (x) => Math.max(x, 0), avoid: 0.05 },
  { name: 'erf', fn: ops.erf, ref: erf64, low: -3, high: 3, atol: 3e-7 },
  { name: 'sin', fn: ops.sin, ref: Math.sin, low: -4, high: 4 },
  { name: 'cos', fn: ops.cos, ref: Math.cos, low: -4, high: 4 },
  { name: 'reciprocal', fn: ops.reciprocal, ref: (x) => 1 / x, avoid: 0.2 },
  { name: 'square', fn: ops.square, ref: (x) => x * x },
  { name: 'sign', fn: ops.sign, ref: Math.sign, avoid: 0.05, noGrad: true },
  { name: 'floor', fn: ops.floor, ref: Math.floor, low: -5, high: 5, noGrad: true },
];

describe.each(backends)('unary elementwise ops on $name', ({ backend }) => {
  describe.each(CASES)('$name', (c) => {
    const domain = { low: c.low, high: c.high, avoid: c.avoid };

    it('matches the float64 reference on 127 values', async () => {
      await checkOp(backend, c.fn, [rand([127], { ...domain, seed: 1 })], {
        expected: ([x]) => x.map(c.ref),
        shape: [127],
        dtype: 'f32',
        rtol: 2e-6,
        atol: c.atol ?? 1e-6,
      });
    });

    it('reads a strided (transposed) input', async () => {
      const fn = (x: Tensor): Tensor => c.fn(x.transpose());
      const x = rand([5, 3], { ...domain, seed: 2 });
      await checkOp(backend, fn, [x], {
        expected: ([v]) => Array.from({ length: 15 }, (_, i) => c.ref(v[(i % 5) * 3 + Math.floor(i / 5)])),
        shape: [3, 5],
        rtol: 2e-6,
        atol: c.atol ?? 1e-6,
      });
    });

    if (c.noGrad) {
      it('records no gradient', () => {
        const x = fromArray([0.5, -1.5], [2], { backend, requiresGrad: true });
        const y = c.fn(x);
        expect(y.requiresGrad).toBe(false);
        expect(y.node).toBeNull();
        y.dispose();
        x.dispose();
      });
    } else {
      it('has gradients matching finite differences on a [3, 17] input', async () => {
        await checkGradients(backend, c.fn, [rand([3, 17], { ...domain, seed: 3 })]);
      });
    }
  });

  it('propagate NaN, as PyTorch (sign, which has no gradient, gives 0)', async () => {
    for (const c of CASES) {
      await checkOp(backend, c.fn, [host([NaN, 1], [2])], { expected: [c.name === 'sign' ? 0 : NaN, c.ref(1)], atol: 3e-7 });
    }
  });

  it('exp, log and sqrt give IEEE results at the edges of their domains', async () => {
    const x = host([-Infinity, 0, -1, Infinity], [4]);
    await checkOp(backend, ops.exp, [x], { expected: [0, 1, Math.exp(-1), Infinity] });
    await checkOp(backend, ops.log, [x], { expected: [NaN, -Infinity, NaN, Infinity] });
    await checkOp(backend, ops.sqrt, [x], { expected: [NaN, 0, NaN, Infinity] });
  });

  it('tanh and sigmoid saturate to exact limits without NaN for large inputs', async () => {
    const x = host([-1000, -60, 60, 1000], [4]);
    await checkOp(backend, ops.tanh, [x], { expected: [-1, -1, 1, 1], rtol: 0, atol: 0 });
    await checkOp(backend, ops.sigmoid, [x], { expected: [0, Math.exp(-60), 1, 1], rtol: 1e-6, atol: 0 });
  });

  it('gives known values: erf(1), tanh(0.5), sigmoid(0)', async () => {
    await checkOp(backend, ops.erf, [host([1, 0.5, 0], [3])], { expected: [0.8427007929497149, 0.5204998778130465, 0], atol: 2e-7 });
    await checkOp(backend, ops.tanh, [host([0.5], [1])], { expected: [0.46211715726000974] });
    await checkOp(backend, ops.sigmoid, [host([0], [1])], { expected: [0.5], rtol: 0, atol: 0 });
  });

  it('gives abs and relu a zero gradient at zero, as PyTorch', async () => {
    const x = fromArray([0, 0], [2], { backend, requiresGrad: true });
    ops.abs(x).sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([0, 0]);
    x.grad!.dispose();
    x.grad = null;
    ops.relu(x).sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([0, 0]);
    x.dispose();
  });

  if (backend.dtypes.has('f16')) {
    it('computes in half precision on f16 tensors', async () => {
      const x = rand([33], { dtype: 'f16', seed: 5 });
      const v = await checkOp(backend, ops.exp, [x], { expected: ([v]) => v.map(Math.exp), dtype: 'f16', rtol: 1e-3, atol: 0 });
      expect(v.every((e) => roundToF16(e) === e)).toBe(true);
    });
  }

  it('rejects integer tensors with a DTypeError naming the op', () => {
    const i = fromArray([1, 2], [2], { dtype: 'i32', backend });
    expect(() => ops.exp(i)).toThrow(/exp: expected a floating-point tensor \(f32 or f16\), got i32/);
    i.dispose();
  });
});
