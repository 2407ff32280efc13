import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

/**
 * An opaque block of memory owned by one backend (a `GPUBuffer` on WebGPU, a typed array on the CPU).
 * Tensors never touch it directly; they hold it through a reference-counted `Storage`.
 *
 * @example
 * ```ts
 * const handle: BufferHandle = backend.upload(new Float32Array([1, 2]), 'f32');
 * ```
 */
export interface BufferHandle {
  /** Size in bytes as allocated (may be rounded up to the pool's size class). */
  readonly byteLength: number;
}

/**
 * A strided window onto a buffer: what every kernel reads. Strides and offset count elements, not
 * bytes; a stride of 0 repeats an element (broadcasting).
 *
 * @example
 * ```ts
 * // the transpose of a contiguous 2x3 matrix, without a copy
 * const v: View = { buffer, dtype: 'f32', shape: [3, 2], strides: [1, 3], offset: 0 };
 * ```
 */
export interface View {
  readonly buffer: BufferHandle;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Float unary kernels; each has one CPU and one WGSL definition. @example `backend.unary('exp', view)` */
export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'abs'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'erf'
  | 'sin'
  | 'cos'
  | 'sign'
  | 'reciprocal'
  | 'square'
  | 'floor'
  | 'gelu'
  | 'gelu_tanh'
  | 'silu';

/** The fused row normalisations (the registered `norm` kernels): layer norm (centred) and RMS norm. @example `const k: NormKind = 'rms';` */
export type NormKind = 'layer' | 'rms';

/** Arithmetic binary kernels (both operands of one dtype). @example `backend.binary('add', a, b, [2, 3])` */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';

/** Comparison kernels; they produce `bool`. @example `backend.compare('gt', a, b, [4])` */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** Reduction kernels. `argmax`/`argmin` take one axis and produce `i32`. @example `backend.reduce('sum', x, [1])` */
export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';

/**
 * The per-step constants of one fused AdamW update (the registered `adamw` kernel), already folded from
 * the hyperparameters and the step count.
 *
 * @example
 * ```ts
 * const h: AdamWStep = { decay: 1 - lr * wd, beta1: 0.9, beta2: 0.999, stepSize: lr / (1 - 0.9 ** t), bc2Sqrt: Math.sqrt(1 - 0.999 ** t), eps: 1e-8, maximize: false };
 * ```
 */
export interface AdamWStep {
  /** 1 − lr·weightDecay (exactly 1 when there is no weight decay). */
  readonly decay: number;
  readonly beta1: number;
  readonly beta2: number;
  /** lr / (1 − β1ᵗ). */
  readonly stepSize: number;
  /** √(1 − β2ᵗ). */
  readonly bc2Sqrt: number;
  readonly eps: number;
  /** Negate the gradient (maximise the objective). */
  readonly maximize: boolean;
}

/**
 * Memory the backend holds, for leak checks and the soak test.
 *
 * @example
 * ```ts
 * const before = backend.memory().liveBuffers;
 * backend.resetPeak();
 * run();
 * const peak = backend.memory().peakBytes; // the most bytes tensors held during run()
 * ```
 */
export interface MemoryInfo {
  /** Buffers currently owned by tensors. */
  liveBuffers: number;
  liveBytes: number;
  /** Released buffers kept for reuse. */
  pooledBuffers: number;
  /** Bytes of released buffers kept for reuse (and, on WebGPU, of the texture matmul's pooled operand textures). */
  pooledBytes: number;
  /**
   * The most bytes held at once since the backend was made or since the last {@link Backend.resetPeak}:
   * `liveBytes` plus, on WebGPU, the scratch buffers and textures kernels hold while they run
   * (multi-pass reductions, pieces of large tensors, the texture matmul's operands). Buffers and
   * textures resting in the pool are not counted.
   */
  peakBytes: number;
}

/**
 * The narrow interface every compute backend implements: memory, and the primitive kernels the tensor
 * layer is built from. All kernels are enqueued and return a new, contiguous buffer; only
 * {@link Backend.read} waits. Inputs are {@link View}s with arbitrary strides, so transposes, slices
 * and broadcasts reach kernels without copies.
 *
 * Fused ops (AdamW, norms, softmax, their gradients) and package-owned kernels (QLoRA's 4-bit matmul)
 * are not methods: they are registered per backend name with `defineKernel` / `registerKernel` from
 * `@peft/core/backend`, and ops fall back to composites of these primitives where a backend has none.
 *
 * Shapes handed to kernels are already checked by the tensor layer; backends may assume them valid.
 *
 * @example
 * ```ts
 * const cpu = createCpuBackend();
 * const a = cpu.upload(new Float32Array([1, 2, 3]), 'f32');
 * const view = { buffer: a, dtype: 'f32', shape: [3], strides: [1], offset: 0 } as const;
 * const out = cpu.unary('exp', view);
 * ```
 */
export interface Backend {
  /** `'cpu'` or `'webgpu'` (or a third-party backend's name). */
  readonly name: string;
  /** Human-readable device name, e.g. the WebGPU adapter ("llvmpipe (LLVM 19.1.7, 256 bits)"). */
  readonly description: string;
  /** Dtypes this backend can hold (`f16` only with `shader-f16` on WebGPU). */
  readonly dtypes: ReadonlySet<DType>;
  /**
   * The largest single buffer, hence the largest tensor, the device allocates, in bytes, where it has
   * such a limit (WebGPU: `maxBufferSize`; tensors past the binding limit are cut into pieces by the
   * kernels); undefined where none.
   */
  readonly maxBufferBytes?: number;

