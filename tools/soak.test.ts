import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../packages/core/src/index.js';
import { testWebGPU } from '../packages/core/src/test-support/backends.js';
import { runSoak, soakGrowth } from './soak-run.js';

// GPU buffers are what leak in practice: the soak runs on WebGPU (required in CI), on the CPU backend only without an adapter
const gpu = await testWebGPU();
const backends = [gpu ? { name: 'webgpu', backend: gpu } : { name: 'cpu', backend: createCpuBackend() }];
const MODEL = fileURLToPath(new URL('../packages/models/test/fixtures/gpt2', import.meta.url));

describe.each(backends)('a 150-step LoRA soak on $name (pnpm soak runs 1,000)', ({ backend }) => {
  it('holds the same buffers from step 50 on and a flat heap', async () => {
    const samples = await runSoak(backend, { model: MODEL, steps: 150, every: 25 });
    expect(samples.map((x) => x.step)).toEqual([25, 50, 75, 100, 125, 150]);
    const after = samples.filter((x) => x.step >= 50);
    // every step allocates and frees the same tensors: the counts are exact, not approximate
    expect(new Set(after.map((x) => `${x.liveBuffers}/${x.pooledBuffers}/${x.liveMiB}`)).size).toBe(1);
    const growth = soakGrowth(samples, 50);
    expect(growth.buffers).toBe(0);
    // the heap is sampled after a full collection; 8 MiB over 100 steps would be a leak of 80 KiB a step
    expect(growth.heapMiB).toBeLessThan(8);
    expect(samples.every((x) => Number.isFinite(x.loss))).toBe(true);
  }, 120_000);
});
