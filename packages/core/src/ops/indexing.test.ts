import { describe, expect, it } from 'vitest';
import { contiguousStrides, shapeSize } from '../shape.js';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { host, rand, randInt, toTensor } from '../test-support/numeric.js';
import { checkOp } from '../test-support/op-check.js';
import { fromArray } from './creation.js';
import { embedding, gather, pad, scatterAdd } from './indexing.js';
import { slice, transpose } from './views.js';

const backends = await testOpBackends();

/** Reference gather: x [pre, size, post] with an index of any shape along `axis`. */
function gather64(x: ArrayLike<number>, shape: number[], idx: ArrayLike<number>, axis: number): Float64Array {
  const pre = shapeSize(shape.slice(0, axis));
  const size = shape[axis];
  const post = shapeSize(shape.slice(axis + 1));
  const out = new Float64Array(pre * idx.length * post);
  for (let p = 0; p < pre; p++)
    for (let i = 0; i < idx.length; i++)
      for (let q = 0; q < post; q++) {
        const r = idx[i];
        out[(p * idx.length + i) * post + q] = r >= 0 && r < size ? x[(p * size + r) * post + q] : 0;
      }
  return out;
}

/** Reference scatter-add: src [pre, n, post] into [pre, size, post]. */
function scatter64(src: ArrayLike<number>, pre: number, idx: ArrayLike<number>, post: number, size: number): Float64Array {
  const out = new Float64Array(pre * size * post);
  for (let p = 0; p < pre; p++)
    for (let i = 0; i < idx.length; i++)
      for (let q = 0; q < post; q++) {
        const r = idx[i];
        if (r >= 0 && r < size) out[(p * size + r) * post + q] += src[(p * idx.length + i) * post + q];
      }
  return out;
}

