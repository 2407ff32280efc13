import type { Backend } from '../backend-interface.js';
import { getBackend } from '../backend-registry.js';
import { type DType, type TypedArray, hostArray, isFloat, roundToBF16, roundToF16 } from '../dtype.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { Generator, defaultGenerator } from '../random.js';
import { type Shape, checkShape, shapeSize } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { plain, requireDType } from './apply.js';

/**
 * Options shared by the creation functions.
 *
 * @example
 * ```ts
 * zeros([2, 2], { dtype: 'i32', backend: cpu });
 * ```
 */
export interface CreateOptions {
  /** Element type (default f32). */
  dtype?: DType;
  /** Backend to allocate on (default: {@link getBackend}). */
  backend?: Backend;
  /** Mark the result as a leaf that receives gradients. */
  requiresGrad?: boolean;
}

/** Options of the random creation functions. @example `randn([3], { generator: new Generator(1) })` */
export interface RandomOptions extends CreateOptions {
  /** Source of randomness (default: the global generator). */
  generator?: Generator;
}

/** Nested arrays of numbers (or booleans), any depth. @example `const d: NestedArray = [[1, 2], [3, 4]];` */
export type NestedArray = number | boolean | readonly NestedArray[];

function finish(t: Tensor, opts: CreateOptions | undefined): Tensor {
  if (opts?.requiresGrad) {
    if (!isFloat(t.dtype)) throw new ArgumentError(`requiresGrad: only floating-point tensors carry gradients, got ${t.dtype}`);
    t.requiresGrad = true;
  }
  return t;
}

/**
 * Builds a tensor from host values of the given shape.
 *
 * @example
 * ```ts
 * fromArray(new Float32Array([1, 2, 3, 4]), [2, 2]);
 * ```
 */
export function fromArray(values: ArrayLike<number>, shape: Shape, opts?: CreateOptions): Tensor {
  checkShape(shape, 'fromArray');
  const dtype = opts?.dtype ?? 'f32';
  const backend = opts?.backend ?? getBackend();
  requireDType('fromArray', backend, dtype);
  const n = shapeSize(shape);
  if (values.length !== n) {
    throw new ShapeError(`fromArray: shape ${fmtShape(shape)} needs ${n} values, got ${values.length}`);
  }
  const host = hostArray(dtype, n) as TypedArray;
  if (dtype === 'f16') for (let i = 0; i < n; i++) host[i] = roundToF16(values[i]);
  else if (dtype === 'bf16') for (let i = 0; i < n; i++) host[i] = roundToBF16(values[i]);
  else if (dtype === 'bool') for (let i = 0; i < n; i++) host[i] = values[i] !== 0 ? 1 : 0; // NaN is true, as a cast
  else for (let i = 0; i < n; i++) host[i] = values[i];
  return finish(plain(backend, backend.upload(host, dtype), shape, dtype), opts);
}

/**
 * Builds a tensor from a number, nested arrays or a typed array (its shape inferred).
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);         // f32 [2, 3]
 * const ids = tensor([5, 7], { dtype: 'i32' });
 * ```
 */
export function tensor(data: NestedArray | TypedArray, opts?: CreateOptions): Tensor {
  if (ArrayBuffer.isView(data)) {
    const dtype = opts?.dtype ?? (data instanceof Int32Array ? 'i32' : data instanceof Uint32Array ? 'u32' : 'f32');
    return fromArray(data, [data.length], { ...opts, dtype });
  }
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0] as NestedArray;
  }
  const flat: number[] = [];
  const walk = (v: NestedArray, axis: number): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number' && typeof v !== 'boolean') throw new ShapeError('tensor: expected a rectangular nested array of numbers');
      flat.push(Number(v));
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      throw new ShapeError(`tensor: ragged nested array at depth ${axis}: expected ${shape[axis]} entries`);
    }
    for (const x of v) walk(x, axis + 1);
  };
  walk(data, 0);
  return fromArray(flat, shape, opts);
}

/**
 * A tensor filled with one value (computed on the device, no upload).
 *
 * @example
 * ```ts
 * full([2, 3], 0.5);
 * ```
 */
