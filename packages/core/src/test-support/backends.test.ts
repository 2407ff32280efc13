import { afterEach, describe, expect, it, vi } from 'vitest';

// No adapter: the WebGPU backend cannot be created. Each test imports a fresh copy of the helper.
vi.mock('../backends/webgpu/webgpu-backend.js', () => ({
  createWebGPUBackend: () => Promise.reject(new Error('no adapter found')),
}));
vi.mock('../node.js', () => ({ nodeGPU: () => ({}) }));

const fresh = async () => {
  vi.resetModules();
  return import('./backends.js');
};

describe('testBackends without a WebGPU adapter', () => {
  const saved = process.env.PEFT_REQUIRE_WEBGPU;
  afterEach(() => {
    if (saved === undefined) delete process.env.PEFT_REQUIRE_WEBGPU;
    else process.env.PEFT_REQUIRE_WEBGPU = saved;
    vi.restoreAllMocks();
  });

  it('fails when PEFT_REQUIRE_WEBGPU=1, naming the cause', async () => {
    process.env.PEFT_REQUIRE_WEBGPU = '1';
    const { testBackends } = await fresh();
    await expect(testBackends()).rejects.toThrow('PEFT_REQUIRE_WEBGPU=1 but no WebGPU backend could be created: no adapter found');
  });

  it('otherwise runs on the CPU only, with a warning', async () => {
    delete process.env.PEFT_REQUIRE_WEBGPU;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { testBackends } = await fresh();
    const list = await testBackends();
    expect(list.map((b) => b.name)).toEqual(['cpu']);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('WebGPU unavailable (no adapter found)'));
  });
});
