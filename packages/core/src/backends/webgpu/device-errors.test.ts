import { describe, expect, it } from 'vitest';
import { DEVICE_ERROR_ADVICE, DeviceError } from '../../errors.js';
import { nodeGPU } from '../../node.js';
import { testWebGPU } from '../../test-support/backends.js';
import { deviceLostError, gpuErrorToDeviceError } from './device-errors.js';
import { createWebGPUBackend } from './webgpu-backend.js';

const gpus = (await testWebGPU()) ? [{ name: 'webgpu' }] : [];

describe('device errors', () => {
  it('say how to fit after an out-of-memory error, once', () => {
    const e = new DeviceError('OUT_OF_MEMORY', 'webgpu upload: allocating a buffer of 4294967296 bytes failed');
    expect(e.message).toBe(`webgpu upload: allocating a buffer of 4294967296 bytes failed\n${DEVICE_ERROR_ADVICE.OUT_OF_MEMORY}`);
    expect(e.message).toMatch(/lower the batch size \(per_device_train_batch_size/);
    expect(new DeviceError('OUT_OF_MEMORY', e.message).message).toBe(e.message);
  });

  it('say how to continue after a device loss', () => {
    const e = deviceLostError('matmul', { reason: 'unknown', message: 'GPU process crashed' });
    expect(e.code).toBe('DEVICE_LOST');
    expect(e.message).toBe(`webgpu matmul: the device was lost (reason: unknown: GPU process crashed)\n${DEVICE_ERROR_ADVICE.DEVICE_LOST}`);
  });

  it('map WebGPU out-of-memory errors to OUT_OF_MEMORY and the rest to BACKEND', () => {
    class GPUOutOfMemoryError extends Error {}
    class GPUValidationError extends Error {}
    expect(gpuErrorToDeviceError(new GPUOutOfMemoryError('no room') as unknown as GPUError, 'webgpu').code).toBe('OUT_OF_MEMORY');
    const other = gpuErrorToDeviceError(new GPUValidationError('bad binding'), 'webgpu');
    expect(other.code).toBe('BACKEND');
    expect(other.message).toBe('webgpu: device error: bad binding');
  });
});

describe.each(gpus)('a real device ($name)', () => {
  it('reports a simulated loss (device.destroy) on the next call with what to do', async () => {
    const gpu = await createWebGPUBackend({ gpu: nodeGPU() });
    const x = gpu.fill(8, 'f32', 1);
    gpu.device.destroy();
    await gpu.device.lost;
    expect(() => gpu.fill(8, 'f32', 0)).toThrow(/fill: the device was lost \(reason: destroyed.*\)\nTo continue: every tensor on this device is gone; create a new backend/);
    gpu.release(x);
    gpu.destroy();
  });

  it('refuses an allocation past the device limit as OUT_OF_MEMORY that says how to fit', async () => {
    const gpu = await createWebGPUBackend({ gpu: nodeGPU() });
    let err: unknown;
    try {
      gpu.fill(2 ** 31, 'f32', 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).message).toMatch(/cannot allocate 8589934592 bytes.*\nTo fit: lower the batch size/s);
    gpu.destroy();
  });
});
