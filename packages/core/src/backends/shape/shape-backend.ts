import type { Backend, BinaryOp, BufferHandle, CompareOp, MemoryInfo, ReduceOp, UnaryOp, View } from '../../backend-interface.js';
import { type DType, type TypedArray, computeDType, gpuBytesPerElement, hostArray, resultDType } from '../../dtype.js';
import { PeftError } from '../../errors.js';
import type { Shape } from '../../shape.js';
import { ADAMW_KERNEL } from '../../kernels/adamw-kernel.js';
import { NORM_GRAD_KERNEL, NORM_KERNEL } from '../../kernels/norm-kernels.js';
import { SOFTMAX_GRAD_KERNEL, SOFTMAX_KERNEL } from '../../kernels/softmax-kernels.js';
import { UNARY_GRAD_KERNEL } from '../../kernels/unary-grad-kernel.js';
import { registerKernel } from '../kernel-registry.js';

/** A buffer of the shape backend: a size and nothing behind it. */
class ShapeBuffer implements BufferHandle {
  released = false;
  constructor(
    readonly byteLength: number,
    readonly owner: ShapeBackend,
  ) {}
}

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * A backend that holds no values: every buffer is a size, every kernel returns a buffer of the size
 * its output would have, and reads give zeros. Building a model on it (with `skipInit`) costs no
 * memory, so the shapes, names and byte counts of a model, and of the adapters a method would put
 * on it, can be learned before a single weight is read. Its `memory()` counts the bytes a real
 * backend would hold (4 per element, 2 for f16 and bf16).
 *
 * @example
 * ```ts
 * import { createShapeBackend } from '@peft/core/backend';
 * const shapes = createShapeBackend();
 * const model = createModel(config, { backend: shapes, skipInit: true });
 * shapes.memory().liveBytes; // the bytes of its weights, held as float32
 * ```
 */
export class ShapeBackend implements Backend {
  readonly name = 'shape';
  readonly description = 'shapes only (no values)';
  readonly dtypes: ReadonlySet<DType> = new Set<DType>(['f32', 'f16', 'bf16', 'i32', 'u32', 'bool']);
  private live = 0;
  private liveBytes = 0;
  private peakBytes = 0;
  /** The largest single buffer asked for since the backend was made or since {@link ShapeBackend.resetLargest}, in bytes. */
  largestBytes = 0;

  upload(data: TypedArray, dtype: DType): BufferHandle {
    return this.alloc(data.length, dtype);
  }

  read(view: View): Promise<TypedArray> {
    return Promise.resolve(hostArray(view.dtype, count(view.shape)) as TypedArray);
  }

  release(buffer: BufferHandle): void {
    const b = buffer as ShapeBuffer;
    if (!(b instanceof ShapeBuffer) || b.owner !== this || b.released) return;
    b.released = true;
    this.live--;
    this.liveBytes -= b.byteLength;
  }

  memory(): MemoryInfo {
    return { liveBuffers: this.live, liveBytes: this.liveBytes, pooledBuffers: 0, pooledBytes: 0, peakBytes: this.peakBytes };
  }

  resetPeak(): void {
    this.peakBytes = this.liveBytes;
  }

  /** Starts a new count of {@link ShapeBackend.largestBytes}. @example `shapes.resetLargest()` */
  resetLargest(): void {
    this.largestBytes = 0;
  }

  flush(): void {}

  sync(): Promise<void> {
    return Promise.resolve();
  }

  destroy(): void {
    this.live = 0;
    this.liveBytes = 0;
  }

  fill(size: number, dtype: DType): BufferHandle {
    return this.alloc(size, dtype);
  }

  copy(x: View, dtype: DType): BufferHandle {
    return this.alloc(count(x.shape), dtype);
  }

  unary(_op: UnaryOp, x: View): BufferHandle {
    return this.alloc(count(x.shape), computeDType(x.dtype));
  }

