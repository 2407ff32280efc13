import type { Backend, BinaryOp, BufferHandle, CompareOp, MemoryInfo, ReduceOp, UnaryOp, View } from '../../backend-interface.js';
import { type DType, type TypedArray, hostArray } from '../../dtype.js';
import { DeviceError, PeftError } from '../../errors.js';
import { type Shape, isContiguous, shapeSize } from '../../shape.js';
import { BufferPool } from './buffer-pool.js';
import { CommandBatch } from './command-batch.js';
import { DeviceState } from './device-state.js';
import { WebGPUBuffer } from './gpu-buffer.js';
import { fromDeviceBytes, toDeviceBytes } from './host-data.js';
import {
  binaryKernel,
  compareKernel,
  copyKernel,
  dropoutKernel,
  fillKernel,
  fillPattern,
  unaryKernel,
  whereKernel,
} from './kernels/elementwise.js';
import { vec4BinaryKernel } from './kernels/elementwise-vec4.js';
import { encodeConcat, encodePad, gatherKernel } from './kernels/indexing.js';
import { encodeScatterAdd } from './kernels/scatter-add.js';
import { encodeMatmul } from './kernels/matmul.js';
import { encodeReduce } from './kernels/reduce.js';
import type { KernelRunner } from './kernels/runner.js';
import type { WebGPUKernelContext } from './kernel-context.js';
import type { Kernel } from './kernels/wgsl.js';
import { type KernelProfile, KernelProfiler, kernelFamily } from './kernel-profiler.js';
import { PipelineCache } from './pipeline-cache.js';
import { describeAdapter, isSoftwareAdapter, openDevice } from './open-device.js';

/**
 * Options for {@link createWebGPUBackend}.
 *
 * @example
 * ```ts
 * const opts: WebGPUBackendOptions = { gpu: navigator.gpu, batchSize: 256 };
 * ```
 */
export interface WebGPUBackendOptions {
  /** The `GPU` entry point: `navigator.gpu` in browsers, `nodeGPU()` from `@peft/core/node` in Node. */
  gpu?: GPU;
  /** Adapter preference. */
  powerPreference?: GPUPowerPreference;
  /** Use f16 when the adapter has `shader-f16` (default true). */
  f16?: boolean;
  /** Dispatches recorded before a batch is submitted on its own (default 256). */
  batchSize?: number;
  /** Most bytes the buffer pool keeps for reuse (default 1 GiB). */
  maxPooledBytes?: number;
  /** Choose kernels as for a CPU adapter (true) or a GPU (false) instead of detecting it (tests, benchmarks). */
  softwareAdapter?: boolean;
}

