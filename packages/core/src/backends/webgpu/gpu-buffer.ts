import type { BufferHandle } from '../../backend-interface.js';

/**
 * The WebGPU backend's buffer handle: a pooled `GPUBuffer` (storage, copy source and destination)
 * owned by one tensor storage until released.
 *
 * @example
 * ```ts
 * const h = backend.upload(new Float32Array([1, 2]), 'f32') as WebGPUBuffer;
 * h.buffer.size; // 16: the pool's size class
 * ```
 */
export class WebGPUBuffer implements BufferHandle {
  /** Set once the handle went back to the pool. */
  released = false;
  constructor(
    /** The device buffer (its size is the pool's size class). */
    readonly buffer: GPUBuffer,
    /** Bytes as allocated (the size class). */
    readonly byteLength: number,
    /** Identifies the backend that made it. */
    readonly owner: object,
  ) {}
}
