import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor.js';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { host, rand, randInt } from '../test-support/numeric.js';
import { checkOp } from '../test-support/op-check.js';
import { broadcast2 } from '../test-support/reference-math.js';
import { fromArray } from './creation.js';
import * as ops from './elementwise.js';

const backends = await testOpBackends();

interface BinaryCase {
  name: string;
  fn: (a: Tensor, b: Tensor) => Tensor;
  ref: (a: number, b: number) => number;
  /** Domain of the operands (b away from zero for div). */
  a?: { low?: number; high?: number; avoid?: number };
  b?: { low?: number; high?: number; avoid?: number };
}

const CASES: BinaryCase[] = [
  { name: 'add', fn: ops.add, ref: (a, b) => a + b },
  { name: 'sub', fn: ops.sub, ref: (a, b) => a - b },
  { name: 'mul', fn: ops.mul, ref: (a, b) => a * b },
  { name: 'div', fn: ops.div, ref: (a, b) => a / b, b: { avoid: 0.3 } },
  { name: 'pow', fn: ops.pow, ref: Math.pow, a: { low: 0.2, high: 3 }, b: { low: -2, high: 2 } },
  { name: 'maximum', fn: ops.maximum, ref: Math.max },
  { name: 'minimum', fn: ops.minimum, ref: Math.min },
];

/** Operand shape pairs: equal, trailing broadcast, both sides broadcast, a scalar, awkward sizes. */
const SHAPES: [number[], number[]][] = [
  [[127], [127]],
  [[3, 17], [17]],
  [[4, 1, 5], [3, 1]],
  [[2, 3], []],
  [[1], [3, 7]],
];

