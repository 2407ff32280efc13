import { describe, expect, it } from 'vitest';
import type { DType } from '../../../dtype.js';
import { contiguousStrides } from '../../../shape.js';
import { testWebGPU } from '../../../test-support/backends.js';
import { createCpuBackend } from '../../cpu/cpu-backend.js';
import { type HostView, dense, maxError, onBoth, out, permuted } from '../../../test-support/webgpu.js';

const gpu = await testWebGPU();
const cpu = createCpuBackend();
const gpus = gpu ? [{ name: 'webgpu', gpu }] : [];

/** `[...batch, m, k] @ [...batch, k, n]` result shape. */
function mmShape(a: HostView, b: HostView): number[] {
  const r = a.shape.length;
  return [...a.shape.slice(0, -1), b.shape[r - 1]];
}

describe.each(gpus)('matmul kernel on $name', ({ gpu }) => {
  const floats: DType[] = gpu.dtypes.has('f16') ? ['f32', 'f16'] : ['f32'];

  async function check(a: HostView, b: HostView, tol = 1e-5): Promise<void> {
    const shape = mmShape(a, b);
    const [g, c] = await onBoth(gpu, cpu, [a, b], (be, [x, y]) => out(be.matmul(x, y), shape, a.dtype));
    const k = a.shape[a.shape.length - 1];
    const scale = a.dtype === 'f16' ? 2e-3 * Math.max(1, Math.sqrt(k)) : tol * Math.max(1, Math.sqrt(k));
    expect(maxError(g, c), `${a.dtype} ${a.shape} @ ${b.shape}`).toBeLessThanOrEqual(scale);
  }

  it('matches the CPU on sizes that are not multiples of the tile (1, 3, 17, 127)', async () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [1, 3, 1],
      [3, 17, 5],
      [17, 3, 127],
      [127, 33, 17],
      [33, 127, 65],
      [2, 300, 3],
    ]) {
      await check(dense('f32', [m, k], m), dense('f32', [k, n], n));
    }
  });

  it('reads transposed operands through their strides, in all four combinations', async () => {
    const [m, k, n] = [19, 23, 29];
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = ta ? permuted('f32', [k, m], [1, 0], 3) : dense('f32', [m, k], 3);
        const b = tb ? permuted('f32', [n, k], [1, 0], 4) : dense('f32', [k, n], 4);
        await check(a, b);
      }
    }
  });

  it('batches with broadcast (stride 0) batch axes and offset windows', async () => {
    // [2, 3, m, k] @ [k, n] broadcast over both batch axes
    const a = dense('f32', [2, 3, 7, 9], 5);
    const b: HostView = { ...dense('f32', [9, 11], 6), shape: [2, 3, 9, 11], strides: [0, 0, 11, 1] };
    await check(a, b);
    // [4, 1->5, m, k] (stride 0 in the middle) @ transposed batch of [4, 5, n, k]
    const a2: HostView = { ...dense('f32', [4, 6, 8], 7), shape: [4, 5, 6, 8], strides: [48, 0, 8, 1] };
    const bBase = contiguousStrides([4, 5, 10, 8]);
    const b2: HostView = { ...dense('f32', [4 * 5 * 10 * 8], 8), shape: [4, 5, 8, 10], strides: [bBase[0], bBase[1], 1, 8] };
    await check(a2, b2);
    // a window into a larger buffer with an offset and row padding
    const a3: HostView = { ...dense('f32', [200], 9), shape: [5, 6], strides: [10, 1], offset: 13 };
    await check(a3, dense('f32', [6, 7], 10));
  });

  it('handles f16 (f32 accumulation, f16 store) and integer operands', async () => {
    for (const dtype of floats) await check(dense(dtype, [3, 13, 37], 11), permuted(dtype, [3, 21, 37], [0, 2, 1], 12));
    const ai = dense('i32', [5, 7], 13);
    const bi = dense('i32', [7, 6], 14);
    const [g, c] = await onBoth(gpu, cpu, [ai, bi], (be, [x, y]) => out(be.matmul(x, y), [5, 6], 'i32'));
    expect(Array.from(g)).toEqual(Array.from(c));
  });

  it('gives zeros when the inner dimension is empty and nothing when the output is', async () => {
    await check(dense('f32', [3, 0], 1), dense('f32', [0, 4], 2));
    await check(dense('f32', [0, 5], 1), dense('f32', [5, 4], 2));
    await check(dense('f32', [2, 0, 3, 5], 1), dense('f32', [2, 0, 5, 4], 2));
  });

  it('matches the CPU on a 256 x 512 x 384 product (many workgroups)', async () => {
    await check(dense('f32', [256, 512], 15), permuted('f32', [384, 512], [1, 0], 16));
  });
});
