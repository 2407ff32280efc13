import type { Bindable } from './buffer-window.js';
import { BindGroupCache } from './bind-group-cache.js';
import type { KernelProfiler } from './kernel-profiler.js';
import type { CompiledKernel } from './pipeline-cache.js';

/**
 * Options of a {@link CommandBatch}.
 *
 * @example
 * ```ts
 * const opts: CommandBatchOptions = { maxDispatches: 256, arenaBytes: 1 << 18, uniformAlign: 256 };
 * ```
 */
export interface CommandBatchOptions {
  /** Dispatches after which the batch is submitted (default 256). */
  maxDispatches?: number;
  /** Bytes of the uniform arena shared by a batch's dispatches (default 256 KiB). */
  arenaBytes?: number;
  /** The device's `minUniformBufferOffsetAlignment`. */
  uniformAlign: number;
  /** Bytes staged for uploads after which the batch is submitted (default 64 MiB). */
  maxStagedBytes?: number;
}

/**
 * Records many dispatches into one command encoder and submits them together: on a read, on
 * `flush()`, or when the batch is full. Per-dispatch parameters live in one uniform arena per batch:
 * a host-side copy is filled as dispatches are encoded, written to the GPU once just before submit,
 * and each dispatch binds its own slot through a dynamic offset, so bind groups do not depend on
 * the slot and are reused ({@link BindGroupCache}). (A `queue.writeBuffer` runs before the commands
 * it follows in the queue, which is right here: the arena write belongs to the batch it precedes.)
 *
 * Uploads follow the same rule: with no command pending, `queue.writeBuffer` is used directly;
 * with commands pending (which may still read the pooled buffer being overwritten), the data goes
 * through a mapped staging buffer and a copy recorded in order with the dispatches.
 *
 * @example
 * ```ts
 * const batch = new CommandBatch(device, { uniformAlign: device.limits.minUniformBufferOffsetAlignment });
 * batch.dispatch(compiled, [x, out], [n], [4, 1, 1]);
 * batch.submit();
 * ```
 */
export class CommandBatch {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly arena: GPUBuffer;
  private readonly arenaHost: Uint32Array<ArrayBuffer>;
  private arenaUsed = 0;
  private count = 0;
  private staged = 0;
  private afterSubmit: (() => void)[] = [];
  private readonly maxDispatches: number;
  private readonly maxStaged: number;
  private readonly align: number;
  /** Batches submitted so far. */
  submits = 0;
  /** The bind groups of this batch's dispatches, reused across batches. */
  readonly groups: BindGroupCache;
  /** When set, every dispatch is timed by kernel family (see {@link KernelProfiler}). */
  profiler: KernelProfiler | null = null;