/**
 * The WebGPU compute backend: every {@link Backend} kernel as generated WGSL, recorded into batched
 * command buffers (submitted on read, `flush()`, or when a batch fills), pipelines compiled once per
 * source, buffers reused through a size-class {@link BufferPool}. Device loss, validation errors and
 * failed allocations surface as {@link DeviceError}s on the next call.
 *
 * @example
 * ```ts
 * const gpu = await createWebGPUBackend({ gpu: nodeGPU() });
 * const a = gpu.upload(new Float32Array([1, 2, 3]), 'f32');
 * const v = { buffer: a, dtype: 'f32', shape: [3], strides: [1], offset: 0 } as const;
 * await gpu.read({ ...v, buffer: gpu.unary('exp', v) });
 * ```
 */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly description: string;
  readonly dtypes: ReadonlySet<DType>;
  /** True on a CPU adapter (lavapipe, SwiftShader, WARP): kernels are chosen for it. */
  readonly softwareAdapter: boolean;
  /** The pipelines compiled so far (one per distinct kernel source). */
  readonly pipelines: PipelineCache;
  /** The pool tensors' buffers come from and return to. */
  readonly pool: BufferPool;
  private readonly readPool: BufferPool;
  private readonly batch: CommandBatch;
  private readonly state: DeviceState;
  /** The largest buffer this device holds and binds: min(maxBufferSize, maxStorageBufferBindingSize). */
  readonly maxBufferBytes: number;
  private live = 0;
  private liveBytes = 0;
  private peakBytes = 0;
  /** Bytes of kernels' scratch buffers currently held (counted in the peak, not in liveBytes). */
  private scratchBytes = 0;
  private destroyed = false;
  private readonly runner: KernelRunner;
  private readonly batchSize: number;
  /** For kernel authors: what a registered WebGPU kernel implementation needs from this backend. */
  readonly kernelContext: WebGPUKernelContext;

  constructor(
    /** The device every kernel runs on. */
    readonly device: GPUDevice,
    adapterInfo: GPUAdapterInfo | undefined,
    opts: WebGPUBackendOptions = {},
  ) {
    this.description = describeAdapter(adapterInfo);
    const f16 = device.features.has('shader-f16');
    this.dtypes = new Set<DType>(f16 ? ['f32', 'f16', 'i32', 'u32', 'bool'] : ['f32', 'i32', 'u32', 'bool']);
    this.state = new DeviceState(device);
    this.pipelines = new PipelineCache(device, (e) => this.state.record(e, true));
    this.batchSize = opts.batchSize ?? 256;
    this.batch = new CommandBatch(device, { uniformAlign: device.limits.minUniformBufferOffsetAlignment, maxDispatches: this.batchSize });
    this.maxBufferBytes = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize);
    const retire = (b: GPUBuffer): void => {
      this.batch.groups.forget(b);
      this.batch.whenSubmitted(() => b.destroy());
    };
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    this.pool = new BufferPool({ create: (size) => this.createBuffer(size, storage), retire, maxPooledBytes: opts.maxPooledBytes });
    this.readPool = new BufferPool({
      create: (size) => this.createBuffer(size, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST),
      retire: (b) => b.destroy(),
      maxPooledBytes: 64 << 20,
    });
    this.softwareAdapter = opts.softwareAdapter ?? isSoftwareAdapter(adapterInfo);
    this.runner = {
      softwareAdapter: this.softwareAdapter,
      run: (k, bufs) => this.run(k, bufs),
      scratch: (bytes) => this.acquireScratch(bytes),
      recycle: (b) => this.recycleScratch(b),
      device,
      encode: (fn, family) => this.batch.encode(fn, family),
    };
    this.kernelContext = {
      device,
      softwareAdapter: this.softwareAdapter,
      runner: this.runner,
      input: (view, op) => this.input(view, op),
      output: (op, n, dtype) => this.alloc(op, n, dtype),
      run: (kernel, buffers) => this.run(kernel, buffers),
      map: (op, dtype, inputs, n, kernel) => this.map(op, dtype, inputs, n, kernel),
    };
  }

  // ---- profiling ----

  /**
   * Starts timing every dispatch by kernel family until {@link stopProfile}: with GPU timestamps
   * when the device has `timestamp-query`, else on the CPU with one submit and queue wait per
   * dispatch (slower, coarser; the profile says which). Submits what is pending first.
   *
   * @example
   * ```ts
   * gpu.startProfile(); step(); const p = await gpu.stopProfile();
   * ```
   */
  startProfile(): void {
    this.check('startProfile');
    this.batch.submit();
    this.batch.profiler = new KernelProfiler(this.device, Math.max(512, this.batchSize));
  }

  /**
   * Stops profiling and returns the time per kernel family since {@link startProfile} (null when
   * none was started). Submits what is pending and waits for it.
   *
   * @example
   * ```ts
   * for (const e of (await gpu.stopProfile())!.entries) console.log(e.family, e.ms);
   * ```
   */
  async stopProfile(): Promise<KernelProfile | null> {
    const profiler = this.batch.profiler;
    if (!profiler) return null;
    this.batch.submit();
    this.batch.profiler = null;
    const report = await profiler.report();
    this.check('stopProfile');
    return report;
  }

  // ---- memory ----

  upload(data: TypedArray, dtype: DType): BufferHandle {
    this.check('upload', dtype);
    const out = this.alloc('upload', data.length, dtype);
    this.batch.upload(out.buffer, toDeviceBytes(data, dtype));
    return out;
  }

  async read(view: View): Promise<TypedArray> {
    this.check('read', view.dtype);
    const n = shapeSize(view.shape);
    const src = this.bufferOf(view, 'read');
    if (n === 0) return hostArray(view.dtype, 0);
    let from = src;
    let fromOffset = view.offset * 4;
    let temp: GPUBuffer | null = null;
    if (view.dtype === 'f16' || !isContiguous(view.shape, view.strides)) {
      // strided views and f16 are compacted (f16 widened to f32) on the device first
      temp = this.acquireScratch(n * 4);
      this.run(copyKernel(view, view.dtype === 'f16' ? 'f32' : view.dtype), [src, temp]);
      from = temp;
      fromOffset = 0;
    }
    const staging = this.readPool.acquire(n * 4);
    this.batch.copy(from, fromOffset, staging, 0, n * 4);
    if (temp) this.recycleScratch(temp);
    this.batch.submit();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, n * 4);
    } catch (e) {
      this.check('read');
      throw new DeviceError('BACKEND', `webgpu read: mapping the result failed: ${(e as Error).message}`, { cause: e });
    }
    const out = fromDeviceBytes(staging.getMappedRange(0, n * 4), view.dtype, n);
    staging.unmap();
    this.readPool.release(staging);
    this.check('read');
    return out;
  }

  release(buffer: BufferHandle): void {
    const b = buffer as WebGPUBuffer;
    if (!(b instanceof WebGPUBuffer) || b.owner !== this || b.released) return;
    this.untrack(b);
    if (!this.destroyed) this.pool.release(b.buffer);
  }

  memory(): MemoryInfo {
    return {
      liveBuffers: this.live,
      liveBytes: this.liveBytes,
      pooledBuffers: this.pool.pooledBuffers + this.readPool.pooledBuffers,
      pooledBytes: this.pool.pooledBytes + this.readPool.pooledBytes,
      peakBytes: this.peakBytes,
    };
  }

  resetPeak(): void {
    this.peakBytes = this.liveBytes + this.scratchBytes;
  }

  flush(): void {
    this.check('flush');
    this.batch.submit();
  }

  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.check('sync');
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.state.markDestroyed();
    this.pool.trim();
    this.readPool.trim();
    this.batch.destroy();
    this.device.destroy();
  }

  // ---- kernels ----

  fill(size: number, dtype: DType, value: number): BufferHandle {
    this.check('fill', dtype);
    const out = this.alloc('fill', size, dtype);
    const words = Math.ceil((size * (dtype === 'f16' ? 2 : 4)) / 4);
    if (words > 0) this.run(fillKernel(words, fillPattern(dtype, value)), [out.buffer]);
    return out;
  }

  copy(x: View, dtype: DType): BufferHandle {
    return this.map('copy', dtype, [x], shapeSize(x.shape), () => copyKernel(x, dtype));
  }

  unary(op: UnaryOp, x: View): BufferHandle {
    return this.map(op, x.dtype, [x], shapeSize(x.shape), () => unaryKernel(op, x));
  }

  binary(op: BinaryOp, a: View, b: View, outShape: Shape): BufferHandle {
    const wide = vec4BinaryKernel(op, a, b, outShape);
    return this.map(op, a.dtype, [a, b], shapeSize(outShape), () => wide ?? binaryKernel(op, a, b, outShape));
  }

  compare(op: CompareOp, a: View, b: View, outShape: Shape): BufferHandle {
    return this.map(op, 'bool', [a, b], shapeSize(outShape), () => compareKernel(op, a, b, outShape));
  }

  where(cond: View, a: View, b: View, outShape: Shape): BufferHandle {
    return this.map('where', a.dtype, [cond, a, b], shapeSize(outShape), () => whereKernel(cond, a, b, outShape));
  }

  dropout(x: View, p: number, seed: number): BufferHandle {
    return this.map('dropout', x.dtype, [x], shapeSize(x.shape), () => dropoutKernel(x, p, seed));
  }

  reduce(op: ReduceOp, x: View, axes: readonly number[]): BufferHandle {
    const xb = this.input(x, op);
    const outDtype = op === 'argmax' || op === 'argmin' ? 'i32' : x.dtype;
    const out = this.alloc(op, shapeSize(x.shape.filter((_, d) => !axes.includes(d))), outDtype);
    encodeReduce(this.runner, op, x, xb, axes, out.buffer);
    return out;
  }

  matmul(a: View, b: View): BufferHandle {
    const [ab, bb] = [this.input(a, 'matmul'), this.input(b, 'matmul')];
    const r = a.shape.length;
    const out = this.alloc('matmul', shapeSize(a.shape.slice(0, -1)) * b.shape[r - 1], a.dtype);
    encodeMatmul(this.runner, a, ab, b, bb, out.buffer);
    return out;
  }

  gather(x: View, index: View, axis: number): BufferHandle {
    const n = shapeSize(x.shape.slice(0, axis)) * shapeSize(index.shape) * shapeSize(x.shape.slice(axis + 1));
    return this.map('gather', x.dtype, [x, index], n, () => gatherKernel(x, index, axis));
  }

  scatterAdd(src: View, index: View, axis: number, axisSize: number): BufferHandle {
    const [sb, ib] = [this.input(src, 'scatterAdd'), this.input(index, 'scatterAdd')];
    const n = shapeSize(src.shape.slice(0, axis)) * axisSize * shapeSize(src.shape.slice(axis + index.shape.length));
    const out = this.alloc('scatterAdd', n, src.dtype);
    encodeScatterAdd(this.runner, src, sb, index, ib, axis, axisSize, out.buffer);
    return out;
  }

  concat(xs: readonly View[], axis: number): BufferHandle {
    const bufs = xs.map((x) => this.input(x, 'concat'));
    const n = xs.reduce((p, x) => p + shapeSize(x.shape), 0);
    const out = this.alloc('concat', n, xs[0].dtype);
    encodeConcat(this.runner, xs, bufs, axis, out.buffer);
    return out;
  }

  pad(x: View, outShape: Shape, starts: readonly number[], steps: readonly number[]): BufferHandle {
    const xb = this.input(x, 'pad');
    const out = this.alloc('pad', shapeSize(outShape), x.dtype);
    encodePad(this.runner, x, xb, outShape, starts, steps, out.buffer);
    return out;
  }

  /**
   * Records a generated kernel on buffers of this backend (bindings 1..n in order), for custom or
   * fused kernels built with the helpers in `kernels/`. The caller owns the buffers.
   *
   * @example
   * ```ts
   * const out = gpu.fill(n, 'f32', 0);
   * gpu.runKernel(myKernel, [x, out]);
   * ```
   */
  runKernel(kernel: Kernel, buffers: readonly BufferHandle[]): void {
    this.check('runKernel');
    this.run(
      kernel,
      buffers.map((b) => this.bufferOf({ buffer: b } as View, 'runKernel')),
    );
  }

  // ---- internals ----

  private map(op: string, dtype: DType, inputs: readonly View[], n: number, kernel: () => Kernel): BufferHandle {
    const bufs = inputs.map((v) => this.input(v, op));
    this.check(op, dtype);
    const out = this.alloc(op, n, dtype);
    if (n > 0) this.run(kernel(), [...bufs, out.buffer]);
    return out;
  }

  private run(kernel: Kernel, buffers: readonly GPUBuffer[]): void {
    this.batch.dispatch(this.pipelines.get(kernel), buffers, kernel.words, kernel.grid, this.batch.profiler ? kernelFamily(kernel.key) : undefined);
  }

  private input(view: View, op: string): GPUBuffer {
    this.check(op, view.dtype);
    return this.bufferOf(view, op);
  }

  private bufferOf(view: View, op: string): GPUBuffer {
    const b = view.buffer as WebGPUBuffer;
    if (!(b instanceof WebGPUBuffer) || b.owner !== this) throw new PeftError('BACKEND', `webgpu ${op}: got a buffer from another backend`);
    if (b.released) throw new PeftError('BACKEND', `webgpu ${op}: got a buffer that was already released`);
    return b.buffer;
  }

  private check(op: string, dtype?: DType): void {
    this.state.check(op);
    if (dtype && !this.dtypes.has(dtype)) {
      throw new DeviceError('BACKEND', `webgpu ${op}: this device (${this.description}) cannot hold ${dtype}; it supports ${[...this.dtypes].join(', ')}`);
    }
  }

  private alloc(op: string, n: number, dtype: DType): WebGPUBuffer {
    const bytes = n * (dtype === 'f16' ? 2 : 4);
    if (bytes > this.maxBufferBytes) {
      throw new DeviceError(
        'OUT_OF_MEMORY',
        `webgpu ${op}: cannot allocate ${bytes} bytes (${n} × ${dtype}); the largest buffer this device binds is ${this.maxBufferBytes} bytes`,
      );
    }
    const buffer = this.pool.acquire(bytes);
    const handle = new WebGPUBuffer(buffer, buffer.size, this);
    this.live++;
    this.liveBytes += handle.byteLength;
    this.notePeak();
    return handle;
  }

  private notePeak(): void {
    if (this.liveBytes + this.scratchBytes > this.peakBytes) this.peakBytes = this.liveBytes + this.scratchBytes;
  }

  private acquireScratch(bytes: number): GPUBuffer {
    const buffer = this.pool.acquire(bytes);
    this.scratchBytes += buffer.size;
    this.notePeak();
    return buffer;
  }

  private recycleScratch(buffer: GPUBuffer): void {
    this.scratchBytes -= buffer.size;
    this.pool.release(buffer);
  }

  private untrack(b: WebGPUBuffer): void {
    b.released = true;
    this.live--;
    this.liveBytes -= b.byteLength;
  }

  private createBuffer(size: number, usage: number): GPUBuffer {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    const buffer = this.device.createBuffer({ size, usage });
    const report = (err: GPUError | null): void => {
      if (err) this.state.record(new DeviceError('OUT_OF_MEMORY', `webgpu: allocating a buffer of ${size} bytes failed: ${err.message}`));
    };
    void this.device.popErrorScope().then(report, () => undefined);
    void this.device.popErrorScope().then(report, () => undefined);
    return buffer;
  }
}

/**
 * Creates the WebGPU backend: requests an adapter and a device (with `shader-f16` when offered and
 * the adapter's largest buffer limits), and wraps it in a {@link WebGPUBackend}.
 *
 * @example
 * ```ts
 * import { nodeGPU } from '@peft/core/node';
 * const gpu = await createWebGPUBackend({ gpu: nodeGPU() });
 * console.log(gpu.description); // "llvmpipe: Mesa … (LLVM …)"
 * ```
 */
export async function createWebGPUBackend(opts: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const { device, info } = await openDevice(opts);
  return new WebGPUBackend(device, info, opts);
}
