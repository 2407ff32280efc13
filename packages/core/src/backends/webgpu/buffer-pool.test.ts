import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.js';

/** Stand-ins for GPU buffers: the pool only looks at `size`. */
function fakePool(maxPooledBytes?: number): { pool: BufferPool; created: number[]; retired: number[] } {
  const created: number[] = [];
  const retired: number[] = [];
  const pool = new BufferPool({
    create: (size) => {
      created.push(size);
      return { size } as GPUBuffer;
    },
    retire: (b) => retired.push(b.size),
    maxPooledBytes,
  });
  return { pool, created, retired };
}

describe('BufferPool', () => {
  it('rounds small sizes up to powers of two (at least 16 bytes) and large ones to eighths of a power of two', () => {
    expect([0, 1, 16, 17, 100, 4096].map(BufferPool.sizeClass)).toEqual([16, 16, 16, 32, 128, 4096]);
    expect(BufferPool.sizeClass(4097)).toBe(4608);
    expect(BufferPool.sizeClass(5000)).toBe(5120);
    expect(BufferPool.sizeClass(1 << 20)).toBe(1 << 20);
    for (const n of [4097, 12345, 999999, 123456789]) {
      const c = BufferPool.sizeClass(n);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c % 4).toBe(0);
      expect(c / n).toBeLessThanOrEqual(1.125);
    }
  });

  it('hands a released buffer out again for any request of its size class, most recent first', () => {
    const { pool, created } = fakePool();
    const a = pool.acquire(1000);
    const b = pool.acquire(1000);
    expect(created).toEqual([1024, 1024]);
    pool.release(a);
    pool.release(b);
    expect(pool.pooledBuffers).toBe(2);
    expect(pool.pooledBytes).toBe(2048);
    expect(pool.acquire(600)).toBe(b);
    expect(pool.acquire(1024)).toBe(a);
    expect(pool.acquire(1000)).not.toBe(a);
    expect(pool.createdBuffers).toBe(3);
    expect(pool.pooledBuffers).toBe(0);
  });

  it('retires buffers beyond its byte limit and on trim', () => {
    const { pool, retired } = fakePool(3000);
    const bufs = [pool.acquire(1024), pool.acquire(1024), pool.acquire(1024)];
    for (const b of bufs) pool.release(b);
    expect(pool.pooledBytes).toBe(2048);
    expect(retired).toEqual([1024]);
    pool.trim();
    expect(retired).toEqual([1024, 1024, 1024]);
    expect(pool.pooledBuffers).toBe(0);
    expect(pool.pooledBytes).toBe(0);
  });
});
