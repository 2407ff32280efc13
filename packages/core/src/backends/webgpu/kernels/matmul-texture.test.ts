import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../../backend-interface.js';
import type { DType } from '../../../dtype.js';
import { testWebGPU } from '../../../test-support/backends.js';
import { createCpuBackend } from '../../cpu/cpu-backend.js';
import { type HostView, dense, maxError, onBoth, out, permuted } from '../../../test-support/webgpu.js';
import { forceMatmulKernel, matmulDeviceProfile } from './matmul-select.js';
import { useSampledTextures } from './matmul-texture-encode.js';

const gpu = (await testWebGPU()) as (Backend & { device: GPUDevice }) | null;
const cpu = createCpuBackend();
const gpus = gpu ? [{ name: 'webgpu', gpu }] : [];

/** `[m, k] @ [k, n]` with A and B each stored as given: 'row' (contiguous) or 'col' (a transposed view). */
function operands(dtype: DType, m: number, k: number, n: number, la: 'row' | 'col', lb: 'row' | 'col', seed = 1): [HostView, HostView] {
  const a = la === 'row' ? dense(dtype, [m, k], seed) : permuted(dtype, [k, m], [1, 0], seed);
  const b = lb === 'row' ? dense(dtype, [k, n], seed + 1) : permuted(dtype, [n, k], [1, 0], seed + 1);
  return [a, b];
}

async function compare(g: Backend, a: HostView, b: HostView, dtype: DType): Promise<number> {
  const r = a.shape.length;
  const shape = [...a.shape.slice(0, -1), b.shape[r - 1]];
  const [x, y] = await onBoth(g, cpu, [a, b], (be, [va, vb]) => out(be.matmul(va, vb), shape, dtype));
  return maxError(x, y);
}

/** m, k, n triples: not multiples of anything, plus sizes whose rows are 256-byte aligned (copied, not packed). */
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 17, 5],
  [17, 3, 127],
  [127, 129, 17],
  [129, 127, 3],
  [1, 129, 1],
  [40, 64, 72],
  [64, 128, 64],
  [96, 130, 33],
];

