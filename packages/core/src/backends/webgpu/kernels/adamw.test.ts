import { describe, expect, it } from 'vitest';
import type { AdamWStep, Backend, BufferHandle } from '../../../backend-interface.js';
import { ADAMW_KERNEL } from '../../../kernels/adamw-kernel.js';
import { testWebGPU } from '../../../test-support/backends.js';
import { runKernel } from '../../kernel-registry.js';
import { createCpuBackend } from '../../cpu/cpu-backend.js';
import { type HostView, maxError, place, rng } from '../../../test-support/webgpu.js';

const gpu = await testWebGPU();
const cpu = createCpuBackend();
const gpus = gpu ? [{ name: 'webgpu', gpu }] : [];

/** n random values preceded by `offset` unused ones; `positive` for second moments. */
function operand(n: number, offset: number, seed: number, positive = false): HostView {
  const r = rng(seed);
  const data = Array.from({ length: n + offset }, () => (positive ? r() * 0.01 : r() * 2 - 1));
  return { data, dtype: 'f32', shape: [n], offset };
}

async function runAdamW(b: Backend, hv: HostView[], h: AdamWStep): Promise<Float32Array[]> {
  const [p, g, m, v] = hv.map((x) => place(b, x));
  const outs = runKernel(b, ADAMW_KERNEL, p, g, m, v, h);
  const read = (buf: BufferHandle): Promise<Float32Array> => b.read({ ...p, buffer: buf, offset: 0 }) as Promise<Float32Array>;
  const values = await Promise.all(outs.map(read));
  for (const x of [p, g, m, v]) b.release(x.buffer);
  for (const o of outs) b.release(o);
  return values;
}

describe.each(gpus)('the fused AdamW kernel on $name', ({ gpu }) => {
  const steps: AdamWStep[] = [
    { decay: 1 - 0.1 * 0.01, beta1: 0.9, beta2: 0.999, stepSize: 0.1 / (1 - 0.9), bc2Sqrt: Math.sqrt(1 - 0.999), eps: 1e-8, maximize: false },
    { decay: 1, beta1: 0.8, beta2: 0.95, stepSize: 3e-4 / (1 - 0.8 ** 7), bc2Sqrt: Math.sqrt(1 - 0.95 ** 7), eps: 1e-6, maximize: true },
  ];

  it.each([1, 17, 1000, 70_001])('matches the CPU reference on %i elements, with offset operands', async (n) => {
    for (const h of steps) {
      const hv = [operand(n, 3, 1), operand(n, 0, 2), operand(n, 5, 3), operand(n, 1, 4, true)];
      const [gp, gm, gv] = await runAdamW(gpu, hv, h);
      const [cp, cm, cv] = await runAdamW(cpu, hv, h);
      expect(maxError(gp, cp), 'param').toBeLessThan(1e-6);
      expect(maxError(gm, cm), 'expAvg').toBeLessThan(1e-6);
      expect(maxError(gv, cv), 'expAvgSq').toBeLessThan(1e-6);
    }
  });

  it('leaves no buffer behind', async () => {
    const before = gpu.memory().liveBuffers;
    await runAdamW(gpu, [operand(9, 0, 1), operand(9, 0, 2), operand(9, 0, 3), operand(9, 0, 4, true)], steps[0]);
    expect(gpu.memory().liveBuffers).toBe(before);
  });
});
