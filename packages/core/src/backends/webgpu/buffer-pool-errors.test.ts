import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../errors.js';
import { BufferPool } from './buffer-pool.js';

describe('BufferPool allocation failures', () => {
  it('turn an exception from create into OUT_OF_MEMORY naming the size, and count nothing', () => {
    const pool = new BufferPool({
      create: () => {
        throw new RangeError('Failed to allocate');
      },
      retire: () => undefined,
    });
    let err: unknown;
    try {
      pool.acquire(5000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).code).toBe('OUT_OF_MEMORY');
    expect((err as DeviceError).message).toMatch(/^webgpu: allocating a buffer of 5120 bytes failed: Failed to allocate\nTo fit: lower the batch size/);
    expect(pool.createdBuffers).toBe(0);
  });
});