describe.each(backends)('indexing on $name', ({ backend }) => {
  it.each([
    [[11, 4], [7], 0],
    [[3, 17, 2], [2, 5], 1],
    [[5, 127], [33], -1],
    [[1000, 3], [4, 9], 0],
  ])('gather of %j with an index of shape %j along axis %i matches a float64 reference', async (shape, idxShape, axis) => {
    const a = axis < 0 ? shape.length + axis : axis;
    const x = rand(shape, { seed: 151 });
    const idx = randInt(idxShape, shape[a], { seed: 152 });
    await checkOp(backend, (t, i) => gather(t, i, axis), [x, idx], {
      expected: ([xv, iv]) => gather64(xv, shape, iv, a),
      shape: [...shape.slice(0, a), ...idxShape, ...shape.slice(a + 1)],
      rtol: 0,
      atol: 0,
    });
  });

  it('gather takes u32 indices, a transposed table and a strided index view', async () => {
    const x = rand([4, 6], { seed: 153 }); // transposed: [6, 4]
    const idx = host([5, 0, 5, 2, 9, 1], [6], 'u32'); // strided view: 5, 5, 9
    await checkOp(backend, (t, i) => gather(transpose(t), slice(i, [0], [6], [2]), 0), [x, idx], {
      expected: ([xv]) => {
        const xt = Float64Array.from({ length: 24 }, (_, f) => xv[(f % 4) * 6 + Math.floor(f / 4)]);
        return gather64(xt, [6, 4], [5, 5, 9], 0);
      },
      shape: [3, 4],
    });
  });

  it('gather reads 0 for out-of-range and negative indices', async () => {
    await checkOp(backend, (t, i) => gather(t, i, 0), [host([1, 2, 3], [3]), host([2, -1, 3, 0], [4], 'i32')], { expected: [3, 0, 0, 1] });
  });

  it('gathers integer tables without recording a gradient', async () => {
    await checkOp(backend, (t, i) => gather(t, i, 0), [host([7, 8, 9], [3], 'i32'), host([2, 2, 0], [3], 'i32')], { expected: [9, 9, 7], dtype: 'i32' });
  });

  it('scatterAdd accumulates repeated indices and drops out-of-range ones', async () => {
    const src = rand([3, 6, 2], { seed: 154 });
    const idx = host([1, 4, 1, 1, 0, 7], [6], 'i32');
    await checkOp(backend, (s, i) => scatterAdd(s, i, 1, 5), [src, idx], {
      expected: ([sv, iv]) => scatter64(sv, 3, iv, 2, 5),
      shape: [3, 5, 2],
    });
  });

  it('scatterAdd takes a multi-axis index', async () => {
    const src = rand([2, 3, 4], { seed: 155 });
    const idx = randInt([2, 3], 5, { seed: 156 });
    await checkOp(backend, (s, i) => scatterAdd(s, i, 0, 5), [src, idx], { expected: ([sv, iv]) => scatter64(sv, 1, iv, 4, 5), shape: [5, 4] });
  });

  it('scatterAdd sums many collisions exactly enough (embedding-sized)', async () => {
    const src = rand([257, 8], { seed: 157 });
    const idx = randInt([257], 3, { seed: 158 });
    await checkOp(backend, (s, i) => scatterAdd(s, i, 0, 3), [src, idx], { expected: ([sv, iv]) => scatter64(sv, 1, iv, 8, 3), rtol: 1e-5, atol: 1e-5 });
  });

  it('embedding looks up rows of a [vocab, dim] table', async () => {
    const w = rand([10, 3], { seed: 159 });
    const ids = host([[3, 3, 0], [9, 1, 3]].flat(), [2, 3], 'i32');
    await checkOp(backend, embedding, [w, ids], { expected: ([wv, iv]) => gather64(wv, [10, 3], iv, 0), shape: [2, 3, 3] });
  });

  describe('gradients', () => {
    it('of gather (and embedding) are a scatter-add of the output gradient, summing repeated ids', async () => {
      await checkGradients(backend, (w, ids) => embedding(w, ids), [rand([7, 5], { seed: 160 }), host([3, 3, 0, 6, 3, 1], [2, 3], 'i32')]);
      await checkGradients(backend, (x, i) => gather(x, i, 1), [rand([3, 17, 2], { seed: 161 }), randInt([2, 5], 17, { seed: 162 })]);
    });

    it('of embedding equal the explicit count-weighted rows for a ones seed', async () => {
      const w = fromArray(new Float32Array(12), [4, 3], { backend, requiresGrad: true });
      const ids = fromArray([2, 0, 2, 2], [4], { dtype: 'i32', backend });
      embedding(w, ids).sum().backward();
      expect(Array.from(await w.grad!.data())).toEqual([1, 1, 1, 0, 0, 0, 3, 3, 3, 0, 0, 0]);
      w.dispose();
      ids.dispose();
    });

    it('of scatterAdd are a gather', async () => {
      await checkGradients(backend, (s, i) => scatterAdd(s, i, 1, 5), [rand([3, 6, 2], { seed: 163 }), host([1, 4, 1, 1, 0, 2], [6], 'i32')]);
    });

    it('of pad are the matching strided slice', async () => {
      await checkGradients(backend, (x) => pad(x, [7, 9], [1, 2], [3, 2]), [rand([2, 4], { seed: 164 })]);
    });
  });

  it('pad places x at starts + i·steps in zeros', async () => {
    const x = rand([2, 3], { seed: 165 });
    await checkOp(backend, (t) => pad(t, [5, 8], [1, 1], [2, 3]), [x], {
      expected: ([v]) => {
        const out = new Float64Array(40);
        const s = contiguousStrides([5, 8]);
        for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) out[(1 + 2 * i) * s[0] + 1 + 3 * j] = v[i * 3 + j];
        return out;
      },
      shape: [5, 8],
    });
  });

  it('rejects float indices and shapes that do not fit', () => {
    const x = toTensor(rand([3, 4]), backend);
    const f = toTensor(rand([2]), backend);
    const i = toTensor(host([0, 1], [2], 'i32'), backend);
    expect(() => gather(x, f, 0)).toThrow('gather: expected an i32 or u32 index, got f32');
    expect(() => scatterAdd(x, i, 0, 5)).toThrow('scatterAdd: source [3, 4] does not hold index [2] at axis 0');
    expect(() => embedding(f, i)).toThrow('embedding: expected a [vocab, dim] table, got [2]');
    expect(() => pad(x, [4, 4], [2, 0])).toThrow('pad: [3, 4] placed at [2, 0] does not fit in [4, 4]');
    for (const t of [x, f, i]) t.dispose();
  });
});
