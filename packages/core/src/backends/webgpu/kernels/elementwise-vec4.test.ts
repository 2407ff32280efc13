import { describe, expect, it } from 'vitest';
import type { BinaryOp } from '../../../backend-interface.js';
import type { DType } from '../../../dtype.js';
import { contiguousStrides } from '../../../shape.js';
import { testWebGPU } from '../../../test-support/backends.js';
import { createCpuBackend } from '../../cpu/cpu-backend.js';
import { type HostView, dense, onBoth, out, permuted } from '../../../test-support/webgpu.js';
import { vec4BinaryKernel, vec4CopyKernel } from './elementwise-vec4.js';
import { UNARY } from '../../../kernels/unary.js';
import type { UnaryOp } from '../../../backend-interface.js';
import { maxError } from '../../../test-support/webgpu.js';

const gpu = await testWebGPU();
const cpu = createCpuBackend();
const gpus = gpu ? [{ name: 'webgpu', gpu }] : [];
const OPS: BinaryOp[] = ['add', 'sub', 'mul', 'div'];

/** A view of `shape` broadcast from a contiguous `[..., last]` block (stride 0 on the leading axes). */
function rowOf(shape: number[], trailing: number, seed: number): HostView {
  const block = shape.slice(shape.length - trailing);
  const s = contiguousStrides(block);
  return { ...dense('f32', block, seed), shape, strides: [...shape.slice(0, shape.length - trailing).map(() => 0), ...s] };
}

/** A view of `shape` broadcast from one value at `offset`. */
function scalarOf(shape: number[], seed: number, offset = 0): HostView {
  return { ...dense('f32', [offset + 1], seed), shape, strides: shape.map(() => 0), offset };
}

/** A contiguous view of `shape` starting at `offset` in a longer buffer. */
function offsetOf(shape: number[], offset: number, seed: number): HostView {
  const n = shape.reduce((p, d) => p * d, 1);
  return { ...dense('f32', [n + offset], seed), shape, strides: contiguousStrides(shape), offset };
}

describe('vec4BinaryKernel', () => {
  const view = (hv: HostView) => ({ buffer: {} as never, dtype: hv.dtype, shape: hv.shape, strides: hv.strides ?? contiguousStrides(hv.shape), offset: hv.offset ?? 0 });
  it('declines operands it cannot read four at a time, leaving them to the map kernel', () => {
    const s = [8, 64, 12];
    expect(vec4BinaryKernel('add', view(dense('f32', s)), view(dense('f32', s)), s)).not.toBeNull();
    expect(vec4BinaryKernel('maximum', view(dense('f32', s)), view(dense('f32', s)), s)).toBeNull();
    expect(vec4BinaryKernel('add', view(dense('i32', s)), view(dense('i32', s)), s)).toBeNull();
    expect(vec4BinaryKernel('add', view(dense('f32', [7, 999])), view(dense('f32', [7, 999])), [7, 999])).toBeNull();
    expect(vec4BinaryKernel('add', view(dense('f32', [4, 8])), view(dense('f32', [4, 8])), [4, 8])).toBeNull();
    expect(vec4BinaryKernel('add', view(permuted('f32', [64, 96], [1, 0])), view(dense('f32', [96, 64])), [96, 64])).toBeNull();
    expect(vec4BinaryKernel('add', view(offsetOf(s, 2, 1)), view(dense('f32', s)), s)).toBeNull();
    expect(vec4BinaryKernel('add', view(rowOf([512, 6], 1, 1)), view(dense('f32', [512, 6])), [512, 6])).toBeNull();
    expect(vec4BinaryKernel('add', view(scalarOf(s, 1)), view(scalarOf(s, 2)), s)).toBeNull();
  });

  it('walks strided views and general broadcasts four at a time when each innermost axis is contiguous', () => {
    const heads = permuted('f32', [4, 32, 3, 64], [0, 2, 1, 3]); // [4, 3, 32, 64], a head split
    const table: HostView = { ...dense('f32', [4, 32, 64]), shape: [4, 3, 32, 64], strides: [2048, 0, 64, 1] };
    expect(vec4BinaryKernel('mul', view(heads), view(table), [4, 3, 32, 64])?.key).toMatch(/^vec4-mul:walk:/);
    expect(vec4BinaryKernel('mul', view(permuted('f32', [4, 32, 3, 62], [0, 2, 1, 3])), view(dense('f32', [4, 3, 32, 62])), [4, 3, 32, 62])).toBeNull();
  });

  it('copies four words at a time only where the last axis stays contiguous and aligned', () => {
    expect(vec4CopyKernel(view(permuted('f32', [8, 64, 4, 32], [0, 2, 1, 3])))).not.toBeNull();
    expect(vec4CopyKernel(view(permuted('f32', [64, 8, 16], [0, 2, 1])))).toBeNull();
    expect(vec4CopyKernel(view(permuted('f32', [8, 64, 4, 30], [0, 2, 1, 3])))).toBeNull();
    expect(vec4CopyKernel(view(offsetOf([64, 64], 3, 1)))).toBeNull();
    expect(vec4CopyKernel(view(dense('f16', [64, 64])))).toBeNull();
  });
});