  constructor(
    private readonly device: GPUDevice,
    opts: CommandBatchOptions,
  ) {
    const bytes = opts.arenaBytes ?? 1 << 18;
    this.arena = device.createBuffer({ size: bytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.arenaHost = new Uint32Array(bytes / 4);
    this.maxDispatches = opts.maxDispatches ?? 256;
    this.maxStaged = opts.maxStagedBytes ?? 64 << 20;
    this.align = Math.max(16, opts.uniformAlign);
    this.groups = new BindGroupCache(device, this.arena);
  }

  /** True when nothing is recorded since the last submit. @example `if (batch.empty) ...` */
  get empty(): boolean {
    return this.encoder === null;
  }

  /** Dispatches recorded in the current batch. @example `batch.pending` */
  get pending(): number {
    return this.count;
  }

  /**
   * Records one dispatch: binds `words` as the uniform block (binding 0) and `buffers` as bindings
   * 1..n. Submits first when the batch is full.
   *
   * @example
   * ```ts
   * batch.dispatch(compiled, [a, b, out], words, [16, 1, 1]);
   * ```
   */
  dispatch(kernel: CompiledKernel, buffers: readonly Bindable[], words: readonly number[], grid: readonly [number, number, number], family = 'kernel'): void {
    const bindBytes = Math.max(1, Math.ceil(words.length / 4)) * 16;
    const slot = Math.ceil(bindBytes / this.align) * this.align;
    if (this.count >= this.maxDispatches || this.arenaUsed + slot > this.arenaHost.byteLength) this.submit();
    const offset = this.arenaUsed;
    const base = offset / 4;
    for (let k = 0; k < words.length; k++) this.arenaHost[base + k] = words[k];
    this.arenaUsed += slot;
    this.count++;
    const group = this.groups.get(kernel.layout, bindBytes, buffers);
    const profiler = this.profiler;
    if (profiler) this.endPass();
    const pass = this.computePass(profiler?.timestamps(family));
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, group, [offset]);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    if (profiler) this.profiled(profiler, family);
  }

  /**
   * Records arbitrary commands in order with the dispatches (texture copies, passes with other bind
   * group layouts): `fn` gets the command encoder with no compute pass open. Counts as one dispatch.
   *
   * @example
   * ```ts
   * batch.encode((enc) => enc.copyBufferToTexture(src, dst, size));
   * ```
   */
  encode(fn: (encoder: GPUCommandEncoder) => void, family = 'encoded'): void {
    if (this.count >= this.maxDispatches) this.submit();
    this.endPass();
    this.count++;
    const profiler = this.profiler;
    const begin = profiler?.timestamps(family, 'begin');
    if (begin) this.commandEncoder().beginComputePass({ timestampWrites: begin }).end();
    fn(this.commandEncoder());
    const end = begin && profiler?.timestamps(family, 'end');
    if (end) this.commandEncoder().beginComputePass({ timestampWrites: end }).end();
    if (profiler) this.profiled(profiler, family);
  }

  /** Records a buffer-to-buffer copy in order with the dispatches. @example `batch.copy(src, 0, dst, 0, 64)` */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /**
   * Writes `bytes` (a multiple of 4 long) to the start of `dst`, ordered after every recorded command.
   *
   * @example
   * ```ts
   * batch.upload(buffer, new Uint8Array(new Float32Array([1, 2]).buffer));
   * ```
   */
  upload(dst: GPUBuffer, bytes: Uint8Array<ArrayBuffer>): void {
    if (bytes.byteLength === 0) return;
    if (this.empty) {
      this.device.queue.writeBuffer(dst, 0, bytes, 0, bytes.byteLength);
      return;
    }
    if (this.staged + bytes.byteLength > this.maxStaged) {
      this.submit();
      this.device.queue.writeBuffer(dst, 0, bytes, 0, bytes.byteLength);
      return;
    }
    const staging = this.device.createBuffer({ size: bytes.byteLength, usage: GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
    new Uint8Array(staging.getMappedRange()).set(bytes);
    staging.unmap();
    this.copy(staging, 0, dst, 0, bytes.byteLength);
    this.staged += bytes.byteLength;
    this.afterSubmit.push(() => staging.destroy());
  }

  /** Runs `fn` right after the current batch is submitted (at once when nothing is pending). @example `batch.whenSubmitted(() => b.destroy())` */
  whenSubmitted(fn: () => void): void {
    if (this.empty) fn();
    else this.afterSubmit.push(fn);
  }

  /** Submits everything recorded (a no-op when nothing is). @example `batch.submit()` */
  submit(): void {
    const encoder = this.encoder;
    if (encoder) {
      this.endPass();
      if (this.arenaUsed > 0) this.device.queue.writeBuffer(this.arena, 0, this.arenaHost, 0, this.arenaUsed / 4);
      this.profiler?.resolve(encoder);
      this.encoder = null;
      this.arenaUsed = 0;
      this.count = 0;
      this.staged = 0;
      this.device.queue.submit([encoder.finish()]);
      this.submits++;
    }
    const after = this.afterSubmit;
    this.afterSubmit = [];
    for (const fn of after) fn();
  }

  /** Frees the arena (the device is about to go). @example `batch.destroy()` */
  destroy(): void {
    this.groups.clear();
    this.encoder = null;
    this.pass = null;
    this.afterSubmit = [];
    this.arena.destroy();
  }

  private commandEncoder(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private computePass(timestampWrites?: GPUComputePassTimestampWrites): GPUComputePassEncoder {
    return (this.pass ??= this.commandEncoder().beginComputePass(timestampWrites ? { timestampWrites } : undefined));
  }

  /** After a profiled dispatch: each gets its own pass (timestamps), or its own submit (CPU timing). */
  private profiled(profiler: KernelProfiler, family: string): void {
    if (profiler.submitEach) {
      this.submit();
      profiler.submitted(family);
    } else {
      this.endPass();
    }
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }
}
