import { describe, expect, it } from 'vitest';
import type { View } from '../../backend-interface.js';
import type { DType } from '../../dtype.js';
import { DeviceError, PeftError } from '../../errors.js';
import { nodeGPU } from '../../node.js';
import { testWebGPU } from '../../test-support/backends.js';
import { createCpuBackend } from '../cpu/cpu-backend.js';
import { WebGPUBuffer } from './gpu-buffer.js';
import { type WebGPUBackend, createWebGPUBackend } from './webgpu-backend.js';
import { type HostView, dense, permuted, readBoth } from '../../test-support/webgpu.js';

const shared = (await testWebGPU()) as WebGPUBackend | null;
const cpu = createCpuBackend();
const gpus = shared ? [{ name: 'webgpu', gpu: shared }] : [];

function vec(buffer: View['buffer'], n: number, dtype: DType = 'f32'): View {
  return { buffer, dtype, shape: [n], strides: [1], offset: 0 };
}

function gpuBufferOf(handle: View['buffer']): GPUBuffer {
  return (handle as WebGPUBuffer).buffer;
}

describe.each(gpus)('the WebGPU backend ($name)', ({ gpu }) => {
  const dtypes: DType[] = ['f32', 'i32', 'u32', 'bool', ...(gpu.dtypes.has('f16') ? (['f16'] as DType[]) : [])];

  it('names its adapter and lists the dtypes it can hold', () => {
    expect(gpu.name).toBe('webgpu');
    expect(gpu.description).not.toMatch(/unknown adapter/);
    expect(gpu.description.length).toBeGreaterThan(3);
    for (const d of ['f32', 'i32', 'u32', 'bool'] as const) expect(gpu.dtypes.has(d)).toBe(true);
    expect(gpu.dtypes.has('f16')).toBe(gpu.device.features.has('shader-f16'));
  });

  it('round-trips uploads of every dtype, including odd f16 lengths and empty buffers', async () => {
    const cases: [DType, number[]][] = [
      ['f32', [1.5, -2, 3.25, 1e-30, -Infinity, NaN]],
      ['i32', [-5, 0, 7, 2147483647, -2147483648]],
      ['u32', [0, 1, 4294967295]],
      ['bool', [1, 0, 1]],
      ['f32', []],
    ];
    if (gpu.dtypes.has('f16')) cases.push(['f16', [0.1, -2.5, 65504, 1e-7, 3]], ['f16', [1]], ['f16', []]);
    for (const [dtype, data] of cases) {
      const [g, c] = await readBoth(gpu, cpu, { data, dtype, shape: [data.length] });
      expect(g.constructor, dtype).toBe(c.constructor);
      expect(Array.from(g), dtype).toEqual(Array.from(c));
    }
  });

  it('reads strided, broadcast and offset views of every dtype in row-major order', async () => {
    for (const dtype of dtypes) {
      const views: HostView[] = [
        permuted(dtype, [3, 4, 5], [2, 0, 1], 1),
        { ...dense(dtype, [6], 2), shape: [3, 6], strides: [0, 1] },
        { ...dense(dtype, [30], 3), shape: [2, 3], strides: [7, 2], offset: 3 },
        // contiguous with an odd offset (for f16 not 4-byte aligned)
        { ...dense(dtype, [9], 4), shape: [4], strides: [1], offset: 5 },
        { ...dense(dtype, [9], 4), shape: [], strides: [], offset: 7 },
      ];
      for (const hv of views) {
        const [g, c] = await readBoth(gpu, cpu, hv);
        expect(Array.from(g), `${dtype} ${hv.shape}`).toEqual(Array.from(c));
      }
    }
  });

  it('keeps commands and uploads in order when an upload reuses a pooled buffer that pending work reads', async () => {
    const n = 1000;
    const first = new Float32Array(n).fill(1);
    const x = gpu.upload(first, 'f32');
    await gpu.sync();
    const y = gpu.binary('add', vec(x, n), vec(x, n), [n]); // recorded, not submitted
    const old = gpuBufferOf(x);
    gpu.release(x);
    const z = gpu.upload(new Float32Array(n).fill(100), 'f32');
    // the pool handed x's memory to z while y's kernel still has to read it
    expect(gpuBufferOf(z)).toBe(old);
    const w = gpu.binary('add', vec(y, n), vec(z, n), [n]);
    const [ry, rw] = await Promise.all([gpu.read(vec(y, n)), gpu.read(vec(w, n))]);
    expect(Array.from(new Set(ry))).toEqual([2]);
    expect(Array.from(new Set(rw))).toEqual([102]);
    for (const b of [y, z, w]) gpu.release(b);
  });

  it('gives the right result for long chains interleaved with uploads, reads and pool reuse', async () => {
    const n = 37;
    let acc = gpu.fill(n, 'f32', 0);
    let expected = 0;
    for (let step = 1; step <= 1500; step++) {
      const inc = gpu.upload(new Float32Array(n).fill(step % 7), 'f32');
      const next = gpu.binary('add', vec(acc, n), vec(inc, n), [n]);
      gpu.release(acc);
      gpu.release(inc);
      acc = next;
      expected += step % 7;
      if (step % 500 === 0) expect((await gpu.read(vec(acc, n)))[n - 1]).toBe(expected);
    }
    const r = await gpu.read(vec(acc, n));
    expect(Array.from(new Set(r))).toEqual([expected]);
    gpu.release(acc);
  });

  it('reuses pooled buffers of the same size class instead of creating new ones', async () => {
    const a = gpu.fill(1000, 'f32', 1);
    gpu.release(a);
    const before = gpu.pool.createdBuffers;
    const pooled = gpu.memory().pooledBuffers;
    const b = gpu.fill(1010, 'f32', 2); // 4040 bytes: same 4096-byte class
    expect(gpu.pool.createdBuffers).toBe(before);
    expect(gpu.memory().pooledBuffers).toBe(pooled - 1);
    expect(gpuBufferOf(b)).toBe(gpuBufferOf(a));
    expect((await gpu.read(vec(b, 1010)))[1009]).toBe(2);
    gpu.release(b);
  });

  it('counts live buffers and bytes exactly, with no leak from scratch buffers of multi-pass kernels', async () => {
    const start = gpu.memory();
    const x = gpu.upload(new Float32Array(300000).fill(1), 'f32');
    expect(gpu.memory().liveBuffers).toBe(start.liveBuffers + 1);
    expect(gpu.memory().liveBytes).toBe(start.liveBytes + x.byteLength);
    expect(x.byteLength).toBeGreaterThanOrEqual(1200000);
    const s = gpu.reduce('sum', vec(x, 300000), [0]); // partial results + second pass
    const ids = gpu.upload(new Int32Array([0, 1, 1, 0]), 'i32');
    const g = gpu.scatterAdd({ buffer: x, dtype: 'f32', shape: [4, 5], strides: [5, 1], offset: 0 }, vec(ids, 4, 'i32'), 0, 2);
    const t = gpu.copy({ buffer: x, dtype: 'f32', shape: [3, 2], strides: [1, 3], offset: 0 }, 'f32');
    expect((await gpu.read(vec(s, 1)))[0]).toBe(300000);
    await gpu.read({ buffer: t, dtype: 'f32', shape: [2, 3], strides: [1, 2], offset: 0 });
    expect(gpu.memory().liveBuffers).toBe(start.liveBuffers + 5);
    for (const b of [x, s, ids, g, t]) gpu.release(b);
    gpu.release(t); // a second release is ignored
    expect(gpu.memory().liveBuffers).toBe(start.liveBuffers);
    expect(gpu.memory().liveBytes).toBe(start.liveBytes);
  });

  it('keeps the peak of live bytes until resetPeak starts a new one from the live bytes', () => {
    gpu.resetPeak();
    const start = gpu.memory();
    expect(start.peakBytes).toBe(start.liveBytes);
    const a = gpu.upload(new Float32Array(4096), 'f32');
    const b = gpu.upload(new Float32Array(1024), 'f32');
    gpu.release(b);
    expect(gpu.memory().peakBytes).toBe(start.liveBytes + a.byteLength + b.byteLength);
    gpu.resetPeak();
    expect(gpu.memory().peakBytes).toBe(start.liveBytes + a.byteLength);
    gpu.release(a);
    expect(gpu.memory().peakBytes).toBe(start.liveBytes + a.byteLength);
  });

  it('counts the scratch buffers of a multi-pass reduction in the peak', async () => {
    const x = gpu.upload(new Float32Array(300000).fill(1), 'f32');
    gpu.resetPeak();
    const s = gpu.reduce('sum', vec(x, 300000), [0]); // partial results in a scratch buffer, then a second pass
    expect((await gpu.read(vec(s, 1)))[0]).toBe(300000);
    const { liveBytes, peakBytes } = gpu.memory();
    expect(peakBytes).toBeGreaterThan(liveBytes); // the partials were held beside x and s
    gpu.release(x);
    gpu.release(s);
  });

  it('reuses bind groups when a step binds the same buffers again', async () => {
    const groups = (gpu as unknown as { batch: { groups: { hits: number; misses: number } } }).batch.groups;
    const x = gpu.fill(256, 'f32', 1);
    const step = async (): Promise<number> => {
      const a = gpu.unary('exp', vec(x, 256));
      const b = gpu.binary('add', vec(a, 256), vec(x, 256), [256]);
      const r = (await gpu.read(vec(b, 256)))[0];
      gpu.release(a);
      gpu.release(b);
      return r;
    };
    for (let i = 0; i < 3; i++) await step();
    const [hits, misses] = [groups.hits, groups.misses];
    expect(await step()).toBeCloseTo(Math.E + 1, 5);
    expect(await step()).toBeCloseTo(Math.E + 1, 5);
    expect(groups.misses).toBe(misses);
    expect(groups.hits).toBeGreaterThan(hits);
    gpu.release(x);
  });

  it('counts the texture matmul operand textures in the peak and its pooled textures in pooledBytes', async () => {
    // a software adapter multiplies through textures; a GPU adapter through buffers (then nothing to count)
    const n = 256;
    const a = gpu.fill(n * n, 'f32', 0.5);
    const m = { buffer: a, dtype: 'f32', shape: [n, n], strides: [n, 1], offset: 0 } as const;
    const before = gpu.memory();
    gpu.resetPeak();
    const out = gpu.matmul(m, m);
    expect((await gpu.read({ ...m, buffer: out }))[0]).toBe(64);
    const after = gpu.memory();
    if (gpu.softwareAdapter) {
      // two operand textures of n·n floats each, held while the product ran, beside a and the output
      expect(after.peakBytes).toBeGreaterThanOrEqual(before.liveBytes + n * n * 4 * 3);
      expect(after.pooledBytes).toBeGreaterThan(0);
    }
    gpu.release(a);
    gpu.release(out);
  });

  it('refuses an allocation larger than the device can allocate with OUT_OF_MEMORY naming the size', () => {
    const n = 2 ** 31;
    let err: unknown;
    try {
      gpu.fill(n, 'f32', 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).code).toBe('OUT_OF_MEMORY');
    expect((err as DeviceError).message).toMatch(/fill: cannot allocate 8589934592 bytes .* the largest buffer this device allocates is \d+ bytes/);
    // the backend keeps working
    gpu.release(gpu.fill(4, 'f32', 0));
  });

  it('rejects released buffers and buffers of other backends', () => {
    const x = gpu.fill(4, 'f32', 0);
    gpu.release(x);
    expect(() => gpu.unary('exp', vec(x, 4))).toThrow(/already released/);
    const c = cpu.fill(4, 'f32', 0);
    expect(() => gpu.unary('exp', vec(c, 4))).toThrow(PeftError);
    expect(() => gpu.unary('exp', vec(c, 4))).toThrow(/another backend/);
  });

  it('reports a kernel that fails to compile on the next call instead of swallowing it', async () => {
    const x = gpu.fill(4, 'f32', 0);
    gpu.runKernel({ key: 'broken-test-kernel', source: () => 'this is not wgsl', access: ['write'], words: [0], grid: [1, 1, 1] }, [x]);
    await expect(gpu.read(vec(x, 4))).rejects.toThrow(/failed to compile/);
    // reported once; the backend goes on
    gpu.release(x);
    const y = gpu.fill(4, 'f32', 3);
    expect(Array.from(await gpu.read(vec(y, 4)))).toEqual([3, 3, 3, 3]);
    gpu.release(y);
  });
});

