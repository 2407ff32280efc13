import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../cpu/cpu-backend.js';
import { testWebGPU } from '../../test-support/backends.js';
import { KernelProfiler, kernelFamily } from './kernel-profiler.js';
import type { WebGPUBackend } from './webgpu-backend.js';
import { dense, onBoth, out } from '../../test-support/webgpu.js';

const shared = (await testWebGPU()) as WebGPUBackend | null;
const gpus = shared ? [{ name: 'webgpu', gpu: shared }] : [];

describe('kernelFamily', () => {
  it('takes the cache key up to its first colon', () => {
    expect(kernelFamily('norm:layer:wb')).toBe('norm');
    expect(kernelFamily('matmul:["f32",[1],4]')).toBe('matmul');
    expect(kernelFamily('bitonic-step')).toBe('bitonic-step');
  });

  it("adds an element-wise kernel's name and the start of its expression", () => {
    expect(kernelFamily('map:{"n":"binary","e":"a  +\\n b"}')).toBe('map binary a + b');
    expect(kernelFamily(`map:{"n":"unary","e":"${'x'.repeat(40)}"}`)).toBe(`map unary ${'x'.repeat(31)}…`);
    expect(kernelFamily('map:{"n":"copy"}')).toBe('map copy');
    expect(kernelFamily('map:not json')).toBe('map');
  });
});

describe('KernelProfiler without timestamp queries', () => {
  it('times each submitted dispatch to its completion and sums them by family, most first', async () => {
    let release: () => void = () => undefined;
    const device = {
      features: new Set<string>(),
      queue: { onSubmittedWorkDone: () => new Promise<void>((r) => (release = r)) },
    } as unknown as GPUDevice;
    const p = new KernelProfiler(device);
    expect(p.method).toBe('cpu-queue-wait');
    expect(p.submitEach).toBe(true);
    expect(p.timestamps('x')).toBeUndefined();
    p.submitted('slow');
    const t0 = performance.now();
    while (performance.now() - t0 < 15);
    release();
    p.submitted('fast');
    release();
    p.submitted('fast');
    release();
    const report = await p.report();
    expect(report.method).toBe('cpu-queue-wait');
    expect(report.entries.map((e) => [e.family, e.dispatches])).toEqual([
      ['slow', 1],
      ['fast', 2],
    ]);
    expect(report.entries[0].ms).toBeGreaterThanOrEqual(14);
    expect(report.totalMs).toBeCloseTo(report.entries[0].ms + report.entries[1].ms, 9);
  });
});

describe.each(gpus)('profiling the WebGPU backend ($name)', ({ gpu }) => {
  const cpu = createCpuBackend();

  it('reports every family a workload ran, with its dispatch count, and leaves the results unchanged', async () => {
    gpu.startProfile();
    const [g, c] = await onBoth(gpu, cpu, [dense('f32', [96, 80], 3), dense('f32', [80, 72], 4)], (b, [a, w]) => {
      const prod = b.matmul(a, w);
      const view = { buffer: prod, dtype: 'f32', shape: [96, 72], strides: [72, 1], offset: 0 } as const;
      const e = b.unary('exp', view);
      b.release(prod);
      return out(e, [96, 72], 'f32');
    });
    const profile = await gpu.stopProfile();
    for (let i = 0; i < c.length; i++) expect(Math.abs(g[i] - c[i])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(c[i])));
    expect(profile).not.toBeNull();
    expect(profile!.method).toBe(gpu.device.features.has('timestamp-query') ? 'timestamp-query' : 'cpu-queue-wait');
    const families = profile!.entries.map((e) => e.family);
    expect(families.some((f) => f.startsWith('matmul'))).toBe(true);
    expect(families.filter((f) => f.startsWith('map')).length).toBe(1);
    for (const e of profile!.entries) {
      expect(e.dispatches).toBeGreaterThan(0);
      expect(e.ms).toBeGreaterThanOrEqual(0);
      expect(e.ms).toBeLessThan(10_000);
    }
    expect(await gpu.stopProfile()).toBeNull();
  });
});
