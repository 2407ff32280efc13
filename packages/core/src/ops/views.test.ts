import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend-interface.js';
import { contiguousStrides, shapeSize } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { host, rand, toTensor, liveBuffers } from '../test-support/numeric.js';
import { checkOp } from '../test-support/op-check.js';
import { arange } from './creation.js';
import { mul } from './elementwise.js';
import * as v from './views.js';

const backends = await testOpBackends();

/** Reference: element at multi-index `idx` of a row-major array of `shape`. */
function at(values: ArrayLike<number>, shape: readonly number[], idx: readonly number[]): number {
  const s = contiguousStrides(shape);
  return values[idx.reduce((p, i, k) => p + i * s[k], 0)];
}

/** Reference: all multi-indices of a shape in row-major order. */
function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const n = shapeSize(shape);
  const s = contiguousStrides(shape);
  for (let f = 0; f < n; f++) out.push(shape.map((d, k) => Math.floor(f / s[k]) % d));
  return out;
}

/** Reference permute. */
function permuted(values: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): number[] {
  const outShape = perm.map((p) => shape[p]);
  return indices(outShape).map((idx) => {
    const src = new Array<number>(shape.length);
    perm.forEach((p, k) => (src[p] = idx[k]));
    return at(values, shape, src);
  });
}

/** Reference strided slice (starts/ends already resolved to in-range values). */
function sliced(values: ArrayLike<number>, shape: readonly number[], starts: number[], ends: number[], steps: number[]): number[] {
  const outShape = shape.map((_, k) => Math.max(0, Math.ceil((ends[k] - starts[k]) / steps[k])));
  return indices(outShape).map((idx) => at(values, shape, idx.map((i, k) => starts[k] + i * steps[k])));
}

/** Counts buffers created by `fn` (views create none). */
function buffersMadeBy(backend: Backend, fn: () => Tensor[]): number {
  backend.flush();
  const before = liveBuffers(backend);
  const made = fn();
  const n = liveBuffers(backend) - before;
  for (const t of made) t.dispose();
  return n;
}