describe.each(backends)('binary elementwise ops on $name', ({ backend }) => {
  describe.each(CASES)('$name', (c) => {
    it.each(SHAPES)('broadcasts %j with %j and matches the float64 reference', async (sa, sb) => {
      const a = rand(sa, { ...c.a, seed: 11 });
      const b = rand(sb, { ...c.b, seed: 12 });
      const out = sa.length >= sb.length ? [...sa] : [...sb];
      const shape = out.map((_, i) => {
        const da = sa[i - (out.length - sa.length)] ?? 1;
        const db = sb[i - (out.length - sb.length)] ?? 1;
        return Math.max(da, db);
      });
      await checkOp(backend, c.fn, [a, b], {
        expected: ([x, y]) => broadcast2(x, sa, y, sb, shape, c.ref),
        shape,
        rtol: 2e-6,
      });
    });

    it('has gradients for both operands matching finite differences, summed over broadcast axes', async () => {
      await checkGradients(backend, c.fn, [rand([4, 1, 5], { ...c.a, seed: 13 }), rand([3, 1], { ...c.b, seed: 14 })]);
    });

    it('accepts a number on either side', async () => {
      const x = rand([17], { ...c.a, seed: 15 });
      const k = c.name === 'pow' ? 1.5 : 0.75;
      await checkOp(backend, (t) => c.fn(t, k as unknown as Tensor), [x], { expected: ([v]) => v.map((e) => c.ref(e, k)), rtol: 2e-6 });
      await checkGradients(backend, (t) => c.fn(k as unknown as Tensor, t), [rand([17], { ...c.b, seed: 16 })]);
    });
  });

  it('reads transposed, sliced and offset operands', async () => {
    const a = rand([6, 5], { seed: 18 });
    const b = rand([7, 6], { seed: 19 });
    // aᵀ is [5, 6]; b[1:6, :] is [5, 6] starting at an offset
    await checkOp(backend, (x, y) => ops.mul(x.transpose(), y.slice([1], [6])), [a, b], {
      expected: ([x, y]) => Array.from({ length: 30 }, (_, f) => x[(f % 6) * 5 + Math.floor(f / 6)] * y[6 + f]),
      shape: [5, 6],
    });
    await checkOp(backend, (x, y) => ops.sub(x.slice([0, 1], [6, 5], [2, 3]), y.slice([2, 0], [5, 6], [1, 4])), [a, b], {
      expected: ([x, y]) => [0, 1, 2].flatMap((i) => [0, 1].map((j) => x[2 * i * 5 + 1 + 3 * j] - y[(2 + i) * 6 + 4 * j])),
      shape: [3, 2],
    });
  });

  if (backend.dtypes.has('f16')) {
    it('adds and multiplies f16 tensors, rounding each result to half precision', async () => {
      const a = rand([33], { seed: 20, dtype: 'f16' });
      const b = rand([33], { seed: 21, dtype: 'f16' });
      await checkOp(backend, ops.add, [a, b], { expected: ([x, y]) => x.map((v, i) => v + y[i]), dtype: 'f16', rtol: 0, atol: 0 });
      await checkOp(backend, ops.mul, [a, b], { expected: ([x, y]) => x.map((v, i) => v * y[i]), dtype: 'f16', rtol: 0, atol: 0 });
    });
  }

  it('pow handles negative bases like C and PyTorch: integer exponents are defined, others NaN', async () => {
    const a = host([-2, -2, -2, -2, -0.5, 0, 0, 2], [8]);
    const b = host([3, 2, 0.5, -1, -2, 0, -1, 0.5], [8]);
    await checkOp(backend, ops.pow, [a, b], { expected: [-8, 4, NaN, -0.5, 4, 1, Infinity, Math.SQRT2], rtol: 1e-6 });
  });

  it('pow follows C at NaN and infinite exponents: 1^y = 1, x^0 = 1, (-1)^±inf = 1', async () => {
    const a = host([1, 1, NaN, 2, NaN, -1, 0.5, 2], [8]);
    const b = host([NaN, Infinity, 0, NaN, 2, -Infinity, Infinity, -Infinity], [8]);
    await checkOp(backend, ops.pow, [a, b], { expected: [1, 1, 1, NaN, NaN, 1, 0, 0] });
  });

  it('pow has the gradient 3x² for x³ at negative bases', async () => {
    await checkGradients(backend, (x) => ops.pow(x, 3), [rand([2, 17], { low: -3, high: -0.2, seed: 17 })]);
  });

  it('maximum and minimum propagate NaN and split the gradient equally on ties, as PyTorch', async () => {
    await checkOp(backend, ops.maximum, [host([NaN, 1, 2], [3]), host([0, NaN, 1], [3])], { expected: [NaN, NaN, 2] });
    await checkOp(backend, ops.minimum, [host([NaN, 1, 2], [3]), host([0, NaN, 1], [3])], { expected: [NaN, NaN, 1] });
    const a = fromArray([1, 5, 3], [3], { backend, requiresGrad: true });
    const b = fromArray([1, 2, 4], [3], { backend, requiresGrad: true });
    ops.maximum(a, b).sum().backward();
    expect(Array.from(await a.grad!.data())).toEqual([0.5, 1, 0]);
    expect(Array.from(await b.grad!.data())).toEqual([0.5, 0, 1]);
    a.dispose();
    b.dispose();
  });

  it('does integer arithmetic on i32 with truncating division (x / 0 = x, as WGSL)', async () => {
    const a = host([7, -7, 7, -7, 5, 2147483647], [6], 'i32');
    const b = host([2, 2, -2, -2, 0, 1], [6], 'i32');
    await checkOp(backend, ops.div, [a, b], { expected: [3, -3, -3, 3, 5, 2147483647], dtype: 'i32' });
    await checkOp(backend, ops.add, [a, b], { expected: [9, -5, 5, -9, 5, -2147483648], dtype: 'i32' });
    await checkOp(backend, ops.mul, [a, b], { expected: [14, -14, -14, 14, 0, 2147483647], dtype: 'i32' });
    await checkOp(backend, ops.sub, [a, b], { expected: [5, -9, 9, -5, 5, 2147483646], dtype: 'i32' });
    await checkOp(backend, ops.maximum, [a, b], { expected: [7, 2, 7, -2, 5, 2147483647], dtype: 'i32' });
  });

  it('does integer arithmetic on u32, wrapping modulo 2^32', async () => {
    const a = host([7, 0, 4294967295], [3], 'u32');
    const b = host([2, 1, 1], [3], 'u32');
    await checkOp(backend, ops.add, [a, b], { expected: [9, 1, 0], dtype: 'u32' });
    await checkOp(backend, ops.sub, [a, b], { expected: [5, 4294967295, 4294967294], dtype: 'u32' });
    await checkOp(backend, ops.div, [a, b], { expected: [3, 0, 4294967295], dtype: 'u32' });
    await checkOp(backend, ops.minimum, [a, b], { expected: [2, 0, 1], dtype: 'u32' });
  });

  it('broadcasts large integer index arithmetic exactly', async () => {
    const rows = randInt([37, 1], 1000, { seed: 4 });
    const cols = randInt([1, 33], 1000, { seed: 5 });
    await checkOp(backend, (r, c) => ops.add(ops.mul(r, 1000), c), [rows, cols], {
      expected: ([r, c]) => broadcast2(r, [37, 1], c, [1, 33], [37, 33], (x, y) => x * 1000 + y),
      dtype: 'i32',
    });
  });

  it('names the op and both shapes when operands cannot broadcast', () => {
    const a = fromArray(new Float32Array(6), [2, 3], { backend });
    const b = fromArray(new Float32Array(4), [4], { backend });
    expect(() => ops.add(a, b)).toThrow('add: shapes [2, 3] and [4] cannot be broadcast (axis 1: 3 vs 4)');
    a.dispose();
    b.dispose();
  });

  it('rejects mixed dtypes, float-only ops on integers, and bool arithmetic', () => {
    const f = fromArray([1], [1], { backend });
    const i = fromArray([1], [1], { dtype: 'i32', backend });
    const t = ops.gt(f, 0);
    expect(() => ops.add(f, i)).toThrow(/add: expected operands of one dtype \(or floats of any width\), got f32 and i32/);
    expect(() => ops.pow(i, i)).toThrow(/pow: expected floating-point operands, got i32/);
    expect(() => ops.add(t, t)).toThrow(/add: expected numeric operands, got bool/);
    for (const x of [f, i, t]) x.dispose();
  });
});