describe.each(gpus)('WebGPU backends of their own ($name)', () => {
  it('submit on their own when a batch fills (many dispatches, uniform slots reused per batch)', async () => {
    const gpu = await createWebGPUBackend({ gpu: nodeGPU(), batchSize: 8 });
    const n = 5;
    let acc = gpu.fill(n, 'i32', 0);
    for (let i = 0; i < 100; i++) {
      const one = gpu.fill(n, 'i32', i);
      const next = gpu.binary('add', vec(acc, n, 'i32'), vec(one, n, 'i32'), [n]);
      gpu.release(acc);
      gpu.release(one);
      acc = next;
    }
    expect(Array.from(await gpu.read(vec(acc, n, 'i32')))).toEqual(new Array(n).fill(4950));
    gpu.destroy();
  });

  it('without a pool destroy released buffers only after the commands that read them are submitted', async () => {
    const gpu = await createWebGPUBackend({ gpu: nodeGPU(), maxPooledBytes: 0 });
    const n = 64;
    const x = gpu.upload(new Float32Array(n).fill(2), 'f32');
    const y = gpu.unary('square', vec(x, n)); // recorded, reads x
    gpu.release(x); // retired at once: must survive until the batch is submitted
    const z = gpu.binary('mul', vec(y, n), vec(y, n), [n]);
    gpu.release(y);
    expect(Array.from(new Set(await gpu.read(vec(z, n))))).toEqual([16]);
    expect(gpu.pool.pooledBuffers).toBe(0);
    gpu.release(z);
    gpu.destroy();
  });

  it('without f16 list only the other dtypes and refuse f16 clearly', async () => {
    const gpu = await createWebGPUBackend({ gpu: nodeGPU(), f16: false });
    expect(gpu.dtypes.has('f16')).toBe(false);
    expect(() => gpu.fill(3, 'f16', 1)).toThrow(/cannot hold f16/);
    gpu.destroy();
  });

  it('surface device loss as DEVICE_LOST on the next call and on pending reads', async () => {
    const gpu = await createWebGPUBackend({ gpu: nodeGPU() });
    const x = gpu.fill(8, 'f32', 1);
    gpu.device.destroy();
    await gpu.device.lost;
    let err: unknown;
    try {
      gpu.unary('exp', vec(x, 8));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).code).toBe('DEVICE_LOST');
    expect((err as DeviceError).message).toMatch(/exp: the device was lost/);
    await expect(gpu.read(vec(x, 8))).rejects.toMatchObject({ code: 'DEVICE_LOST' });
    gpu.release(x);
    expect(gpu.memory().liveBuffers).toBe(0);
    gpu.destroy();
  });

  it('free everything on destroy and refuse later calls', async () => {
    const gpu = await createWebGPUBackend({ gpu: nodeGPU() });
    const x = gpu.fill(8, 'f32', 1);
    gpu.release(gpu.fill(100, 'f32', 1));
    expect(gpu.memory().pooledBuffers).toBeGreaterThan(0);
    gpu.destroy();
    expect(gpu.memory().pooledBuffers).toBe(0);
    expect(() => gpu.fill(1, 'f32', 0)).toThrow(/destroyed/);
    gpu.release(x);
    gpu.destroy(); // twice is fine
  });
});
