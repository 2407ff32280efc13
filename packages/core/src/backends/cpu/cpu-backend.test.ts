import { describe, expect, it } from 'vitest';
import type { View } from '../../backend-interface.js';
import { roundToF16 } from '../../dtype.js';
import { fromArray } from '../../ops/creation.js';
import { add, mul } from '../../ops/elementwise.js';
import { sum } from '../../ops/reduce.js';
import { matmul } from '../../ops/matmul.js';
import { readCpuF64 } from '../../test-support/numeric.js';
import { CpuBuffer } from './cpu-buffer.js';
import { createCpuBackend } from './cpu-backend.js';
import { DeviceError } from '../../errors.js';
import { installTensorMethods } from '../../tensor-methods.js';

// the chainable methods below (t.transpose(), …) come from an entry point; this file imports ops directly
installTensorMethods();
import { offsetsFor, stridedOffsets } from './strided.js';

const view = (buffer: View['buffer'], shape: number[], strides: number[], offset = 0, dtype: View['dtype'] = 'f32'): View => ({
  buffer,
  dtype,
  shape,
  strides,
  offset,
});

describe('CPU backend', () => {
  it('counts live buffers and bytes, and releasing twice is harmless', () => {
    const cpu = createCpuBackend();
    const a = cpu.upload(new Float32Array(4), 'f32');
    const b = cpu.fill(3, 'i32', 7);
    expect(cpu.memory()).toEqual({ liveBuffers: 2, liveBytes: 16 + 12, pooledBuffers: 0, pooledBytes: 0, peakBytes: 16 + 12 });
    cpu.release(a);
    cpu.release(a);
    expect(cpu.memory().liveBuffers).toBe(1);
    cpu.release(b);
    expect(cpu.memory()).toEqual({ liveBuffers: 0, liveBytes: 0, pooledBuffers: 0, pooledBytes: 0, peakBytes: 16 + 12 });
  });

  it('keeps the peak of live bytes until resetPeak starts a new one from the live bytes', () => {
    const cpu = createCpuBackend();
    const a = cpu.upload(new Float32Array(100), 'f32');
    const b = cpu.upload(new Float32Array(50), 'f32');
    cpu.release(b);
    expect(cpu.memory().peakBytes).toBe(600);
    cpu.resetPeak();
    expect(cpu.memory().peakBytes).toBe(400);
    const c = cpu.upload(new Float32Array(10), 'f32');
    expect(cpu.memory().peakBytes).toBe(440);
    cpu.release(a);
    cpu.release(c);
    expect(cpu.memory().peakBytes).toBe(440);
  });

  it('refuses released buffers and buffers of another backend', async () => {
    const cpu = createCpuBackend();
    const a = cpu.upload(new Float32Array([1, 2]), 'f32');
    cpu.release(a);
    await expect(cpu.read(view(a, [2], [1]))).rejects.toThrow('cpu: got a buffer that was already released');
    const foreign = { byteLength: 8 };
    expect(() => cpu.unary('exp', view(foreign, [2], [1]))).toThrow('cpu: got a buffer from another backend');
  });

  it('reads strided, offset and broadcast (stride 0) views in row-major order', async () => {
    const cpu = createCpuBackend();
    const a = cpu.upload(Float32Array.from({ length: 12 }, (_, i) => i), 'f32');
    expect(Array.from(await cpu.read(view(a, [3, 2], [1, 3], 1)))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(await cpu.read(view(a, [2, 3], [0, 2], 5)))).toEqual([5, 7, 9, 5, 7, 9]);
    expect(Array.from(await cpu.read(view(a, [], [], 11)))).toEqual([11]);
    expect(Array.from(await cpu.read(view(a, [2, 2], [6, 1], 2)))).toEqual([2, 3, 8, 9]);
  });

  it('computes strided offsets as an odometer over the shape', () => {
    expect(Array.from(offsetsFor([2, 3], [1, 2], 5))).toEqual([5, 7, 9, 6, 8, 10]);
    expect(Array.from(offsetsFor([2, 0, 3], [0, 1, 1], 0))).toEqual([]);
    expect(Array.from(offsetsFor([2, 1, 2], [10, 99, 1], 0))).toEqual([0, 1, 10, 11]);
    expect(stridedOffsets({ shape: [2, 3], strides: [3, 1], offset: 4 })).toBeNull(); // contiguous: no table
  });

  it('writes kernel outputs as fresh contiguous buffers of the result dtype', async () => {
    const cpu = createCpuBackend();
    const a = cpu.upload(new Float32Array([1, 2, 3]), 'f32');
    const b = cpu.upload(new Float32Array([2]), 'f32');
    const sumBuf = cpu.binary('add', view(a, [3], [1]), view(b, [3], [0]), [3]);
    const cmp = cpu.compare('gt', view(a, [3], [1]), view(b, [3], [0]), [3]);
    expect(Array.from(await cpu.read(view(sumBuf, [3], [1])))).toEqual([3, 4, 5]);
    expect(await cpu.read(view(cmp, [3], [1], 0, 'bool'))).toEqual(new Uint8Array([0, 0, 1]));
  });

  it('accumulates sums and dot products in float64 before rounding once', async () => {
    const cpu = createCpuBackend();
    const big = fromArray([1e8, 1, -1e8, 1], [4], { backend: cpu });
    const s = sum(big);
    expect(await s.item()).toBe(2); // a float32 running sum would lose the ones
    const row = fromArray([1e8, 1, -1e8], [1, 3], { backend: cpu });
    const col = fromArray([1, 1, 1], [3, 1], { backend: cpu });
    expect(await matmul(row, col).item()).toBe(1);
  });

  it('keeps f16 data rounded to half precision between kernels', async () => {
    const cpu = createCpuBackend();
    const x = fromArray([0.1, 1000.3], [2], { backend: cpu, dtype: 'f16' });
    const y = mul(x, 3);
    const raw = (y.view().buffer as CpuBuffer).data;
    // 0.1 → 0.0999755859375; ×3 = 0.2999267578125 is a tie between halves and goes to the even one
    expect(Array.from(raw)).toEqual([0.2998046875, 3002]);
    expect(Array.from(raw)).toEqual([roundToF16(roundToF16(0.1) * 3), roundToF16(roundToF16(1000.3) * 3)]);
  });

  describe("precision: 'f64'", () => {
    it('holds f32 tensors in float64 between kernels but reads back float32', async () => {
      const cpu = createCpuBackend({ precision: 'f64' });
      expect(cpu.wide).toBe(true);
      expect(cpu.description).toMatch(/float64/);
      const x = fromArray([1, 2], [2], { backend: cpu });
      const y = add(mul(x, 1 / 3), 1e-9);
      expect((y.view().buffer as CpuBuffer).data).toBeInstanceOf(Float64Array);
      expect(Array.from(readCpuF64(y)!)).toEqual([1 / 3 + 1e-9, 2 / 3 + 1e-9]);
      expect(Array.from(await y.data())).toEqual([Math.fround(1 / 3 + 1e-9), Math.fround(2 / 3 + 1e-9)]);
      expect(await y.data()).toBeInstanceOf(Float32Array);
    });

    it('keeps integer, bool and f16 tensors in their own types', () => {
      const cpu = createCpuBackend({ precision: 'f64' });
      const i = fromArray([1, 2], [2], { backend: cpu, dtype: 'i32' });
      const h = fromArray([0.1], [1], { backend: cpu, dtype: 'f16' });
      expect((i.view().buffer as CpuBuffer).data).toBeInstanceOf(Int32Array);
      expect((h.view().buffer as CpuBuffer).data).toBeInstanceOf(Float32Array);
      expect((add(i, 1).view().buffer as CpuBuffer).data).toBeInstanceOf(Int32Array);
    });

    it('is float64 through every kernel kind', () => {
      const cpu = createCpuBackend({ precision: 'f64' });
      const third = 1 / 3;
      const x = fromArray([1, 2, 3, 4], [2, 2], { backend: cpu });
      const t = mul(x, third);
      const outs = [
        sum(t, 1),
        matmul(t, t),
        t.transpose().contiguous(),
        t.slice([0], [1]).reshape([2]).expand([2, 2]).contiguous(),
      ];
      for (const o of outs) {
        const v = readCpuF64(o)!;
        expect((o.view().buffer as CpuBuffer).data).toBeInstanceOf(Float64Array);
        expect(v.some((e) => e !== Math.fround(e))).toBe(true);
      }
    });
  });
});

describe('CPU allocations the JavaScript engine refuses', () => {
  it('are a DeviceError (OUT_OF_MEMORY) naming the size, not a RangeError', () => {
    const cpu = createCpuBackend();
    expect(() => cpu.fill(2 ** 40, 'f32', 0)).toThrow(DeviceError);
    expect(() => cpu.fill(2 ** 40, 'f32', 0)).toThrow(/cpu: cannot allocate 1\.100e\+12 f32 elements/);
  });
});
