import { describe, expect, it } from 'vitest';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { rand, toTensor, liveBuffers } from '../test-support/numeric.js';
import { checkOp } from '../test-support/op-check.js';
import { broadcastAt, matmul64 } from '../test-support/reference-math.js';
import { contiguousStrides } from '../shape.js';
import { linear, matmul } from './matmul.js';
import { slice, transpose } from './views.js';

const backends = await testOpBackends();

/** Reference: transpose of the last two axes of a row-major [batch, r, c] array. */
function t64(values: ArrayLike<number>, batch: number, r: number, c: number): Float64Array {
  const out = new Float64Array(batch * r * c);
  for (let b = 0; b < batch; b++) for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[b * r * c + j * r + i] = values[b * r * c + i * c + j];
  return out;
}

/** Reference: a [..., r, c] operand materialised at broadcast batch shape `batch`. */
function broadcastBatch(values: ArrayLike<number>, shape: number[], batch: number[]): Float64Array {
  const full = [...batch, ...shape.slice(-2)];
  const n = full.reduce((p, d) => p * d, 1);
  return Float64Array.from({ length: n }, (_, i) => broadcastAt(values, shape, full, i));
}

describe.each(backends)('matmul on $name', ({ backend }) => {
  it.each([
    [1, 1, 1],
    [3, 17, 5],
    [17, 3, 127],
    [33, 65, 31],
    [130, 67, 129],
  ])('multiplies [%i, %i] by [%i-column] matrices like a float64 reference', async (m, k, n) => {
    const a = rand([m, k], { seed: m });
    const b = rand([k, n], { seed: n + 100 });
    await checkOp(backend, matmul, [a, b], { expected: ([x, y]) => matmul64(x, y, 1, m, k, n), shape: [m, n], rtol: 1e-5, atol: 2e-5 });
  });

  it('reads transposed operands as views, without copies', async () => {
    const a = rand([9, 4], { seed: 81 }); // used as aᵀ: [4, 9]
    const b = rand([5, 9], { seed: 82 }); // used as bᵀ: [9, 5]
    await checkOp(backend, (x, y) => matmul(transpose(x), transpose(y)), [a, b], {
      expected: ([x, y]) => matmul64(t64(x, 1, 9, 4), t64(y, 1, 5, 9), 1, 4, 9, 5),
      shape: [4, 5],
    });
    const x = toTensor(a, backend);
    const y = toTensor(b, backend);
    backend.flush();
    const before = liveBuffers(backend);
    const out = matmul(transpose(x), transpose(y));
    expect(liveBuffers(backend) - before).toBe(1); // the result only
    for (const t of [x, y, out]) t.dispose();
  });

  it('reads sliced operands with offsets and steps', async () => {
    const a = rand([7, 10], { seed: 83 });
    const b = rand([6, 3], { seed: 84 });
    const aRef = (v: ArrayLike<number>) => Float64Array.from({ length: 3 * 5 }, (_, f) => v[(1 + 2 * Math.floor(f / 5)) * 10 + 2 * (f % 5)]);
    const bRef = (v: ArrayLike<number>) => Float64Array.from({ length: 5 * 3 }, (_, f) => v[(1 + Math.floor(f / 3)) * 3 + (f % 3)]);
    await checkOp(backend, (x, y) => matmul(slice(x, [1, 0], [7, 10], [2, 2]), slice(y, [1], [6])), [a, b], {
      expected: ([x, y]) => matmul64(aRef(x), bRef(y), 1, 3, 5, 3),
      shape: [3, 3],
    });
  });

  it.each([
    [[2, 1, 3, 4], [3, 4, 5], [2, 3]],
    [[5, 3, 4], [4, 2], [5]],
    [[3, 4], [2, 1, 4, 6], [2, 1]],
    [[1, 17, 8], [4, 8, 3], [4]],
  ])('broadcasts batch axes: %j @ %j', async (sa, sb, batch) => {
    const [m, k] = sa.slice(-2);
    const n = sb[sb.length - 1];
    const nb = batch.reduce((p, d) => p * d, 1);
    await checkOp(backend, matmul, [rand(sa, { seed: 85 }), rand(sb, { seed: 86 })], {
      expected: ([x, y]) => matmul64(broadcastBatch(x, sa, batch), broadcastBatch(y, sb, batch), nb, m, k, n),
      shape: [...batch, m, n],
    });
  });

  it('multiplies 70000 small matrices in one batch (more batches than one grid axis holds)', async () => {
    const a = rand([70000, 2, 3], { seed: 107 });
    const b = rand([70000, 3, 2], { seed: 108 });
    await checkOp(backend, matmul, [a, b], { expected: ([x, y]) => matmul64(x, y, 70000, 2, 3, 2), shape: [70000, 2, 2] });
  });

  if (backend.dtypes.has('f16')) {
    it('multiplies f16 matrices within half precision', async () => {
      const a = rand([17, 33], { seed: 109, dtype: 'f16' });
      const b = rand([33, 9], { seed: 110, dtype: 'f16' });
      await checkOp(backend, matmul, [a, b], { expected: ([x, y]) => matmul64(x, y, 1, 17, 33, 9), dtype: 'f16', rtol: 4e-3, atol: 2e-2 });
    });
  }

  it('treats 1-D operands as a row (left) or column (right) vector and drops that axis', async () => {
    const v = rand([4], { seed: 87 });
    const w = rand([4, 3], { seed: 88 });
    const u = rand([2, 3, 4], { seed: 89 });
    await checkOp(backend, matmul, [v, w], { expected: ([x, y]) => matmul64(x, y, 1, 1, 4, 3), shape: [3] });
    await checkOp(backend, matmul, [u, v], { expected: ([x, y]) => matmul64(x, y, 1, 6, 4, 1), shape: [2, 3] });
    await checkOp(backend, matmul, [v, v], { expected: ([x]) => [x.reduce((p, e) => p + e * e, 0)], shape: [] });
    const u2 = rand([2, 4, 3], { seed: 106 });
    await checkOp(backend, matmul, [v, u2], {
      expected: ([x, y]) => [0, 1].flatMap((bt) => Array.from(matmul64(x, y.subarray(bt * 12, bt * 12 + 12), 1, 1, 4, 3))),
      shape: [2, 3],
    });
  });

  it('linear computes x·wᵀ + b like nn.Linear', async () => {
    const x = rand([2, 3, 5], { seed: 90 });
    const w = rand([4, 5], { seed: 91 });
    const b = rand([4], { seed: 92 });
    await checkOp(backend, linear, [x, w, b], {
      expected: ([xv, wv, bv]) => matmul64(xv, t64(wv, 1, 4, 5), 1, 6, 5, 4).map((e, i) => e + bv[i % 4]),
      shape: [2, 3, 4],
    });
  });

  describe('gradients', () => {
    it('match finite differences for plain, transposed and broadcast-batch operands', async () => {
      await checkGradients(backend, matmul, [rand([3, 17], { seed: 93 }), rand([17, 5], { seed: 94 })]);
      await checkGradients(backend, (a, b) => matmul(transpose(a), b), [rand([7, 3], { seed: 95 }), rand([7, 4], { seed: 96 })]);
      await checkGradients(backend, matmul, [rand([2, 1, 3, 4], { seed: 97 }), rand([3, 4, 2], { seed: 98 })]);
      await checkGradients(backend, (a) => matmul(a, transpose(a)), [rand([5, 3], { seed: 111 })]);
    });

    it('match finite differences for 1-D operands and linear', async () => {
      await checkGradients(backend, matmul, [rand([5], { seed: 99 }), rand([2, 5, 3], { seed: 100 })]);
      await checkGradients(backend, matmul, [rand([5], { seed: 101 }), rand([5], { seed: 102 })]);
      await checkGradients(backend, linear, [rand([2, 3, 5], { seed: 103 }), rand([4, 5], { seed: 104 }), rand([4], { seed: 105 })]);
    });
  });

  it('reports the shapes when inner dimensions differ or batch axes do not broadcast', () => {
    const a = toTensor(rand([2, 3]), backend);
    const b = toTensor(rand([4, 5]), backend);
    const c = toTensor(rand([2, 3, 4]), backend);
    const d = toTensor(rand([3, 4, 2]), backend);
    expect(() => matmul(a, b)).toThrow('matmul: inner dimensions differ, lhs [2, 3], rhs [4, 5]');
    expect(() => matmul(c, d)).toThrow(/matmul: shapes \[2\] and \[3\] cannot be broadcast/);
    for (const t of [a, b, c, d]) t.dispose();
  });

  it('keeps batch strides of broadcast operands at zero (no materialised copies)', () => {
    const a = toTensor(rand([1, 3, 4]), backend);
    const b = toTensor(rand([6, 4, 2]), backend);
    backend.flush();
    const before = liveBuffers(backend);
    const out = matmul(a, b);
    expect(liveBuffers(backend) - before).toBe(1);
    expect(out.shape).toEqual([6, 3, 2]);
    expect(out.strides).toEqual(contiguousStrides([6, 3, 2]));
    for (const t of [a, b, out]) t.dispose();
  });
});