describe.each(backends)('views on $name', ({ backend }) => {
  const x234 = rand([2, 3, 4], { seed: 31 });

  it('reshape infers -1 and keeps row-major order', async () => {
    await checkOp(backend, (t) => v.reshape(t, [4, -1]), [x234], { expected: x234.values, shape: [4, 6], rtol: 0, atol: 0 });
    await checkOp(backend, (t) => v.reshape(t, [-1]), [x234], { expected: x234.values, shape: [24] });
    await checkOp(backend, (t) => v.reshape(v.reshape(t, [24]), [1, 24, 1]), [x234], { expected: x234.values, shape: [1, 24, 1] });
  });

  it('reshape of a non-contiguous view copies in logical order', async () => {
    await checkOp(backend, (t) => v.reshape(v.transpose(t, 0, 2), [-1, 2]), [x234], {
      expected: permuted(x234.values, [2, 3, 4], [2, 1, 0]),
      shape: [12, 2],
    });
  });

  it('reshape rejects a wrong element count or two -1 with a ShapeError', () => {
    const t = toTensor(x234, backend);
    expect(() => v.reshape(t, [5, -1])).toThrow('reshape: cannot infer -1 in [5, -1] for 24 elements of [2, 3, 4]');
    expect(() => v.reshape(t, [-1, -1])).toThrow(/at most one size may be -1/);
    expect(() => v.reshape(t, [5, 5])).toThrow('reshape: expected a shape with 24 elements (from [2, 3, 4]), got [5, 5]');
    t.dispose();
  });

  it('permute and transpose reorder axes without copying', async () => {
    await checkOp(backend, (t) => v.permute(t, [2, 0, 1]), [x234], { expected: permuted(x234.values, [2, 3, 4], [2, 0, 1]), shape: [4, 2, 3] });
    await checkOp(backend, (t) => v.transpose(t), [x234], { expected: permuted(x234.values, [2, 3, 4], [0, 2, 1]), shape: [2, 4, 3] });
    await checkOp(backend, (t) => v.permute(t, [-1, 0, 1]), [x234], { expected: permuted(x234.values, [2, 3, 4], [2, 0, 1]) });
    const t = toTensor(x234, backend);
    expect(buffersMadeBy(backend, () => [v.transpose(t), v.permute(t, [1, 2, 0]), v.reshape(t, [6, 4])])).toBe(0);
    expect(() => v.permute(t, [0, 0, 1])).toThrow('permute: expected each axis once, got [0, 0, 1]');
    t.dispose();
  });

  it('slice takes steps and negative indices, and clamps out-of-range bounds like Python', async () => {
    const x = rand([7, 9], { seed: 32 });
    await checkOp(backend, (t) => v.slice(t, [1, -7], [6, -1], [2, 3]), [x], {
      expected: sliced(x.values, [7, 9], [1, 2], [6, 8], [2, 3]),
      shape: [3, 2],
    });
    await checkOp(backend, (t) => v.slice(t, [-100, 4], [100, Infinity]), [x], {
      expected: sliced(x.values, [7, 9], [0, 4], [7, 9], [1, 1]),
      shape: [7, 5],
    });
    await checkOp(backend, (t) => v.slice(t, [5], [2]), [x], { shape: [0, 9], expected: [] });
  });

  it('slices of slices compose their offsets and steps', async () => {
    const x = rand([17, 5], { seed: 33 });
    const fn = (t: Tensor): Tensor => v.slice(v.slice(t, [1, 1], [17, 5], [3, 1]), [1, 0], [6, 4], [2, 2]);
    // rows 1,4,7,10,13,16 then every other from the second: 4, 10, 16; columns 1..4 then 1, 3
    await checkOp(backend, fn, [x], { expected: sliced(x.values, [17, 5], [4, 1], [17, 5], [6, 2]), shape: [3, 2] });
  });

  it('narrow and split give views of one axis', async () => {
    const x = rand([3, 10], { seed: 34 });
    await checkOp(backend, (t) => v.narrow(t, -1, 2, 5), [x], { expected: sliced(x.values, [3, 10], [0, 2], [3, 7], [1, 1]), shape: [3, 5] });
    const sizes = [3, 0, 7];
    for (let k = 0; k < sizes.length; k++) {
      const start = sizes.slice(0, k).reduce((a, b) => a + b, 0);
      await checkOp(backend, (t) => v.split(t, sizes, 1)[k], [x], {
        expected: sliced(x.values, [3, 10], [0, start], [3, start + sizes[k]], [1, 1]),
        shape: [3, sizes[k]],
      });
    }
    const t = toTensor(x, backend);
    expect(() => v.narrow(t, 1, 8, 3)).toThrow('narrow: range [8, 11) is outside axis 1 of size 10');
    expect(() => v.split(t, [4, 4], 1)).toThrow('split: sizes [4, 4] add up to 8, but axis 1 has 10');
    t.dispose();
  });

  it('expand broadcasts size-1 and new leading axes with stride 0', async () => {
    const x = rand([3, 1], { seed: 35 });
    await checkOp(backend, (t) => v.expand(t, [2, 3, 4]), [x], {
      expected: indices([2, 3, 4]).map(([, i]) => x.values[i]),
      shape: [2, 3, 4],
    });
    await checkOp(backend, (t) => v.expand(t, [-1, 5]), [x], { shape: [3, 5], expected: indices([3, 5]).map(([i]) => x.values[i]) });
    const t = toTensor(x, backend);
    expect(v.expand(t, [2, 3, 4]).strides).toEqual([0, 1, 0]);
    expect(() => v.expand(t, [2, 4])).toThrow('expand: cannot expand [3, 1] to [2, 4] (axis 0: 3 vs 2)');
    expect(() => v.expand(t, [-1, 3, 1])).toThrow(/expand: .*-1/);
    t.dispose();
  });

  it('squeeze, unsqueeze and flatten change only the shape', async () => {
    const x = rand([2, 1, 3, 1], { seed: 36 });
    await checkOp(backend, (t) => v.squeeze(t), [x], { shape: [2, 3], expected: x.values });
    await checkOp(backend, (t) => v.squeeze(t, 1), [x], { shape: [2, 3, 1], expected: x.values });
    await checkOp(backend, (t) => v.unsqueeze(t, -1), [x], { shape: [2, 1, 3, 1, 1], expected: x.values });
    await checkOp(backend, (t) => v.unsqueeze(t, 0), [x], { shape: [1, 2, 1, 3, 1], expected: x.values });
    await checkOp(backend, (t) => v.flatten(t, 1), [x], { shape: [2, 3], expected: x.values });
    await checkOp(backend, (t) => v.flatten(t), [x], { shape: [6], expected: x.values });
    const t = toTensor(x, backend);
    expect(() => v.squeeze(t, 0)).toThrow('squeeze: axis 0 has size 2, expected 1');
    t.dispose();
  });

  it('squeeze and unsqueeze of a transposed view keep it a view', async () => {
    const x = rand([3, 1, 4], { seed: 37 });
    await checkOp(backend, (t) => v.unsqueeze(v.squeeze(v.transpose(t, 0, 2), 1), 0), [x], {
      shape: [1, 4, 3],
      expected: permuted(x.values, [3, 1, 4], [2, 1, 0]),
    });
    const t = toTensor(x, backend);
    expect(buffersMadeBy(backend, () => [v.unsqueeze(v.transpose(t, 0, 2), 1), v.squeeze(v.transpose(t, 0, 2))])).toBe(0);
    t.dispose();
  });

  it('concat joins along any axis, including views and empty pieces', async () => {
    const a = rand([2, 3], { seed: 38 });
    const b = rand([2, 5], { seed: 39 });
    const c = rand([2, 2], { seed: 40 });
    const d = rand([3, 2], { seed: 54 });
    await checkOp(backend, (p, q, r) => v.concat([p, q, v.transpose(r), v.narrow(p, 1, 0, 0)], 1), [a, b, c], {
      shape: [2, 10],
      expected: [0, 1].flatMap((i) => [
        ...[0, 1, 2].map((j) => at(a.values, [2, 3], [i, j])),
        ...[0, 1, 2, 3, 4].map((j) => at(b.values, [2, 5], [i, j])),
        ...[0, 1].map((j) => at(c.values, [2, 2], [j, i])),
      ]),
    });
    await checkOp(backend, (p, q) => v.concat([p, v.transpose(q)], -2), [a, d], { shape: [4, 3], expected: [...a.values, ...permuted(d.values, [3, 2], [1, 0])] });
    const p = toTensor(a, backend);
    const q = toTensor(b, backend);
    expect(() => v.concat([p, q], 0)).toThrow('concat: shapes must match except on axis 0, got [2, 3] and [2, 5]');
    p.dispose();
    q.dispose();
  });

  it('concat joins integer tensors', async () => {
    await checkOp(backend, (p, q) => v.concat([p, q], 0), [host([1, 2], [2], 'i32'), host([-3], [1], 'i32')], { expected: [1, 2, -3], dtype: 'i32' });
  });

  it('stack adds a new axis at any position', async () => {
    const a = rand([2, 3], { seed: 41 });
    const b = rand([2, 3], { seed: 42 });
    await checkOp(backend, (p, q) => v.stack([p, q]), [a, b], { shape: [2, 2, 3], expected: [...a.values, ...b.values] });
    await checkOp(backend, (p, q) => v.stack([p, q], -1), [a, b], {
      shape: [2, 3, 2],
      expected: indices([2, 3, 2]).map(([i, j, k]) => at(k ? b.values : a.values, [2, 3], [i, j])),
    });
  });

  describe('gradients', () => {
    it('flow through reshape, permute and transpose', async () => {
      await checkGradients(backend, (t) => v.reshape(v.permute(t, [2, 0, 1]), [4, -1]), [rand([2, 3, 4], { seed: 43 })]);
      await checkGradients(backend, (t) => v.reshape(v.transpose(t), [-1]), [rand([5, 3], { seed: 44 })]);
    });

    it('flow through strided slices, narrow and split into the right places', async () => {
      await checkGradients(backend, (t) => v.slice(t, [1, -7], [6, -1], [2, 3]), [rand([7, 9], { seed: 45 })]);
      await checkGradients(backend, (t) => {
        const [p, , r] = v.split(t, [2, 3, 5], 1);
        return mul(v.narrow(r, 1, 1, 2), v.expand(v.narrow(p, 1, 0, 1), [3, 2]));
      }, [rand([3, 10], { seed: 46 })]);
    });

    it('flow through expand (summed over broadcast axes), squeeze and unsqueeze', async () => {
      await checkGradients(backend, (t) => mul(v.expand(v.unsqueeze(t, 0), [4, 3, 5]), arange(60, undefined, 1, { backend: t.backend }).reshape([4, 3, 5])), [
        rand([3, 1], { seed: 47 }),
      ]);
      await checkGradients(backend, (t) => v.squeeze(v.flatten(t, 0, 1)), [rand([2, 3, 1], { seed: 48 })]);
    });

    it('flow through concat and stack to each piece', async () => {
      await checkGradients(backend, (p, q) => v.concat([p, v.transpose(q)], 0), [rand([2, 3], { seed: 49 }), rand([3, 4], { seed: 50 })]);
      await checkGradients(backend, (p, q) => v.stack([p, q], 1), [rand([17], { seed: 51 }), rand([17], { seed: 52 })]);
    });

    it('reach the same input through several views', async () => {
      await checkGradients(backend, (t) => mul(t, v.transpose(t)), [rand([5, 5], { seed: 53 })]);
    });
  });
});