describe.each(gpus)('texture-packed matmul on $name', ({ gpu }) => {
  const profile = matmulDeviceProfile(gpu.device, true);
  afterEach(() => forceMatmulKernel(null));

  if (profile.subgroupSize === 0) {
    it('refuses to run when forced on a device without fixed-size subgroups', () => {
      forceMatmulKernel('texture');
      const a = gpu.upload(new Float32Array(64), 'f32');
      const v = { buffer: a, dtype: 'f32' as const, shape: [8, 8], strides: [8, 1], offset: 0 };
      expect(() => gpu.matmul(v, v)).toThrow(/texture kernel needs/);
      gpu.release(a);
    });
    return;
  }

  it.each(SHAPES)('matches the CPU for [%i, %i] @ [%i-column] in every operand layout', async (m, k, n) => {
    forceMatmulKernel('texture');
    for (const la of ['row', 'col'] as const) {
      for (const lb of ['row', 'col'] as const) {
        const [a, b] = operands('f32', m, k, n, la, lb, m + n);
        expect(await compare(gpu, a, b, 'f32'), `${la}/${lb}`).toBeLessThan(1e-5);
      }
    }
  });

  it('handles the tall 64-row tile with partial row and column tiles', async () => {
    forceMatmulKernel('texture', { tm: 64, tn: 4 });
    const [a, b] = operands('f32', 70, 20, 36, 'row', 'col', 21);
    expect(await compare(gpu, a, b, 'f32')).toBeLessThan(1e-5);
  });

  it('handles the wide 8-column tile with partial row and column tiles in every operand layout', async () => {
    forceMatmulKernel('texture', { tm: 32, tn: 8 });
    for (const la of ['row', 'col'] as const) {
      for (const lb of ['row', 'col'] as const) {
        const [a, b] = operands('f32', 45, 36, 132, la, lb, 41);
        expect(await compare(gpu, a, b, 'f32'), `${la}/${lb}`).toBeLessThan(1e-5);
      }
    }
    expect(await compare(gpu, dense('f32', [37, 64], 42), permuted('bf16', [150, 64], [1, 0], 43), 'f32'), 'bf16 weight').toBeLessThan(1e-5);
  });

  it('broadcasts a stride-0 batch operand on either side', async () => {
    forceMatmulKernel('texture');
    const [m, k, n] = [19, 64, 23];
    const batched = (shape: number[], seed: number): HostView => dense('f32', shape, seed);
    const shared = (shape: number[], seed: number): HostView => {
      const d = dense('f32', shape.slice(-2), seed);
      return { ...d, shape, strides: [0, 0, shape[3], 1] };
    };
    expect(await compare(gpu, batched([2, 3, m, k], 1), shared([2, 3, k, n], 2), 'f32')).toBeLessThan(1e-5);
    expect(await compare(gpu, shared([2, 3, m, k], 3), batched([2, 3, k, n], 4), 'f32')).toBeLessThan(1e-5);
  });

  it('reads batched transposed operands and offset windows', async () => {
    forceMatmulKernel('texture');
    // A: [3, 33, 20] as the transpose of [3, 20, 33]; B: a window at offset 7 with row stride 40
    const a = permuted('f32', [3, 20, 33], [0, 2, 1], 5);
    const b: HostView = { ...dense('f32', [3 * 20 * 40 + 7], 6), shape: [3, 20, 31], strides: [800, 40, 1], offset: 7 };
    expect(await compare(gpu, a, b, 'f32')).toBeLessThan(1e-5);
  });

  it('multiplies a k-major A by a k-major B, batched or broadcast', async () => {
    forceMatmulKernel('texture');
    // A [2, 36, 21] as the transpose of [2, 21, 36]; B [2, 21, 44] row-major, then shared by both batches
    const a = permuted('f32', [2, 21, 36], [0, 2, 1], 13);
    expect(await compare(gpu, a, dense('f32', [2, 21, 44], 14), 'f32')).toBeLessThan(1e-5);
    const shared = dense('f32', [21, 44], 15);
    expect(await compare(gpu, a, { ...shared, shape: [2, 21, 44], strides: [0, 44, 1] }, 'f32')).toBeLessThan(1e-5);
  });

  it('reads sampled textures correctly where read-only storage textures are unavailable', async () => {
    forceMatmulKernel('texture');
    useSampledTextures(true);
    try {
      for (const [la, lb] of [['row', 'col'], ['col', 'row']] as const) {
        const [a, b] = operands('f32', 45, 37, 70, la, lb, 11);
        expect(await compare(gpu, a, b, 'f32'), `${la}/${lb}`).toBeLessThan(1e-5);
      }
    } finally {
      useSampledTextures(false);
    }
  });

  it.each(['bf16', 'f16'] as const)('reads %s operands copied as 16-bit texels, beside f32 ones and through views', async (dtype) => {
    if (!gpu.dtypes.has(dtype)) return expect(dtype).toBe('f16'); // f16 needs shader-f16; bf16 is always there
    forceMatmulKernel('texture');
    // an f32 activation times a 16-bit weight [n, k] used transposed (the Linear forward), its plain
    // use (the input gradient), a window at an odd texel offset, a batch, and two 16-bit operands
    const w = (n: number, k: number, seed: number): HostView => permuted(dtype, [n, k], [1, 0], seed);
    const cases: [HostView, HostView, number][] = [
      [dense('f32', [37, 64], 1), w(44, 64, 2), 1e-5],
      [dense('f32', [37, 44], 3), dense(dtype, [44, 64], 4), 1e-5],
      [dense('f32', [9, 32], 5), { ...dense(dtype, [12 + 32 * 40], 6), shape: [32, 40], strides: [40, 1], offset: 12 }, 1e-5],
      [dense('f32', [3, 17, 128], 7), { ...dense(dtype, [128 * 20], 8), shape: [3, 128, 20], strides: [0, 1, 128] }, 1e-5],
      [dense(dtype, [33, 64], 9), w(20, 64, 10), dtype === 'f16' ? 4e-3 : 1e-5],
    ];
    for (const [i, [a, b, tol]] of cases.entries()) expect(await compare(gpu, a, b, a.dtype === 'f16' ? 'f16' : 'f32'), `case ${i}`).toBeLessThan(tol);
  });

  it('reads 16-bit texels from sampled textures too', async () => {
    forceMatmulKernel('texture');
    useSampledTextures(true);
    try {
      expect(await compare(gpu, dense('f32', [21, 36], 1), permuted('bf16', [30, 36], [1, 0], 2), 'f32')).toBeLessThan(1e-5);
    } finally {
      useSampledTextures(false);
    }
  });

  it('stores f16 results when the device holds f16', async () => {
    forceMatmulKernel('texture');
    const dtypes: DType[] = gpu.dtypes.has('f16') ? ['f16'] : [];
    expect(dtypes.length).toBe(gpu.device.features.has('shader-f16') ? 1 : 0);
    for (const dtype of dtypes) {
      const [a, b] = operands(dtype, 33, 65, 17, 'col', 'row', 9);
      expect(await compare(gpu, a, b, dtype)).toBeLessThan(4e-3);
    }
  });
});
