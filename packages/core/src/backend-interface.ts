import type { UnaryGradOp } from './kernels/unary-grad.js';
import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

/**
 * An opaque block of memory owned by one backend (a `GPUBuffer` on WebGPU, a typed array on the CPU).
 * Tensors never touch it directly; they hold it through a reference-counted {@link Storage}.
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

/** The fused row normalisations: layer norm (centred) and RMS norm. @example `const k: NormKind = 'rms';` */
export type NormKind = 'layer' | 'rms';

/** Arithmetic binary kernels (both operands of one dtype). @example `backend.binary('add', a, b, [2, 3])` */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';

/** Comparison kernels; they produce `bool`. @example `backend.compare('gt', a, b, [4])` */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** Reduction kernels. `argmax`/`argmin` take one axis and produce `i32`. @example `backend.reduce('sum', x, [1])` */
export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';

/**
 * The per-step constants of one fused AdamW update (see {@link Backend.adamw}), already folded from
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
 * The quantised matrix of a 4-bit dequantising matmul ({@link Backend.matmul4bit}): a `[rows, cols]`
 * row-major matrix `D` cut into blocks of `blocksize` consecutive elements, element `e` stored as a
 * 4-bit code (bitsandbytes' order: byte `e >> 1`, the even element in the high nibble; bytes packed
 * little-endian into u32 words) and read as `code[c] · absmax[e / blocksize]`.
 * With `transpose` the product is `x @ Dᵀ` (`K = cols`, `N = rows`, an `nn.Linear` weight);
 * without, `x @ D` (`K = rows`, `N = cols`, a GPT-2 `Conv1D` weight).
 *
 * @example
 * ```ts
 * const q: Matmul4bit = { code: nf4Values, blocksize: 64, rows: 768, cols: 768, transpose: true };
 * ```
 */
export interface Matmul4bit {
  /** The 16 float32 values the codes stand for. */
  readonly code: readonly number[];
  readonly blocksize: number;
  readonly rows: number;
  readonly cols: number;
  readonly transpose: boolean;
  /**
   * Double-quantised scales: `absmax` then holds one 8-bit code per block (four per u32 word,
   * little-endian) and the scale of block `b` is `code[q] · nestedAbsmax[b / blocksize] + offset`
   * (float32, rounded after the product and after the sum).
   */
  readonly nested?: { readonly code: readonly number[]; readonly blocksize: number; readonly offset: number };
}

/**
 * Memory the backend holds, for leak checks and the soak test.
 *
 * @example
 * ```ts
 * const before = backend.memory().liveBuffers;
 * ```
 */
export interface MemoryInfo {
  /** Buffers currently owned by tensors. */
  liveBuffers: number;
  liveBytes: number;
  /** Released buffers kept for reuse. */
  pooledBuffers: number;
  pooledBytes: number;
}

/**
 * The narrow interface every compute backend implements. All kernels are enqueued and return a new,
 * contiguous buffer; only {@link Backend.read} waits. Inputs are {@link View}s with arbitrary strides,
 * so transposes, slices and broadcasts reach kernels without copies.
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

  /** Copies host data (host representation: Float32Array for f16, Uint8Array for bool) into a new buffer. */
  upload(data: TypedArray, dtype: DType): BufferHandle;
  /** Reads the elements of a view, in row-major order of its shape, into host representation. */
  read(view: View): Promise<TypedArray>;
  /** Returns a buffer to the backend (its pool). The buffer must not be used afterwards. */
  release(buffer: BufferHandle): void;
  /** Current memory accounting. */
  memory(): MemoryInfo;
  /** Submits queued work without waiting. */
  flush(): void;
  /** Waits for all queued work. */
  sync(): Promise<void>;
  /** Frees everything; the backend is unusable afterwards. */
  destroy(): void;

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
  /**
   * Optional fused AdamW update of f32 tensors of one shape, in one pass instead of a dozen kernels.
   * Returns new buffers `[param, expAvg, expAvgSq]`, computed in float32 in the order of the
   * composite update (so the CPU reference gives the same bits either way):
   * `p·decay − ((β1·m + (1−β1)·g) / (√(β2·v + (1−β2)·g²) / bc2Sqrt + eps)) · stepSize`.
   */
  adamw?(param: View, grad: View, expAvg: View, expAvgSq: View, h: AdamWStep): [BufferHandle, BufferHandle, BufferHandle];
  /**
   * Optional fused normalisation of the rows of a contiguous f32 view (rows of its last axis, `n`
   * long): `'layer'` gives `(x − mean) / √(var + eps)`, `'rms'` gives `x / √(mean(x²) + eps)`, then
   * `· weight` and `+ bias` when given (contiguous f32 views of `[n]`). One pass instead of about ten
   * kernels, computed in float32 in the order of the composite ops.
   */
  norm?(kind: NormKind, x: View, weight: View | null, bias: View | null, eps: number): BufferHandle;
  /**
   * Optional fused softmax (or log-softmax with `log`) over the rows of a contiguous f32 view (its
   * last axis): `exp(x − max) / Σ exp(x − max)`, or `(x − max) − log Σ exp(x − max)`, in one pass
   * instead of five kernels.
   */
  softmax?(x: View, log: boolean): BufferHandle;
  /**
   * Optional fused gradient of a unary op (see {@link UnaryGradOp}): `g · f′(x)` for f32 views `g`
   * and `x` of one shape, in one pass instead of the composite rule's ten or so kernels.
   */
  unaryGrad?(op: UnaryGradOp, g: View, x: View): BufferHandle;
  /**
   * Optional fused input gradient of {@link Backend.softmax} over the rows of contiguous f32 views:
   * `y · (g − Σ g·y)`, or with `log` (y the log-softmax) `g − exp(y) · Σ g`.
   */
  softmaxGrad?(g: View, y: View, log: boolean): BufferHandle;
  /**
   * Optional fused input gradient of {@link Backend.norm} over the rows of contiguous f32 views:
   * with `x̂ = (x − μ)·r` (μ = 0 for `'rms'`), `r = 1/√(mean((x − μ)²) + eps)` and `ĝ = g·weight`,
   * `dx = r · (ĝ − x̂·mean(ĝ·x̂) − mean(ĝ))` (the last term for `'layer'` only).
   */
  normGrad?(kind: NormKind, g: View, x: View, weight: View | null, eps: number): BufferHandle;
  /**
   * Optional matmul with a 4-bit quantised matrix that is dequantised inside the kernel (no float
   * copy of it is made): `x` is a contiguous f32 view `[..., K]`, `packed` a u32 view of the codes,
   * `absmax` an f32 view with one scale per block (or, with `q.nested`, a u32 view of 8-bit codes and
   * `nestedAbsmax` an f32 view); the result is f32 `[..., N]` (see {@link Matmul4bit}).
   */
  matmul4bit?(x: View, packed: View, absmax: View, q: Matmul4bit, nestedAbsmax?: View): BufferHandle;
}