  binary(_op: BinaryOp, a: View, b: View, outShape: Shape): BufferHandle {
    return this.alloc(count(outShape), resultDType([a.dtype, b.dtype]) ?? a.dtype);
  }

  compare(_op: CompareOp, _a: View, _b: View, outShape: Shape): BufferHandle {
    return this.alloc(count(outShape), 'bool');
  }

  where(_cond: View, a: View, b: View, outShape: Shape): BufferHandle {
    return this.alloc(count(outShape), resultDType([a.dtype, b.dtype]) ?? a.dtype);
  }

  reduce(op: ReduceOp, x: View, axes: readonly number[]): BufferHandle {
    const kept = x.shape.filter((_, i) => !axes.includes(i));
    return this.alloc(count(kept), op === 'argmax' || op === 'argmin' ? 'i32' : computeDType(x.dtype));
  }

  matmul(a: View, b: View): BufferHandle {
    return this.alloc(count(a.shape.slice(0, -1)) * b.shape[b.shape.length - 1], resultDType([a.dtype, b.dtype]) ?? a.dtype);
  }

  gather(x: View, index: View, axis: number): BufferHandle {
    return this.alloc((count(x.shape) / Math.max(1, x.shape[axis])) * count(index.shape), computeDType(x.dtype));
  }

  scatterAdd(src: View, index: View, _axis: number, axisSize: number): BufferHandle {
    return this.alloc((count(src.shape) / Math.max(1, count(index.shape))) * axisSize, computeDType(src.dtype));
  }

  concat(xs: readonly View[]): BufferHandle {
    return this.alloc(
      xs.reduce((n, x) => n + count(x.shape), 0),
      resultDType(xs.map((x) => x.dtype)) ?? xs[0]?.dtype ?? 'f32',
    );
  }

  pad(x: View, outShape: Shape): BufferHandle {
    return this.alloc(count(outShape), computeDType(x.dtype));
  }

  dropout(x: View): BufferHandle {
    return this.alloc(count(x.shape), computeDType(x.dtype));
  }

  private alloc(n: number, dtype: DType): ShapeBuffer {
    if (!Number.isSafeInteger(n) || n < 0) throw new PeftError('ARGUMENT', `shape backend: cannot describe a buffer of ${n} elements`);
    const b = new ShapeBuffer(n * gpuBytesPerElement(dtype), this);
    this.live++;
    this.liveBytes += b.byteLength;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
    if (b.byteLength > this.largestBytes) this.largestBytes = b.byteLength;
    return b;
  }
}

/**
 * Creates a {@link ShapeBackend}: a backend of sizes without values, for learning what a model and
 * its adapters would hold before loading them.
 *
 * @example
 * ```ts
 * const shapes = createShapeBackend();
 * const w = zeros([50257, 768], { backend: shapes });
 * shapes.memory().liveBytes; // 154389504
 * ```
 */
export function createShapeBackend(): ShapeBackend {
  return new ShapeBackend();
}

// the fused kernels every model uses, so a step on shapes allocates what it allocates on a real device
const like = (b: ShapeBackend, x: View): BufferHandle => b.copy(x, 'f32');
registerKernel(NORM_KERNEL, 'shape', (b: ShapeBackend, _kind, x) => like(b, x));
registerKernel(NORM_GRAD_KERNEL, 'shape', (b: ShapeBackend, _kind, _g, x) => like(b, x));
registerKernel(SOFTMAX_KERNEL, 'shape', (b: ShapeBackend, x) => like(b, x));
registerKernel(SOFTMAX_GRAD_KERNEL, 'shape', (b: ShapeBackend, _g, y) => like(b, y));
registerKernel(UNARY_GRAD_KERNEL, 'shape', (b: ShapeBackend, _op, _g, x) => like(b, x));
registerKernel(ADAMW_KERNEL, 'shape', (b: ShapeBackend, param, _g, m, v) => [b.copy(param, param.dtype), b.copy(m, 'f32'), b.copy(v, 'f32')]);
