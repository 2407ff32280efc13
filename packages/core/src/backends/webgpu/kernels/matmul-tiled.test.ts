import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../../backend-interface.js';
import type { DType } from '../../../dtype.js';
import { testWebGPU } from '../../../test-support/backends.js';
import { createCpuBackend } from '../../cpu/cpu-backend.js';
import { type HostView, dense, maxError, onBoth, out, permuted } from '../../../test-support/webgpu.js';
import { forceMatmulKernel } from './matmul-select.js';

const gpu = await testWebGPU();
const cpu = createCpuBackend();
const gpus = gpu ? [{ name: 'webgpu', gpu }] : [];

async function compare(g: Backend, a: HostView, b: HostView, dtype: DType): Promise<number> {
  const r = a.shape.length;
  const shape = [...a.shape.slice(0, -1), b.shape[r - 1]];
  const [x, y] = await onBoth(g, cpu, [a, b], (be, [va, vb]) => out(be.matmul(va, vb), shape, dtype));
  return maxError(x, y);
}

describe.each(gpus)('workgroup-tiled matmul on $name', ({ gpu }) => {
  afterEach(() => forceMatmulKernel(null));

  it.each([
    [1, 1, 1],
    [3, 17, 5],
    [17, 3, 127],
    [65, 129, 63],
    [129, 16, 130],
  ])('matches the CPU for [%i, %i] @ [%i-column] with row-major and transposed operands', async (m, k, n) => {
    forceMatmulKernel('tiled');
    const layouts: [HostView, HostView][] = [
      [dense('f32', [m, k], 1), dense('f32', [k, n], 2)],
      [permuted('f32', [k, m], [1, 0], 3), permuted('f32', [n, k], [1, 0], 4)],
      [dense('f32', [m, k], 5), permuted('f32', [n, k], [1, 0], 6)],
    ];
    for (const [a, b] of layouts) expect(await compare(gpu, a, b, 'f32')).toBeLessThan(1e-5);
  });

  it('walks batch axes with a broadcast operand and offset windows', async () => {
    forceMatmulKernel('tiled');
    const a = dense('f32', [2, 3, 21, 34], 7);
    const shared = dense('f32', [34, 19], 8);
    const b: HostView = { ...shared, shape: [2, 3, 34, 19], strides: [0, 0, 19, 1] };
    expect(await compare(gpu, a, b, 'f32')).toBeLessThan(1e-5);
    const window: HostView = { ...dense('f32', [5 + 2 * 40 * 30], 9), shape: [2, 17, 30], strides: [1200, 40, 1], offset: 5 };
    expect(await compare(gpu, window, dense('f32', [2, 30, 9], 10), 'f32')).toBeLessThan(1e-5);
  });

  it('computes in f32 and stores f16 when the device holds f16', async () => {
    forceMatmulKernel('tiled');
    const dtypes: DType[] = gpu.dtypes.has('f16') ? ['f16'] : [];
    for (const dtype of dtypes) expect(await compare(gpu, dense(dtype, [33, 40], 11), permuted(dtype, [17, 40], [1, 0], 12), dtype)).toBeLessThan(4e-3);
    expect(dtypes.length > 0).toBe(gpu.dtypes.has('f16'));
  });
});
