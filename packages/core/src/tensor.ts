import type { Backend, View } from './backend-interface.js';
import { type DType, type TypedArray, gpuBytesPerElement, isFloat } from './dtype.js';
import { ArgumentError, DisposedTensorError, PeftError, ShapeError, fmtShape } from './errors.js';
import type { GradNode } from './autograd/graph.js';
import { track } from './scope.js';
import { type Shape, contiguousStrides, isContiguous, shapeSize } from './shape.js';
import type { Storage } from './storage.js';
import type { TensorOps } from './tensor-ops.js';

let nextId = 1;

/** The functions behind the chainable methods, installed by `installTensorOps` (tensor-methods.ts). */
let installed: TensorOps | null = null;

/**
 * Gives {@link Tensor} the functions its chainable methods (`add`, `matmul`, …, `backward`) call.
 * The ops and autograd modules depend on this one, so they are handed over at start-up (every entry
 * point does it through `installTensorMethods`) rather than imported here.
 *
 * @internal
 * @example
 * ```ts
 * installTensorOps({ ...ops, backward });
 * ```
 */
export function installTensorOps(impl: TensorOps): void {
  installed = impl;
}

function ops(): TensorOps {
  if (installed === null) {
    throw new PeftError(
      'ARGUMENT',
      'Tensor methods: the op functions are not installed; import Tensor through an entry point of @peft/core',
    );
  }
  return installed;
}

/**
 * An n-dimensional array on a backend (WebGPU or CPU).
 *
 * **Values are immutable**: every op returns a new tensor; reshapes, transposes, slices and broadcasts
 * are views that share memory. Reading back is asynchronous (`await t.data()`); everything else is
 * synchronous and only enqueues work, so a training step runs without waiting on the GPU.
 *
 * **Ownership**: GPU memory is not garbage collected in time. A tensor created inside
 * {@link tidy} is freed when the scope ends unless it is returned or passed to {@link keep}; a tensor
 * created outside any scope lives until {@link Tensor.dispose}. Parameters (see `Parameter`), their
 * gradients and optimizer state are kept. Using a disposed tensor throws `DisposedTensorError`.
 *
 * **Gradients**: tensors with `requiresGrad` record the ops applied to them; `loss.backward()` fills
 * `.grad` of every leaf that requires a gradient (adding to an existing `.grad`).
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);
 * const y = tidy(() => x.matmul(x.transpose()).sum());
 * console.log(await y.item()); // 52
 * ```
 */
export class Tensor {
  /** A unique id, handy in debugging output. */
  readonly id = nextId++;
  /** Sizes of each axis. */
  readonly shape: Shape;
  /** Element type. */
  readonly dtype: DType;
  /** Element strides of this view into its storage. */
  readonly strides: readonly number[];
  /** Element offset of this view into its storage. */
  readonly offset: number;
  /** Whether gradients flow to this tensor. Set on leaves to train them. */
  requiresGrad = false;
  /** The accumulated gradient of a leaf after `backward()` (kept; dispose or `zeroGrad` to free). */
  grad: Tensor | null = null;
  /** @internal The op that produced this tensor, when recorded. */
  node: GradNode | null = null;
  /** @internal True when the values were freed after the forward but the node is kept for the backward. */
  valuesReleased = false;
  /** Optional label used in error messages. */
  name?: string;
  /** @internal Marks tensors for scope bookkeeping. */
  readonly __isTensor = true;

  /** @internal */
  protected storage: Storage | null;
  private owned: Tensor[] | null = null;

  /** @internal Use the creation functions (`tensor`, `zeros`, …) instead. */
  constructor(storage: Storage, shape: Shape, dtype: DType, strides?: readonly number[], offset = 0) {
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
    track(this);
  }

  /** The backend that holds this tensor's memory. */
  get backend(): Backend {
    return this.liveStorage('backend').backend;
  }

  /** Number of elements. */
  get size(): number {
    return shapeSize(this.shape);
  }

