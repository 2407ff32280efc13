import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Backend, DEVICE_ERROR_ADVICE, DeviceError, createCpuBackend, memorySource, parseSafetensors } from '@peft/core';
import type { BufferHandle } from '@peft/core/backend';
import { testWebGPU } from '@peft/core/testing';
import { loadPretrained } from './auto-model.js';
import { modelDir } from './test-support/fixtures.js';

const files = {
  'config.json': readFileSync(join(modelDir('gpt2'), 'config.json'), 'utf8'),
  'model.safetensors': readFileSync(join(modelDir('gpt2'), 'model.safetensors')),
};
/** The fixture's largest tensors: the two MLP matrices of each layer, [32, 128] and [128, 32]. */
const tensors = [...parseSafetensors(files['model.safetensors']).tensors].map(([name, t]) => ({ name, shape: t.shape, bytes: t.shape.reduce((a, b) => a * b, 1) * 4 }));
const largest = Math.max(...tensors.map((t) => t.bytes));
const largestNames = tensors.filter((t) => t.bytes === largest).map((t) => t.name);

/** A CPU backend that claims the buffer limit of a small device. */
function smallDevice(maxBufferBytes: number): Backend {
  return Object.defineProperty(createCpuBackend(), 'maxBufferBytes', { value: maxBufferBytes });
}

describe('loading a model whose weight does not fit one device buffer', () => {
  it('is refused before anything is allocated, naming the weight, without batch-size advice', async () => {
    const backend = smallDevice(largest - 1);
    const err = await loadPretrained(memorySource(files), { backend, onWarning: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    const message = (err as DeviceError).message;
    expect(largestNames).toHaveLength(4);
    expect(message).toContain(`4 weights, such as "${largestNames[0]}" [32, 128] f32 (${largest} bytes)`);
    expect(message).toContain(DEVICE_ERROR_ADVICE.WEIGHT_OUT_OF_MEMORY);
    expect(message).not.toContain(DEVICE_ERROR_ADVICE.OUT_OF_MEMORY);
    expect(backend.memory().peakBytes).toBe(0);
  });

  it('loads when every weight fits', async () => {
    const model = await loadPretrained(memorySource(files), { backend: smallDevice(largest), onWarning: () => {} });
    expect(model.info.vocabSize).toBe(100);
  });

  it('turns an allocation failure during loading into the weight advice', async () => {
    const backend = createCpuBackend();
    let left = 3;
    const fill = backend.fill.bind(backend);
    backend.fill = (size, dtype, value): BufferHandle => {
      if (left-- === 0) throw new DeviceError('OUT_OF_MEMORY', `cpu fill: cannot allocate ${size * 4} bytes`);
      return fill(size, dtype, value);
    };
    const err = await loadPretrained(memorySource(files), { backend, onWarning: () => {} }).catch((e: unknown) => e);
    expect((err as DeviceError).message).toMatch(/loading the weights failed: cpu fill: cannot allocate \d+ bytes\n/);
    expect((err as DeviceError).message).toContain(DEVICE_ERROR_ADVICE.WEIGHT_OUT_OF_MEMORY);
    expect((err as DeviceError).message).not.toContain('lower the batch size');
  });

});

const webgpu = await testWebGPU();

describe.each(webgpu ? [{ gpu: webgpu }] : [])('loading on WebGPU', ({ gpu }) => {
  it('on WebGPU, refuses a model whose embedding passes the device buffer limit at load, before any allocation', async () => {
    const wte = 50257 * 768 * 4; // 154389504 bytes: GPT-2 small's embedding
    // the same device, claiming a buffer limit just under that embedding (lavapipe allocates 4 GiB)
    const small = Object.defineProperty(Object.create(gpu) as Backend, 'maxBufferBytes', { value: wte - 1 });
    // GPT-2 small's widths with one layer, beside a weight file big enough to pass the config-size check;
    // its bytes are never read: the refusal comes first
    const config = JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: 50257, n_embd: 768, n_layer: 1, n_head: 12, n_positions: 1024 });
    await gpu.sync();
    const before = gpu.memory().liveBytes;
    const err = await loadPretrained(memorySource({ 'config.json': config, 'model.safetensors': new Uint8Array(12 * 2 ** 20) }), { backend: small, onWarning: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).message).toContain(`the weight "transformer.wte.weight" [50257, 768] f32 (${wte} bytes) is larger than the largest buffer this device allocates (${wte - 1} bytes)`);
    expect((err as DeviceError).message).toContain('a smaller batch or max_length will not help');
    expect(gpu.memory().liveBytes).toBe(before);
  });
});