export function full(shape: Shape, value: number, opts?: CreateOptions): Tensor {
  checkShape(shape, 'full');
  const dtype = opts?.dtype ?? 'f32';
  const backend = opts?.backend ?? getBackend();
  requireDType('full', backend, dtype);
  return finish(plain(backend, backend.fill(shapeSize(shape), dtype, value), shape, dtype), opts);
}

/** Zeros. @example `zeros([4, 4])` */
export function zeros(shape: Shape, opts?: CreateOptions): Tensor {
  return full(shape, 0, opts);
}

/** Ones. @example `ones([4])` */
export function ones(shape: Shape, opts?: CreateOptions): Tensor {
  return full(shape, 1, opts);
}

/** Zeros shaped, typed and placed like `t`. @example `zerosLike(w)` */
export function zerosLike(t: Tensor, opts?: CreateOptions): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, backend: t.liveStorage('zerosLike').backend, ...opts });
}

/** Ones shaped, typed and placed like `t`. @example `onesLike(w)` */
export function onesLike(t: Tensor, opts?: CreateOptions): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, backend: t.liveStorage('onesLike').backend, ...opts });
}

/**
 * Evenly spaced values in [start, end) (with one argument: [0, end)).
 *
 * @example
 * ```ts
 * arange(5);            // [0, 1, 2, 3, 4]
 * arange(1, 2, 0.25);   // [1, 1.25, 1.5, 1.75]
 * ```
 */
export function arange(start: number, end?: number, step = 1, opts?: CreateOptions): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new ArgumentError(`arange: expected a finite non-zero step, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return fromArray(values, [n], opts);
}

/**
 * Standard normal samples times `std` plus `mean`.
 *
 * @example
 * ```ts
 * randn([8, 4], { std: 0.02 });
 * ```
 */
export function randn(shape: Shape, opts?: RandomOptions & { mean?: number; std?: number }): Tensor {
  checkShape(shape, 'randn');
  const g = opts?.generator ?? defaultGenerator();
  const v = g.normal(shapeSize(shape));
  const mean = opts?.mean ?? 0;
  const std = opts?.std ?? 1;
  for (let i = 0; i < v.length; i++) v[i] = mean + std * v[i];
  return fromArray(v, shape, opts);
}

/**
 * Uniform samples in [low, high).
 *
 * @example
 * ```ts
 * uniform([3], { low: -1, high: 1 });
 * ```
 */
export function uniform(shape: Shape, opts?: RandomOptions & { low?: number; high?: number }): Tensor {
  checkShape(shape, 'uniform');
  const g = opts?.generator ?? defaultGenerator();
  const v = g.uniform(shapeSize(shape));
  const low = opts?.low ?? 0;
  const high = opts?.high ?? 1;
  for (let i = 0; i < v.length; i++) v[i] = low + (high - low) * v[i];
  return fromArray(v, shape, opts);
}

/**
 * Kaiming (He) uniform initialisation as PyTorch's `kaiming_uniform_`: bound = gain·sqrt(3/fan), gain
 * for leaky_relu with slope `a` is sqrt(2/(1+a²)). The default (a = √5, fan_in) is what `nn.Linear`
 * uses for its weight, giving bound 1/sqrt(fan_in).
 *
 * @example
 * ```ts
 * const w = kaimingUniform([out, inp]); // like torch.nn.Linear's weight init
 * ```
 */
export function kaimingUniform(
  shape: Shape,
  opts?: RandomOptions & { a?: number; mode?: 'fan_in' | 'fan_out'; nonlinearity?: 'leaky_relu' | 'relu' | 'linear' },
): Tensor {
  if (shape.length < 2) throw new ShapeError(`kaimingUniform: expected at least 2 axes, got ${fmtShape(shape)}`);
  const receptive = shapeSize(shape.slice(2));
  const fanIn = shape[1] * receptive;
  const fanOut = shape[0] * receptive;
  const fan = (opts?.mode ?? 'fan_in') === 'fan_in' ? fanIn : fanOut;
  const a = opts?.a ?? Math.sqrt(5);
  const nl = opts?.nonlinearity ?? 'leaky_relu';
  const gain = nl === 'relu' ? Math.SQRT2 : nl === 'linear' ? 1 : Math.sqrt(2 / (1 + a * a));
  const bound = fan === 0 ? 0 : gain * Math.sqrt(3 / fan);
  return uniform(shape, { ...opts, low: -bound, high: bound });
}
