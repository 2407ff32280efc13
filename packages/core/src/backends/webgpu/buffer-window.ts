/**
 * A byte range of a device buffer bound to one kernel operand. Tensors larger than the device binds
 * live in one buffer (up to `maxBufferSize`) and reach kernels through windows of at most
 * `maxStorageBufferBindingSize` bytes, whose offsets keep the device's storage-offset alignment.
 *
 * @example
 * ```ts
 * const w = new BufferWindow(big, 256 * 1024, 4096);
 * bindingResource(w); // { buffer: big, offset: 262144, size: 4096 }
 * ```
 */
export class BufferWindow {
  constructor(
    /** The whole device buffer. */
    readonly buffer: GPUBuffer,
    /** Start, in bytes (a multiple of the storage-offset alignment). */
    readonly offset: number,
    /** Length, in bytes. */
    readonly size: number,
  ) {}
}

/** What a kernel binds as one storage operand: a whole buffer, or a window of one. @example `const b: Bindable = scratch;` */
export type Bindable = GPUBuffer | BufferWindow;

/**
 * The buffer, byte offset and size of an operand.
 *
 * @example
 * ```ts
 * const { buffer, offset, size } = bindingResource(operand);
 * ```
 */
export function bindingResource(b: Bindable): { buffer: GPUBuffer; offset: number; size: number } {
  return b instanceof BufferWindow ? { buffer: b.buffer, offset: b.offset, size: b.size } : { buffer: b, offset: 0, size: b.size };
}