describe.each(gpus)('four-wide map kernels on $name', ({ gpu }) => {
  it.each(Object.keys(UNARY) as UnaryOp[])('unary %s on large contiguous f32 views (from an offset too) matches the CPU', async (op) => {
    for (const hv of [dense('f32', [8, 1024], 21), offsetOf([64, 64], 12, 22)]) {
      const data = op === 'log' || op === 'sqrt' || op === 'rsqrt' ? hv.data.map((v) => Math.abs(v) + 0.1) : hv.data;
      const [g, c] = await onBoth(gpu, cpu, [{ ...hv, data }], (be, [x]) => out(be.unary(op, x), x.shape, 'f32'));
      expect(maxError(g, c), `${op} ${hv.shape}`).toBeLessThan(2e-6);
    }
  });

  it('dropout on a large view keeps and scales the elements the CPU does (the flat index reaches each lane)', async () => {
    const [g, c] = await onBoth(gpu, cpu, [dense('f32', [4, 4096], 23)], (be, [x]) => out(be.dropout(x, 0.3, 99), x.shape, 'f32'));
    expect(Array.from(g)).toEqual(Array.from(c));
  });
});

describe.each(gpus)('four-wide copies on $name', ({ gpu }) => {
  it('copy permuted views that keep the last axis (and others) of every 4-byte dtype like the CPU', async () => {
    const dtypes: DType[] = ['f32', 'i32', 'u32', 'bool'];
    for (const dtype of dtypes) {
      const views: [string, HostView][] = [
        ['head split', permuted(dtype, [8, 64, 4, 32], [0, 2, 1, 3], 31)],
        ['contiguous', dense(dtype, [64, 96], 32)],
        ['offset rows', { ...dense(dtype, [70, 64], 33), shape: [64, 64], strides: [64, 1], offset: 256 }],
        ['last axis moved', permuted(dtype, [64, 8, 16], [0, 2, 1], 34)],
        ['odd offset', { ...dense(dtype, [70, 64], 35), shape: [64, 64], strides: [64, 1], offset: 3 }],
      ];
      for (const [label, hv] of views) {
        const [g, c] = await onBoth(gpu, cpu, [hv], (be, [x]) => out(be.copy(x, dtype), x.shape, dtype));
        expect(Array.from(g), `${dtype} ${label}`).toEqual(Array.from(c));
      }
    }
  });
});

describe.each(gpus)('four-wide binary kernels on $name', ({ gpu }) => {
  it('fills large buffers of every dtype like the CPU, four words per store or one where the count is odd', async () => {
    const dtypes: DType[] = ['f32', 'i32', 'u32', 'bool', ...(gpu.dtypes.has('f16') ? (['f16'] as const) : [])];
    for (const dtype of dtypes) {
      for (const n of [65536, 16384, 16382, 4097]) {
        const value = dtype === 'bool' ? 1 : dtype === 'u32' ? 7 : -2.5;
        const [g, c] = await onBoth(gpu, cpu, [], (be) => out(be.fill(n, dtype, value), [n], dtype));
        expect(Array.from(g), `${dtype} ${n}`).toEqual(Array.from(c));
      }
    }
  });

  it.each(OPS)('%s matches the CPU for whole, bias-like, scalar, offset and strided operands on either side', async (op) => {
    const s = [8, 64, 24];
    const cases: [string, HostView, HostView][] = [
      ['whole, whole', dense('f32', s, 1), dense('f32', s, 2)],
      ['whole, bias', dense('f32', s, 3), rowOf(s, 1, 4)],
      ['bias, whole', rowOf(s, 2, 5), dense('f32', s, 6)],
      ['whole, scalar', dense('f32', s, 7), scalarOf(s, 8, 3)],
      ['scalar, whole', scalarOf(s, 9), dense('f32', s, 10)],
      ['offset, offset', offsetOf(s, 8, 11), offsetOf(s, 4, 12)],
      ['long', dense('f32', [8, 64, 512], 13), rowOf([8, 64, 512], 1, 14)],
      // RoPE: heads split from a projection times a [batch, time, dim] table repeated over heads
      ['strided, broadcast', permuted('f32', [4, 32, 3, 64], [0, 2, 1, 3], 15), { ...dense('f32', [4, 32, 64], 16), shape: [4, 3, 32, 64], strides: [2048, 0, 64, 1] }],
      ['broadcast, strided at an offset', { ...dense('f32', [8 + 64 * 24], 17), shape: s, strides: [0, 24, 1], offset: 8 }, permuted('f32', [64, 8, 24], [1, 0, 2], 18)],
    ];
    for (const [label, a, b] of cases) {
      const data = op === 'div' ? b.data.map((v) => (Math.abs(v) < 0.1 ? 0.5 : v)) : b.data;
      const shape = a.shape;
      const [g, c] = await onBoth(gpu, cpu, [a, { ...b, data }], (be, [x, y]) => out(be.binary(op, x, y, shape), shape, 'f32'));
      expect(Array.from(g), `${op} ${label}`).toEqual(Array.from(c));
    }
  });
});
