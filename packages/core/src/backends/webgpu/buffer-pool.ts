import { DeviceError, PeftError } from '../../errors.js';

/**
 * Options of a {@link BufferPool}.
 *
 * @example
 * ```ts
 * const opts: BufferPoolOptions = { create: (size) => device.createBuffer({ size, usage }), retire: (b) => b.destroy() };
 * ```
 */
export interface BufferPoolOptions {
  /** Makes a new buffer of exactly `size` bytes (a size class) when none is free. */
  create(size: number): GPUBuffer;
  /** Disposes of a buffer the pool will not keep (the caller may defer the destroy past pending work). */
  retire(buffer: GPUBuffer): void;
  /** Most bytes kept for reuse; a buffer released beyond this is retired (default 1 GiB). */
  maxPooledBytes?: number;
}

/**
 * Reuses GPU buffers by size class, so a training step that allocates the same shapes every time
 * creates buffers only on its first run. Classes are powers of two up to 4 KiB and eight steps per
 * power of two above (at most 12.5% slack); the smallest is 16 bytes.
 *
 * Released buffers are handed out again in last-in-first-out order. Reuse inside one command batch
 * is safe because GPU commands run in the order they were encoded; the owner of the pool must not
 * write a reused buffer through `queue.writeBuffer` while encoded commands are pending (see the
 * command batch's upload).
 *
 * @example
 * ```ts
 * const pool = new BufferPool({ create: (size) => device.createBuffer({ size, usage }), retire: (b) => b.destroy() });
 * const b = pool.acquire(1000); // a 1024-byte buffer
 * pool.release(b);
 * pool.acquire(900) === b; // true
 * ```
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly maxPooled: number;
  private pooledCount = 0;
  private pooledSize = 0;
  private created = 0;

  constructor(private readonly opts: BufferPoolOptions) {
    this.maxPooled = opts.maxPooledBytes ?? 2 ** 30;
  }

  /**
   * The size class a request of `bytes` is rounded up to.
   *
   * @example
   * ```ts
   * BufferPool.sizeClass(5000); // 5120
   * ```
   */
  static sizeClass(bytes: number): number {
    if (bytes <= 16) return 16;
    if (bytes <= 4096) return 2 ** Math.ceil(Math.log2(bytes));
    const step = 2 ** Math.floor(Math.log2(bytes)) / 8;
    return Math.ceil(bytes / step) * step;
  }

  /**
   * A buffer of at least `bytes` bytes (exactly its size class), reused when one is free. A `create`
   * that throws becomes a {@link DeviceError} `OUT_OF_MEMORY` naming the size.
   *
   * @example
   * ```ts
   * pool.acquire(64);
   * ```
   */
  acquire(bytes: number): GPUBuffer {
    const size = BufferPool.sizeClass(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.pooledCount--;
      this.pooledSize -= size;
      return reused;
    }
    let buffer: GPUBuffer;
    try {
      buffer = this.opts.create(size);
    } catch (e) {
      // a driver that refuses at once (instead of through an error scope) is out of memory too
      if (e instanceof PeftError) throw e;
      throw new DeviceError('OUT_OF_MEMORY', `webgpu: allocating a buffer of ${size} bytes failed: ${(e as Error).message}`, { cause: e });
    }
    this.created++;
    return buffer;
  }

  /** Returns a buffer for reuse (or retires it when the pool is full). @example `pool.release(b)` */
  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    if (this.pooledSize + size > this.maxPooled) {
      this.opts.retire(buffer);
      return;
    }
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.pooledCount++;
    this.pooledSize += size;
  }

  /** Retires every pooled buffer. @example `pool.trim()` */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) this.opts.retire(b);
    this.free.clear();
    this.pooledCount = 0;
    this.pooledSize = 0;
  }

  /** Buffers waiting for reuse. @example `pool.pooledBuffers` */
  get pooledBuffers(): number {
    return this.pooledCount;
  }

  /** Bytes waiting for reuse. @example `pool.pooledBytes` */
  get pooledBytes(): number {
    return this.pooledSize;
  }

  /** Buffers this pool has created so far (misses). @example `pool.createdBuffers` */
  get createdBuffers(): number {
    return this.created;
  }
}
