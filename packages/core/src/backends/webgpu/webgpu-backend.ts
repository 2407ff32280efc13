import type { Backend, BinaryOp, BufferHandle, CompareOp, MemoryInfo, ReduceOp, UnaryOp, View } from '../../backend-interface.js';
import { type DType, type TypedArray, computeDType, gpuBytesPerElement, hostArray, resultDType } from '../../dtype.js';
import { DeviceError, PeftError } from '../../errors.js';
import { type Shape, contiguousStrides, isContiguous, shapeSize } from '../../shape.js';
import { BufferPool } from './buffer-pool.js';
import { type Bindable, BufferWindow } from './buffer-window.js';
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
import { encodeMatmul } from './kernels/matmul.js';
import { pack16Kernel } from './kernels/pack16.js';
import { encodeReduce } from './kernels/reduce.js';
import type { KernelRunner } from './kernels/runner.js';
import type { WebGPUKernelContext } from './kernel-context.js';
import type { Kernel } from './kernels/wgsl.js';
import { type TextureResources, textureResourcesOf } from './kernels/texture-resources.js';
import { type KernelProfile, KernelProfiler, kernelFamily } from './kernel-profiler.js';
import { PipelineCache } from './pipeline-cache.js';
import { type PieceHost, type PieceSpec, recordInPieces, sameAxes, sliceAxis, windowOf } from './large-operands.js';
import { gatherInPieces, matmulInPieces, padInPieces, reduceInPieces, scatterAddInPieces, scatterAddPiece } from './large-op-splits.js';
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
  /**
   * Most bytes one kernel operand may span, below the device's `maxStorageBufferBindingSize` (tests
   * use a few KiB to run every op on tensors cut into pieces). Default: the device's limit.
   */
  maxBindingBytes?: number;
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
  /** Most bytes one kernel binding spans (the device's limit, or the option); larger tensors are cut into pieces. */
  readonly maxBindingBytes: number;
  /** The largest buffer, hence the largest tensor, this device allocates (`maxBufferSize`). */
  readonly maxBufferBytes: number;
  private readonly pieceHost: PieceHost;
  private readonly textures: TextureResources;
  /** What this backend's buffers name as their owner (the same through a proxy of the backend). */
  private readonly identity = {};
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
    this.dtypes = new Set<DType>(f16 ? ['f32', 'f16', 'bf16', 'i32', 'u32', 'bool'] : ['f32', 'bf16', 'i32', 'u32', 'bool']);
    this.state = new DeviceState(device);
    this.pipelines = new PipelineCache(device, (e) => this.state.record(e, true));
    this.batchSize = opts.batchSize ?? 256;
    this.batch = new CommandBatch(device, { uniformAlign: device.limits.minUniformBufferOffsetAlignment, maxDispatches: this.batchSize });
    const align = device.limits.minStorageBufferOffsetAlignment;
    const bindLimit = Math.min(device.limits.maxStorageBufferBindingSize, opts.maxBindingBytes ?? Infinity);
    this.maxBindingBytes = Math.max(align, Math.floor(bindLimit / align) * align);
    this.maxBufferBytes = device.limits.maxBufferSize;
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
    // the texture matmul's operand textures count as scratch while a product holds them
    this.textures = textureResourcesOf(device);
    this.textures.onUse = (bytes) => {
      this.scratchBytes += bytes;
      this.notePeak();
    };
    this.runner = {
      softwareAdapter: this.softwareAdapter,
      run: (k, bufs) => this.run(k, bufs),
      scratch: (bytes) => this.acquireScratch(bytes),
      recycle: (b) => this.recycleScratch(b),
      device,
      encode: (fn, family) => this.batch.encode(fn, family),
    };
    this.pieceHost = {
      maxBind: this.maxBindingBytes,
      align,
      bind: (view) => this.bindView(view),
      scratch: (bytes) => this.acquireScratch(bytes),
      recycle: (b) => this.recycleScratch(b),
      run: (kernel, bufs) => this.run(kernel, bufs),
      compact: (view) => {
        const handle = this.copy(view, view.dtype) as WebGPUBuffer;
        return { view: { ...view, strides: contiguousStrides(view.shape), offset: 0 }, buf: handle.buffer, release: () => this.release(handle) };
      },
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
    let temp: BufferHandle | null = null;
    const half = view.dtype === 'f16' || view.dtype === 'bf16';
    if (half || !isContiguous(view.shape, view.strides)) {
      // strided views and 16-bit floats are compacted (16-bit widened to f32) on the device first
      temp = this.copy(view, half ? 'f32' : view.dtype);
      from = (temp as WebGPUBuffer).buffer;
      fromOffset = 0;
    }
    const staging = this.readPool.acquire(n * 4);
    this.batch.copy(from, fromOffset, staging, 0, n * 4);
    if (temp) this.release(temp);
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
    if (!(b instanceof WebGPUBuffer) || b.owner !== this.identity || b.released) return;
    this.untrack(b);
    if (!this.destroyed) this.pool.release(b.buffer);
  }

  memory(): MemoryInfo {
    return {
      liveBuffers: this.live,
      liveBytes: this.liveBytes,
      pooledBuffers: this.pool.pooledBuffers + this.readPool.pooledBuffers,
      pooledBytes: this.pool.pooledBytes + this.readPool.pooledBytes + this.textures.pooledTextureBytes,
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
  // Each primitive is a piece spec: one kernel when its operands bind, pieces of it when a tensor spans
  // more than one binding (large-operands.ts).

  fill(size: number, dtype: DType, value: number): BufferHandle {
    const pattern = fillPattern(dtype, value);
    const bpe = gpuBytesPerElement(dtype);
    return this.pieces('fill', dtype, [], [size], () => [], (_i, _b, shape, out) => {
      this.run(fillKernel(Math.ceil((shapeSize(shape) * bpe) / 4), pattern), [out]);
    });
  }

  copy(x: View, dtype: DType): BufferHandle {
    if (dtype === 'bf16' && shapeSize(x.shape) * 4 > this.maxBindingBytes) return this.packInPieces(x);
    return this.elementwise('copy', dtype, [x], x.shape, ([v]) => copyKernel(v, dtype), false);
  }

  unary(op: UnaryOp, x: View): BufferHandle {
    return this.elementwise(op, computeDType(x.dtype), [x], x.shape, ([v]) => unaryKernel(op, v));
  }

  binary(op: BinaryOp, a: View, b: View, outShape: Shape): BufferHandle {
    return this.elementwise(op, resultDType([a.dtype, b.dtype]) ?? a.dtype, [a, b], outShape, ([va, vb], shape) => vec4BinaryKernel(op, va, vb, shape) ?? binaryKernel(op, va, vb, shape));
  }

  compare(op: CompareOp, a: View, b: View, outShape: Shape): BufferHandle {
    return this.elementwise(op, 'bool', [a, b], outShape, ([va, vb], shape) => compareKernel(op, va, vb, shape));
  }

  where(cond: View, a: View, b: View, outShape: Shape): BufferHandle {
    return this.elementwise('where', resultDType([a.dtype, b.dtype]) ?? a.dtype, [cond, a, b], outShape, ([c, va, vb], shape) => whereKernel(c, va, vb, shape));
  }

  dropout(x: View, p: number, seed: number): BufferHandle {
    return this.elementwise('dropout', computeDType(x.dtype), [x], x.shape, ([v], _shape, base) => dropoutKernel(v, p, seed, base));
  }

  reduce(op: ReduceOp, x: View, axes: readonly number[]): BufferHandle {
    const outDtype = op === 'argmax' || op === 'argmin' ? 'i32' : computeDType(x.dtype);
    const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
    return this.pieces(
      op,
      outDtype,
      [x],
      kept.map((d) => x.shape[d]),
      ([v], axis, start, len) => [sliceAxis(v, kept[axis], start, len)],
      ([v], [vb], _shape, out) => encodeReduce(this.runner, op, v, vb, axes, out),
      ([v], shape, out) => reduceInPieces(this.pieceHost, this.runner, op, v, axes, shape, out),
    );
  }

  matmul(a: View, b: View): BufferHandle {
    const r = a.shape.length;
    return this.pieces(
      'matmul',
      resultDType([a.dtype, b.dtype]) ?? a.dtype,
      [a, b],
      [...a.shape.slice(0, -1), b.shape[r - 1]],
      ([va, vb], axis, start, len) => {
        if (axis === r - 1) return [va, sliceAxis(vb, axis, start, len)];
        return [sliceAxis(va, axis, start, len), axis < r - 2 ? sliceAxis(vb, axis, start, len) : vb];
      },
      ([va, vb], [ab, bb], _shape, out) => encodeMatmul(this.runner, va, ab, vb, bb, out),
      ([va, vb], shape, out) => matmulInPieces(this.pieceHost, this.runner, va, vb, shape, out),
    );
  }

  gather(x: View, index: View, axis: number): BufferHandle {
    const ri = index.shape.length;
    return this.pieces(
      'gather',
      computeDType(x.dtype),
      [x, index],
      [...x.shape.slice(0, axis), ...index.shape, ...x.shape.slice(axis + 1)],
      ([vx, vi], d, start, len) => {
        if (d < axis) return [sliceAxis(vx, d, start, len), vi];
        if (d < axis + ri) return [vx, sliceAxis(vi, d - axis, start, len)];
        return [sliceAxis(vx, d - ri + 1, start, len), vi];
      },
      ([vx, vi], bufs, _shape, out) => this.run(gatherKernel(vx, vi, axis), [...bufs, out]),
      ([vx, vi], shape, out) => gatherInPieces(this.pieceHost, this.runner, vx, vi, axis, shape, out),
    );
  }

  scatterAdd(src: View, index: View, axis: number, axisSize: number): BufferHandle {
    const ri = index.shape.length;
    const post = shapeSize(src.shape.slice(axis + ri));
    // a piece's first row along `axis`, from its offset in the output
    const baseOf = (offset: number): number => Math.floor(offset / Math.max(1, post)) % axisSize;
    return this.pieces(
      'scatterAdd',
      computeDType(src.dtype),
      [src, index],
      [...src.shape.slice(0, axis), axisSize, ...src.shape.slice(axis + ri)],
      ([vs, vi], d, start, len) => (d === axis ? [vs, vi] : [sliceAxis(vs, d < axis ? d : d + ri - 1, start, len), vi]),
      ([vs, vi], [sb, ib], shape, out, offset) => scatterAddPiece(this.runner, vs, sb, vi, ib, axis, baseOf(offset), shape, out),
      ([vs, vi], shape, out, offset) => scatterAddInPieces(this.pieceHost, this.runner, vs, vi, axis, baseOf(offset), shape, out),
    );
  }

  concat(xs: readonly View[], axis: number): BufferHandle {
    const total = xs.reduce((p, x) => p + x.shape[axis], 0);
    return this.pieces(
      'concat',
      resultDType(xs.map((x) => x.dtype)) ?? xs[0].dtype,
      xs,
      xs[0].shape.map((d, i) => (i === axis ? total : d)),
      (vs, d, start, len) => {
        if (d !== axis) return sameAxes(vs, d, start, len);
        // rows of the concatenation axis: the parts of the inputs that fall in them
        const parts: View[] = [];
        let at = 0;
        for (const v of vs) {
          const [lo, hi] = [Math.max(start, at), Math.min(start + len, at + v.shape[axis])];
          if (hi > lo) parts.push(sliceAxis(v, axis, lo - at, hi - lo));
          at += v.shape[axis];
        }
        return parts;
      },
      (vs, bufs, _shape, out) => encodeConcat(this.runner, vs, bufs, axis, out),
    );
  }

  pad(x: View, outShape: Shape, starts: readonly number[], steps: readonly number[]): BufferHandle {
    const dtype = computeDType(x.dtype);
    const bytes = shapeSize(outShape) * gpuBytesPerElement(dtype);
    if (bytes > this.maxBindingBytes / 2 || !this.bindView(x)) {
      this.check('pad', x.dtype);
      const out = this.alloc('pad', shapeSize(outShape), dtype);
      padInPieces(this.pieceHost, x, outShape, starts, steps, out.buffer);
      return out;
    }
    return this.pieces(
      'pad',
      dtype,
      [x],
      outShape,
      () => null,
      ([v], [xb], _shape, out) => encodePad(this.runner, v, xb, outShape, starts, steps, out),
    );
  }

  /**
   * Whether one kernel can bind every buffer behind `views` whole: fused kernels (norms, softmax,
   * AdamW, their gradients) run only then; otherwise ops use the primitives, which cut large tensors.
   *
   * @example
   * ```ts
   * if (gpu.binds([x.view('softmax')])) fused(); else composite();
   * ```
   */
  binds(views: readonly View[]): boolean {
    return views.every((v) => (v.buffer as WebGPUBuffer).byteLength <= this.maxBindingBytes);
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

  /**
   * A bf16 copy of a tensor larger than one binding: compacted to f32 first (the primitives cut that),
   * then packed in flat chunks whose starts are multiples of 128 elements, so every window, f32 in and
   * bf16 out, starts on the 256-byte offset alignment and no word is shared by two chunks.
   */
  private packInPieces(x: View): BufferHandle {
    const n = shapeSize(x.shape);
    this.check('copy', x.dtype);
    const flat = this.copy(x, 'f32') as WebGPUBuffer;
    const out = this.alloc('copy', n, 'bf16');
    const chunk = Math.max(128, Math.floor(this.maxBindingBytes / 4 / 128) * 128);
    for (let s = 0; s < n; s += chunk) {
      const len = Math.min(chunk, n - s);
      const from = new BufferWindow(flat.buffer, s * 4, len * 4);
      const into = new BufferWindow(out.buffer, s * 2, Math.ceil(len / 2) * 4);
      this.run(pack16Kernel({ buffer: flat, dtype: 'f32', shape: [len], strides: [1], offset: 0 }), [from, into]);
    }
    this.release(flat);
    return out;
  }

  private pieces(
    op: string,
    dtype: DType,
    inputs: readonly View[],
    outShape: Shape,
    slice: PieceSpec['slice'],
    leaf: PieceSpec['leaf'],
    inputSplit?: PieceSpec['inputSplit'],
    packInputs = true,
  ): BufferHandle {
    for (const v of inputs) this.check(op, v.dtype);
    this.check(op, dtype);
    const out = this.alloc(op, shapeSize(outShape), dtype);
    // the common case, without the planner: every buffer binds whole
    const bufs = inputs.map((v) => this.bufferOf(v, op));
    if (out.byteLength <= this.maxBindingBytes && bufs.every((b) => b.size <= this.maxBindingBytes)) {
      if (shapeSize(outShape) > 0) leaf(inputs, bufs, outShape, out.buffer, 0);
      return out;
    }
    recordInPieces(this.pieceHost, { op, inputs, outShape, outDtype: dtype, slice, leaf, inputSplit, packInputs }, out.buffer);
    return out;
  }

  private elementwise(
    op: string,
    dtype: DType,
    inputs: readonly View[],
    outShape: Shape,
    kernel: (views: readonly View[], shape: Shape, base: number) => Kernel,
    packInputs = true,
  ): BufferHandle {
    return this.pieces(op, dtype, inputs, outShape, sameAxes, (views, bufs, shape, out, base) => this.run(kernel(views, shape, base), [...bufs, out]), undefined, packInputs);
  }

  /** The binding of a view: its whole buffer when that binds, else the window around the view (rebased), else null. */
  private bindView(view: View): { view: View; buf: Bindable } | null {
    const buffer = this.bufferOf(view, 'bind');
    if (buffer.size <= this.maxBindingBytes) return { view, buf: buffer };
    return windowOf(view, buffer, this.pieceHost.align, this.maxBindingBytes);
  }

  private map(op: string, dtype: DType, inputs: readonly View[], n: number, kernel: () => Kernel): BufferHandle {
    const bufs = inputs.map((v) => this.input(v, op));
    this.check(op, dtype);
    const out = this.alloc(op, n, dtype);
    if (n > 0) this.run(kernel(), [...bufs, out.buffer]);
    return out;
  }

  private run(kernel: Kernel, buffers: readonly Bindable[]): void {
    this.batch.dispatch(this.pipelines.get(kernel), buffers, kernel.words, kernel.grid, this.batch.profiler ? kernelFamily(kernel.key) : undefined);
  }

  private input(view: View, op: string): GPUBuffer {
    this.check(op, view.dtype);
    const buffer = this.bufferOf(view, op);
    if (buffer.size > this.maxBindingBytes) {
      throw new DeviceError(
        'OUT_OF_MEMORY',
        `webgpu ${op}: a ${view.dtype}${JSON.stringify(view.shape)} operand lives in a buffer of ${buffer.size} bytes, more than one kernel binds (${this.maxBindingBytes}); check backend.binds(views) and use the primitives, which cut large tensors into pieces`,
      );
    }
    return buffer;
  }

  private bufferOf(view: View, op: string): GPUBuffer {
    const b = view.buffer as WebGPUBuffer;
    if (!(b instanceof WebGPUBuffer) || b.owner !== this.identity) throw new PeftError('BACKEND', `webgpu ${op}: got a buffer from another backend`);
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
    const bytes = n * gpuBytesPerElement(dtype);
    if (BufferPool.sizeClass(bytes) > this.maxBufferBytes) {
      throw new DeviceError(
        'OUT_OF_MEMORY',
        `webgpu ${op}: cannot allocate ${bytes} bytes (${n} × ${dtype}); the largest buffer this device allocates is ${this.maxBufferBytes} bytes`,
      );
    }
    const buffer = this.pool.acquire(bytes);
    const handle = new WebGPUBuffer(buffer, buffer.size, this.identity);
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