  /**
   * Bytes its elements take on a device: 2 for f16 and bf16, 4 otherwise (a bool takes a word), as
   * PyTorch's `nbytes`. Views count their own elements.
   */
  get nbytes(): number {
    return this.size * gpuBytesPerElement(this.dtype);
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** True after `dispose()`. */
  get isDisposed(): boolean {
    return this.storage === null || this.storage.buffer === null;
  }

  /** True when the view is row-major with no gaps. */
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** @internal The storage, for views and parameters. */
  liveStorage(op: string): Storage {
    const s = this.storage;
    if (!s || !s.buffer) {
      const why = this.valuesReleased ? 'had its values freed after the forward (no gradient rule reads them)' : 'was already disposed';
      throw new DisposedTensorError(`${op}: tensor #${this.id}${this.name ? ` (${this.name})` : ''} of shape ${fmtShape(this.shape)} ${why}`);
    }
    return s;
  }

  /** @internal Frees the values and keeps the node: an intermediate the backward passes through without reading. */
  releaseValues(): void {
    if (!this.storage) return;
    this.storage.release();
    this.storage = null;
    this.valuesReleased = true;
  }

  /** @internal The kernel-level view of this tensor. */
  view(op = 'op'): View {
    const s = this.liveStorage(op);
    return { buffer: s.buffer!, dtype: this.dtype, shape: this.shape, strides: this.strides, offset: this.offset };
  }

  /**
   * Reads the elements in row-major order. f32/f16 read as Float32Array, i32 as Int32Array, u32 as
   * Uint32Array, bool as Uint8Array; pick the array type with the type parameter.
   *
   * @example
   * ```ts
   * const values = await zeros([2, 2]).data(); // Float32Array [0, 0, 0, 0]
   * ```
   */
  async data<T extends TypedArray = Float32Array>(): Promise<T> {
    const s = this.liveStorage('data');
    return (await s.backend.read(this.view('data'))) as T;
  }

  /**
   * The single value of a one-element tensor.
   *
   * @example
   * ```ts
   * const loss = await l.item();
   * ```
   */
  async item(): Promise<number> {
    if (this.size !== 1) throw new ShapeError(`item: expected a tensor with one element, got shape ${fmtShape(this.shape)}`);
    const d = await this.data<TypedArray>();
    return d[0];
  }

  /**
   * The elements as nested JavaScript arrays.
   *
   * @example
   * ```ts
   * await tensor([[1, 2]]).array(); // [[1, 2]]
   * ```
   */
  async array(): Promise<unknown> {
    const flat = Array.from(await this.data<TypedArray>());
    if (this.rank === 0) return flat[0];
    const build = (axis: number, start: number): unknown[] => {
      const n = this.shape[axis];
      const inner = shapeSize(this.shape.slice(axis + 1));
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(axis === this.rank - 1 ? flat[start + i] : build(axis + 1, start + i * inner));
      return out;
    };
    return build(0, 0);
  }

  /**
   * Frees this tensor's hold on its memory (the memory itself goes back to the pool when no view
   * shares it). Safe to call twice. A kept gradient is freed with its tensor.
   *
   * @example
   * ```ts
   * const t = ones([1024]); t.dispose();
   * ```
   */
  dispose(): void {
    if (this.owned) {
      for (const t of this.owned) t.dispose();
      this.owned = null;
    }
    if (this.storage) {
      this.storage.release();
      this.storage = null;
    }
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
    this.node = null;
  }

  /** @internal Ties the lifetime of a helper tensor (a lifted scalar) to this one. */
  own(t: Tensor): void {
    (this.owned ??= []).push(t);
  }

  /**
   * Computes gradients of this scalar with respect to every leaf that requires them, adding into
   * their `.grad`.
   *
   * @example
   * ```ts
   * const w = zeros([3]).requireGrad();
   * w.mul(w).sum().backward();
   * ```
   */
  backward(gradient?: Tensor): void {
    ops().backward(this, gradient);
  }

  /**
   * Marks this tensor as a leaf that receives gradients, and returns it (floating-point tensors only).
   *
   * @example
   * ```ts
   * const w = randn([4, 4]).requireGrad();
   * ```
   */
  requireGrad(flag = true): this {
    if (flag && !isFloat(this.dtype)) {
      throw new ArgumentError(`requireGrad: only floating-point tensors carry gradients, got ${this.dtype}`);
    }
    this.requiresGrad = flag;
    return this;
  }

  /**
   * A copy that carries no graph: gradients stop here.
   *
   * @example
   * ```ts
   * const frozen = y.detach();
   * ```
   */
  detach(): Tensor {
    const s = this.liveStorage('detach');
    s.retain();
    return new Tensor(s, this.shape, this.dtype, this.strides, this.offset);
  }

  /** A short description: `Tensor(f32 [2, 3], webgpu)`. */
  toString(): string {
    return `Tensor(${this.dtype} ${fmtShape(this.shape)}${this.isDisposed ? ', disposed' : `, ${this.backend.name}`})`;
  }

  // ---- chainable ops (each is the function of the same name in ops) ----

  /** `this + b`, broadcasting. @example `a.add(b)` */
  add(b: Tensor | number): Tensor {
    return ops().add(this, b);
  }
  /** `this - b`, broadcasting. @example `a.sub(1)` */
  sub(b: Tensor | number): Tensor {
    return ops().sub(this, b);
  }
  /** `this * b`, broadcasting. @example `a.mul(b)` */
  mul(b: Tensor | number): Tensor {
    return ops().mul(this, b);
  }
  /** `this / b`, broadcasting. @example `a.div(2)` */
  div(b: Tensor | number): Tensor {
    return ops().div(this, b);
  }
  /** `this ** b`, broadcasting. @example `a.pow(2)` */
  pow(b: Tensor | number): Tensor {
    return ops().pow(this, b);
  }
  /** `-this`. @example `a.neg()` */
  neg(): Tensor {
    return ops().neg(this);
  }
  /** Elementwise e^x. @example `a.exp()` */
  exp(): Tensor {
    return ops().exp(this);
  }
  /** Elementwise natural log. @example `a.log()` */
  log(): Tensor {
    return ops().log(this);
  }
  /** Elementwise square root. @example `a.sqrt()` */
  sqrt(): Tensor {
    return ops().sqrt(this);
  }
  /** Elementwise 1/sqrt(x). @example `a.rsqrt()` */
  rsqrt(): Tensor {
    return ops().rsqrt(this);
  }
  /** Elementwise |x|. @example `a.abs()` */
  abs(): Tensor {
    return ops().abs(this);
  }
  /** Elementwise tanh. @example `a.tanh()` */
  tanh(): Tensor {
    return ops().tanh(this);
  }
  /** Elementwise logistic sigmoid. @example `a.sigmoid()` */
  sigmoid(): Tensor {
    return ops().sigmoid(this);
  }
  /** Elementwise max(x, 0). @example `a.relu()` */
  relu(): Tensor {
    return ops().relu(this);
  }
  /** Matrix product with batch broadcasting. @example `x.matmul(w.transpose())` */
  matmul(b: Tensor): Tensor {
    return ops().matmul(this, b);
  }
  /** Sum over axes (all by default). @example `x.sum(-1, true)` */
  sum(axes?: number | readonly number[], keepdim = false): Tensor {
    return ops().sum(this, axes, keepdim);
  }
  /** Mean over axes (all by default). @example `x.mean()` */
  mean(axes?: number | readonly number[], keepdim = false): Tensor {
    return ops().mean(this, axes, keepdim);
  }
  /** Maximum over axes (all by default). @example `x.max(1)` */
  max(axes?: number | readonly number[], keepdim = false): Tensor {
    return ops().max(this, axes, keepdim);
  }
  /** Minimum over axes (all by default). @example `x.min(1)` */
  min(axes?: number | readonly number[], keepdim = false): Tensor {
    return ops().min(this, axes, keepdim);
  }
  /** Index of the maximum along an axis (i32). @example `logits.argmax(-1)` */
  argmax(axis: number, keepdim = false): Tensor {
    return ops().argmax(this, axis, keepdim);
  }
  /** Same data, new shape (one size may be -1). @example `x.reshape([2, -1])` */
  reshape(shape: readonly number[]): Tensor {
    return ops().reshape(this, shape);
  }
  /** Swaps two axes (the last two by default) without copying. @example `w.transpose()` */
  transpose(axis0 = -2, axis1 = -1): Tensor {
    return ops().transpose(this, axis0, axis1);
  }
  /** Reorders axes without copying. @example `x.permute([0, 2, 1])` */
  permute(perm: readonly number[]): Tensor {
    return ops().permute(this, perm);
  }
  /** Broadcasts to a larger shape without copying. @example `b.expand([4, 3])` */
  expand(shape: readonly number[]): Tensor {
    return ops().expand(this, shape);
  }
  /** A strided window. @example `x.slice([0, 1], [2, 3])` */
  slice(starts: readonly number[], ends: readonly number[], steps?: readonly number[]): Tensor {
    return ops().slice(this, starts, ends, steps);
  }
  /** Converts the element type. @example `mask.cast('f32')` */
  cast(dtype: DType): Tensor {
    return ops().cast(this, dtype);
  }
  /** A row-major copy (or this tensor's data unchanged when already contiguous). @example `x.transpose().contiguous()` */
  contiguous(): Tensor {
    return ops().contiguous(this);
  }
}
