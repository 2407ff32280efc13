import { afterAll, describe, expect, it } from 'vitest';
import type { ReduceOp } from '../../../backend-interface.js';
import type { DType } from '../../../dtype.js';
import { shapeSize } from '../../../shape.js';
import { testWebGPU } from '../../../test-support/backends.js';
import { createCpuBackend } from '../../cpu/cpu-backend.js';
import { type WebGPUBackend, createWebGPUBackend } from '../webgpu-backend.js';
import { nodeGPU } from '../../../node.js';
import { coopReduceKernel } from './reduce.js';
import { type HostView, dense, maxError, onBoth, out, permuted } from '../../../test-support/webgpu.js';

const gpu = (await testWebGPU()) as WebGPUBackend | null;
const cpu = createCpuBackend();
// both kernel plans: the one for this adapter, and the other one forced
const other = gpu ? await createWebGPUBackend({ gpu: nodeGPU(), softwareAdapter: !gpu.softwareAdapter }) : null;
const gpus = gpu && other ? [gpu, other].map((g) => ({ name: `webgpu, ${g.softwareAdapter ? 'CPU-adapter' : 'GPU'} plan`, gpu: g })) : [];
afterAll(() => other?.destroy());

const OPS: ReduceOp[] = ['sum', 'max', 'min', 'argmax', 'argmin'];

function reducedShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.filter((_, d) => !axes.includes(d));
}

/** Tolerance for a sum of `n` values of magnitude <= 2 relative to (1 + |result|). */
function sumTol(dtype: DType, n: number): number {
  if (dtype === 'f16') return 2e-3 * Math.max(1, Math.sqrt(n));
  if (dtype === 'f32') return 2e-7 * Math.max(4, n);
  return 0;
}

describe.each(gpus)('reduce kernels ($name)', ({ gpu }) => {
  const dtypes: DType[] = [...(gpu.dtypes.has('f16') ? (['f32', 'f16'] as DType[]) : ['f32' as DType]), 'i32', 'u32'];

  async function check(op: ReduceOp, hv: HostView, axes: number[]): Promise<void> {
    const shape = reducedShape(hv.shape, axes);
    const outDtype = op === 'argmax' || op === 'argmin' ? 'i32' : hv.dtype;
    const [g, c] = await onBoth(gpu, cpu, [hv], (b, [x]) => out(b.reduce(op, x, axes), shape, outDtype));
    const n = shapeSize(axes.map((d) => hv.shape[d]));
    const tol = op === 'sum' ? sumTol(hv.dtype, n) : 0;
    expect(maxError(g, c), `${op} ${hv.dtype} ${hv.shape} axes ${axes}`).toBeLessThanOrEqual(tol);
  }

  it.each(OPS)('%s matches the CPU over every axis set of a rank-3 tensor, for every dtype', async (op) => {
    const axesSets = [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];
    for (const dtype of dtypes) {
      for (const axes of axesSets) {
        if ((op === 'argmax' || op === 'argmin') && axes.length !== 1) continue;
        await check(op, dense(dtype, [3, 17, 5], 21), axes);
      }
    }
  });

  it.each(OPS)('%s reads transposed, broadcast and offset views without copies', async (op) => {
    for (const dtype of dtypes) {
      await check(op, permuted(dtype, [7, 4, 9], [2, 0, 1], 5), [1]);
      await check(op, permuted(dtype, [7, 4, 9], [2, 0, 1], 5), [0]);
      await check(op, { ...dense(dtype, [5], 6), shape: [4, 5], strides: [0, 1] }, [0]);
      await check(op, { ...dense(dtype, [90], 7), shape: [3, 5], strides: [30, 3], offset: 4 }, [1]);
    }
  });

  it.each(OPS)('%s handles awkward sizes: single elements, 127, and long rows that take the cooperative kernel', async (op) => {
    for (const [shape, axis] of [
      [[1], 0],
      [[127], 0],
      [[3, 1], 1],
      [[2, 1000], 1],
      [[5, 3001], 1],
      [[3001, 5], 0],
      [[64, 257], 1],
    ] as [number[], number][]) {
      await check(op, dense('f32', shape, 8), [axis]);
    }
  });

  it.each(['sum', 'max', 'min'] as ReduceOp[])('%s of a long tensor splits into partial results and a second pass', async (op) => {
    for (const dtype of dtypes) {
      const n = dtype === 'f16' ? 20000 : 300001;
      const hv = dense(dtype, [n], 9);
      // keep f16 sums where half precision can still hold them
      const fixed = dtype === 'f16' ? { ...hv, data: hv.data.map((v) => v / 64) } : hv;
      await check(op, fixed, [0]);
      await check(op, { ...dense(dtype, [3 * 40000], 10), shape: [3, 40000] }, [1]);
    }
  });

  it('argmax and argmin return the first index of ties, as the reference does', async () => {
    const hv: HostView = { data: [1, 5, 5, 0, 0, 5, 2, 0, -1, -1, -1, -1], dtype: 'f32', shape: [3, 4] };
    for (const op of ['argmax', 'argmin'] as const) {
      await check(op, hv, [1]);
      await check(op, hv, [0]);
    }
    // the cooperative kernel combines partial winners: ties across invocations keep the lowest index
    const long: HostView = { data: Array.from({ length: 2 * 5000 }, (_, i) => (i % 5000) % 7), dtype: 'i32', shape: [2, 5000] };
    await check('argmax', long, [1]);
    await check('argmin', long, [1]);
  });

  it('max and min propagate NaN while argmax skips it, like the reference', async () => {
    const hv: HostView = { data: [1, NaN, 3, 2, 0, -1, NaN, 4], dtype: 'f32', shape: [2, 4] };
    for (const op of OPS) await check(op, hv, [1]);
    const long: HostView = { data: Array.from({ length: 4000 }, (_, i) => (i === 2345 ? NaN : i % 13)), dtype: 'f32', shape: [1, 4000] };
    for (const op of OPS) await check(op, long, [1]);
  });

  it('reductions of empty axes give the reference values (0, -inf, inf, index 0) and empty outputs give nothing', async () => {
    for (const op of OPS) {
      for (const dtype of dtypes) await check(op, dense(dtype, [3, 0], 1), [1]);
      await check(op, dense('f32', [0, 4], 1), [1]);
    }
  });

  it('the cooperative kernel covers more outputs than one grid dimension holds', async () => {
    // 70000 outputs, one workgroup each: a 2-D grid
    const rows = 70000;
    const data = new Float32Array(rows * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i % 5) - (i % 3);
    const x = gpu.upload(data, 'f32');
    const v = { buffer: x, dtype: 'f32', shape: [3, rows], strides: [1, 3], offset: 0 } as const;
    for (const op of ['sum'] as const) {
      const outDtype = 'f32';
      const kernel = coopReduceKernel(op, v, [0], outDtype, 1);
      expect(kernel.grid[1]).toBeGreaterThan(1);
      const y = gpu.fill(rows, outDtype, 0);
      gpu.runKernel(kernel, [x, y]);
      const got = await gpu.read({ buffer: y, dtype: outDtype, shape: [rows], strides: [1], offset: 0 });
      const xc = cpu.upload(data, 'f32');
      const yc = cpu.reduce(op, { ...v, buffer: xc }, [0]);
      const want = await cpu.read({ buffer: yc, dtype: outDtype, shape: [rows], strides: [1], offset: 0 });
      expect(maxError(got, want)).toBeLessThan(1e-6);
      gpu.release(y);
    }
    gpu.release(x);
  });
});