  /** Copies host data (host representation: Float32Array for f16, Uint8Array for bool) into a new buffer. */
  upload(data: TypedArray, dtype: DType): BufferHandle;
  /** Reads the elements of a view, in row-major order of its shape, into host representation. */
  read(view: View): Promise<TypedArray>;
  /** Returns a buffer to the backend (its pool). The buffer must not be used afterwards. */
  release(buffer: BufferHandle): void;
  /** Current memory accounting. */
  memory(): MemoryInfo;
  /** Starts a new peak: `memory().peakBytes` becomes the current `liveBytes`. */
  resetPeak(): void;
  /** Submits queued work without waiting. */
  flush(): void;
  /** Waits for all queued work. */
  sync(): Promise<void>;
  /** Frees everything; the backend is unusable afterwards. */
  destroy(): void;
  /**
   * Whether one fused kernel can bind every buffer behind `views` (absent: always). A backend whose
   * tensors can outgrow one binding (WebGPU) cuts them into pieces in its primitives; registered fused
   * kernels run only where this holds, and ops use their composite form otherwise.
   */
  binds?(views: readonly View[]): boolean;

  /** A new buffer of `size` elements all equal to `value`. */
  fill(size: number, dtype: DType, value: number): BufferHandle;
  /** A contiguous copy of a view, converted to `dtype` (float→int truncates toward zero). */
  copy(x: View, dtype: DType): BufferHandle;
  /** Elementwise float function. */
  unary(op: UnaryOp, x: View): BufferHandle;
  /** Elementwise arithmetic; `a` and `b` have shape `outShape` (broadcast axes carry stride 0). */
  binary(op: BinaryOp, a: View, b: View, outShape: Shape): BufferHandle;
  /** Elementwise comparison producing `bool`. */
  compare(op: CompareOp, a: View, b: View, outShape: Shape): BufferHandle;
  /** `cond ? a : b` elementwise; all three views have shape `outShape`. */
  where(cond: View, a: View, b: View, outShape: Shape): BufferHandle;
  /** Reduces the given (sorted, distinct) axes away. argmax/argmin take exactly one axis. */
  reduce(op: ReduceOp, x: View, axes: readonly number[]): BufferHandle;
  /** Batched matrix product: `a` is `[...batch, m, k]`, `b` is `[...batch, k, n]`, both with batch dims already broadcast. */
  matmul(a: View, b: View): BufferHandle;
  /** Selects entries along `axis` by integer `index` (any rank): out shape is x.shape with axis replaced by index.shape. */
  gather(x: View, index: View, axis: number): BufferHandle;
  /** The adjoint of gather: sums `src` rows into an output whose `axis` has `axisSize` entries. */
  scatterAdd(src: View, index: View, axis: number, axisSize: number): BufferHandle;
  /** Joins views along `axis` (all other sizes equal). */
  concat(xs: readonly View[], axis: number): BufferHandle;
  /** Zeros of `outShape` with `x` written at `starts + i * steps` (the adjoint of a strided slice). */
  pad(x: View, outShape: Shape, starts: readonly number[], steps: readonly number[]): BufferHandle;
  /**
   * Inverted dropout: keeps element i (row-major index of the view) when `dropoutKeep(seed, i, p)` holds,
   * scaling kept values by 1/(1-p). The same seed gives the same mask on every backend.
   */
  dropout(x: View, p: number, seed: number): BufferHandle;
}
