import { describe, expect, it } from 'vitest';
import type { DType } from '../../../dtype.js';
import { shapeSize } from '../../../shape.js';
import { testWebGPU } from '../../../test-support/backends.js';
import { createCpuBackend } from '../../cpu/cpu-backend.js';
import { type HostView, dense, maxError, onBoth, out, permuted, readOut, place, rng } from '../../../test-support/webgpu.js';

const gpu = await testWebGPU();
const cpu = createCpuBackend();
const gpus = gpu ? [{ name: 'webgpu', gpu }] : [];

function ids(dtype: 'i32' | 'u32', shape: number[], range: number, seed: number): HostView {
  const r = rng(seed);
  return { data: Array.from({ length: shapeSize(shape) }, () => Math.floor(r() * range)), dtype, shape };
}

describe.each(gpus)('indexing kernels on $name', ({ gpu }) => {
  const all: DType[] = [...(gpu.dtypes.has('f16') ? (['f32', 'f16'] as DType[]) : ['f32' as DType]), 'i32', 'u32', 'bool'];

  it('gather selects along every axis with an index of any rank, for every dtype', async () => {
    for (const dtype of all) {
      const x = dense(dtype, [4, 6, 5], 3);
      for (const axis of [0, 1, 2]) {
        for (const idxShape of [[3], [2, 3], []]) {
          const idx = ids(axis === 1 ? 'u32' : 'i32', idxShape, x.shape[axis], axis + 7);
          const shape = [...x.shape.slice(0, axis), ...idxShape, ...x.shape.slice(axis + 1)];
          const [g, c] = await onBoth(gpu, cpu, [x, idx], (b, [xv, iv]) => out(b.gather(xv, iv, axis), shape, dtype));
          expect(Array.from(g), `${dtype} axis ${axis} index ${idxShape}`).toEqual(Array.from(c));
        }
      }
    }
  });

  it('gather reads zero for out-of-range and negative indices, through strided tables and indices', async () => {
    const table = permuted('f32', [7, 10], [1, 0], 4); // [10, 7] transposed view
    const idx: HostView = { data: [3, -1, 9, 10, 0, 2, 99, 5, 1, 4, 6, 8], dtype: 'i32', shape: [2, 3], strides: [1, 4], offset: 1 };
    const [g, c] = await onBoth(gpu, cpu, [table, idx], (b, [xv, iv]) => out(b.gather(xv, iv, 0), [2, 3, 7], 'f32'));
    expect(Array.from(g)).toEqual(Array.from(c));
    const [g2, c2] = await onBoth(gpu, cpu, [dense('f32', [0, 3]), ids('i32', [4], 1, 1)], (b, [xv, iv]) => out(b.gather(xv, iv, 0), [4, 3], 'f32'));
    expect(Array.from(g2)).toEqual(Array.from(c2));
  });

  it('scatterAdd sums duplicate rows (the embedding gradient) like the reference, on every axis', async () => {
    for (const dtype of gpu.dtypes.has('f16') ? (['f32', 'f16'] as DType[]) : (['f32'] as DType[])) {
      // src [2, 3, 4, 5] scattered on axis 1 by an index [3, 4] into 6 slots
      const src = dense(dtype, [2, 3, 4, 5], 5);
      const idx = ids('i32', [3, 4], 6, 6);
      const [g, c] = await onBoth(gpu, cpu, [src, idx], (b, [s, i]) => out(b.scatterAdd(s, i, 1, 6), [2, 6, 5], dtype));
      expect(maxError(g, c), dtype).toBeLessThanOrEqual(dtype === 'f16' ? 4e-3 : 1e-6);
      // axis 0 with many duplicates and a u32 index
      const src0 = dense(dtype, [50, 3], 7);
      const idx0 = ids('u32', [50], 4, 8);
      const [g0, c0] = await onBoth(gpu, cpu, [src0, idx0], (b, [s, i]) => out(b.scatterAdd(s, i, 0, 4), [4, 3], dtype));
      expect(maxError(g0, c0), dtype).toBeLessThanOrEqual(dtype === 'f16' ? 2e-2 : 1e-6);
      // last axis
      const src2 = dense(dtype, [3, 7], 9);
      const idx2 = ids('i32', [7], 5, 10);
      const [g2, c2] = await onBoth(gpu, cpu, [src2, idx2], (b, [s, i]) => out(b.scatterAdd(s, i, 1, 5), [3, 5], dtype));
      expect(maxError(g2, c2), dtype).toBeLessThanOrEqual(dtype === 'f16' ? 4e-3 : 1e-6);
    }
  });

  it('scatterAdd also sums integer sources, as the reference does', async () => {
    for (const dtype of ['i32', 'u32'] as const) {
      const [g, c] = await onBoth(gpu, cpu, [dense(dtype, [9, 2], 3), ids('i32', [9], 3, 4)], (b, [s, i]) => out(b.scatterAdd(s, i, 0, 3), [3, 2], dtype));
      expect(Array.from(g), dtype).toEqual(Array.from(c));
    }
  });

  it('scatterAdd drops out-of-range indices and reads strided sources and indices', async () => {
    const src = permuted('f32', [4, 6], [1, 0], 11); // [6, 4] transposed
    const idx: HostView = { data: [0, 2, -3, 2, 7, 1, 2, 0, 0, 5, 5, 5], dtype: 'i32', shape: [6], strides: [2], offset: 1 };
    const [g, c] = await onBoth(gpu, cpu, [src, idx], (b, [s, i]) => out(b.scatterAdd(s, i, 0, 3), [3, 4], 'f32'));
    expect(maxError(g, c)).toBeLessThanOrEqual(1e-6);
  });

  it('scatterAdd of long indices (sorted path) matches the reference with strided sources, 2-D indices and bad entries', async () => {
    // src [3, 40, 30, 2] (transposed view) scattered on axis 1 by a [40, 30] index: 1200 entries
    const base = [3, 2, 30, 40];
    const src = permuted('f32', base, [0, 3, 2, 1], 21);
    const idx = ids('i32', [40, 30], 70, 22);
    const data = idx.data.map((v, i) => (i % 97 === 0 ? -1 : i % 89 === 0 ? 500 : v));
    const [g, c] = await onBoth(gpu, cpu, [src, { ...idx, data }], (b, [s, i]) => out(b.scatterAdd(s, i, 1, 70), [3, 70, 2], 'f32'));
    expect(maxError(g, c)).toBeLessThanOrEqual(1e-5);
    // a strided u32 index (every other entry) with one row taking almost everything
    const many: HostView = { data: Array.from({ length: 6000 }, (_, i) => (i % 5 === 0 ? i % 11 : 3)), dtype: 'u32', shape: [3000], strides: [2] };
    const [g2, c2] = await onBoth(gpu, cpu, [dense('f32', [3000, 4], 23), many], (b, [s, i]) => out(b.scatterAdd(s, i, 0, 11), [11, 4], 'f32'));
    expect(maxError(g2, c2)).toBeLessThanOrEqual(1e-5);
  });

  it('scatterAdd is deterministic: the same inputs give bit-identical sums', async () => {
    const src = dense('f32', [2000, 8], 12);
    const idx = ids('i32', [2000], 3, 13); // ~667 duplicates per row
    const [x, i] = [place(gpu, src), place(gpu, idx)];
    const results: number[][] = [];
    for (let rep = 0; rep < 3; rep++) {
      const o = gpu.scatterAdd(x, i, 0, 3);
      results.push(Array.from(await readOut(gpu, out(o, [3, 8], 'f32'))));
      gpu.release(o);
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    const [g, c] = await onBoth(gpu, cpu, [src, idx], (b, [s, ix]) => out(b.scatterAdd(s, ix, 0, 3), [3, 8], 'f32'));
    expect(maxError(g, c)).toBeLessThanOrEqual(1e-5);
    gpu.release(x.buffer);
    gpu.release(i.buffer);
  });

  it('concat joins strided views of every dtype along any axis, skipping empty pieces', async () => {
    for (const dtype of all) {
      const a = dense(dtype, [2, 3, 4], 1);
      const b = permuted(dtype, [2, 4, 5], [0, 2, 1], 2); // [2, 5, 4]
      const e = dense(dtype, [2, 0, 4], 3);
      const [g, c] = await onBoth(gpu, cpu, [a, e, b], (be, xs) => out(be.concat(xs, 1), [2, 8, 4], dtype));
      expect(Array.from(g), dtype).toEqual(Array.from(c));
      const [g2, c2] = await onBoth(gpu, cpu, [a, a, a], (be, xs) => out(be.concat(xs, 2), [2, 3, 12], dtype));
      expect(Array.from(g2), dtype).toEqual(Array.from(c2));
    }
  });

  it('pad writes a strided view into zeros at starts and steps, for every dtype', async () => {
    for (const dtype of all) {
      const x = permuted(dtype, [3, 4], [1, 0], 5); // [4, 3]
      const [g, c] = await onBoth(gpu, cpu, [x], (b, [xv]) => out(b.pad(xv, [9, 8], [1, 2], [2, 2]), [9, 8], dtype));
      expect(Array.from(g), dtype).toEqual(Array.from(c));
      const [g2, c2] = await onBoth(gpu, cpu, [dense(dtype, [0, 3])], (b, [xv]) => out(b.pad(xv, [2, 3], [0, 0], [1, 1]), [2, 3], dtype));
      expect(Array.from(g2), dtype).toEqual(Array.from(c2));
    }
  });
});
