import type { BinaryOp, CompareOp, UnaryOp } from '../backend-interface.js';
import { type DType, computeDType, isFloat } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { BINARY } from '../kernels/binary.js';
import { composite, keep } from '../scope.js';
import { broadcastShapes, contiguousStrides, isContiguous } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, broadcastView, plain, requireDType, requireFloat, requireSameDType, result, viewOf } from './apply.js';
import { scalarConstant } from './scalar-constants.js';

/**
 * Scalars become 0-d tensors owned by the result, so they live exactly as long as the graph needs
 * them; each is a view of a per-backend constant, so no fill runs on the device.
 */
function lift(x: Tensor | number, like: Tensor, owned: Tensor[]): Tensor {
  if (x instanceof Tensor) return x;
  const s = keep(scalarConstant(x, like.dtype, like.backend));
  owned.push(s);
  return s;
}

function operands(a: Tensor | number, b: Tensor | number, op: string): [Tensor, Tensor, Tensor[]] {
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : null;
  if (!like) throw new DTypeError(`${op}: expected at least one tensor operand, got two numbers`);
  for (const t of [a, b]) if (t instanceof Tensor) t.liveStorage(op);
  const owned: Tensor[] = [];
  return [lift(a, like, owned), lift(b, like, owned), owned];
}

function binary(op: BinaryOp, a0: Tensor | number, b0: Tensor | number): Tensor {
  const [a, b, owned] = operands(a0, b0, op);
  const backend = backendOf(op, a, b);
  const dtype = requireSameDType(op, a, b);
  if (dtype === 'bool' || (!isFloat(dtype) && !BINARY[op].int)) {
    throw new DTypeError(`${op}: expected ${BINARY[op].int ? 'numeric' : 'floating-point'} operands, got ${dtype}`);
  }
  const shape = broadcastShapes(a.shape, b.shape, op);
  const buf = backend.binary(op, broadcastView(a, shape, op), broadcastView(b, shape, op), shape);
  const out = result(op, [a, b], {}, backend, buf, shape, dtype);
  for (const s of owned) out.own(s);
  return out;
}

/** Elementwise sum with broadcasting. @example `add(x, 1)` */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('add', a, b);
}
/** Elementwise difference with broadcasting. @example `sub(x, mean)` */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('sub', a, b);
}
/** Elementwise product with broadcasting. @example `mul(x, 0.5)` */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('mul', a, b);
}
/** Elementwise quotient with broadcasting (integers truncate toward zero). @example `div(x, std)` */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('div', a, b);
}
/** Elementwise power with broadcasting. @example `pow(x, 3)` */
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('pow', a, b);
}
/** Elementwise maximum (NaN propagates). @example `maximum(x, 0)` */
export function maximum(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('maximum', a, b);
}
/** Elementwise minimum (NaN propagates). @example `minimum(x, 6)` */
export function minimum(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('minimum', a, b);
}

/**
 * Runs one float unary kernel with its gradient rule (the public ops are named wrappers).
 *
 * @internal
 * @example
 * ```ts
 * unaryOp('gelu_tanh', x);
 * ```
 */
export function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  return unary(op, x);
}

function unary(op: UnaryOp, x: Tensor): Tensor {
  requireFloat(op, x);
  const backend = x.liveStorage(op).backend;
  const buf = backend.unary(op, x.view(op));
  const dtype = computeDType(x.dtype);
  if (op === 'sign' || op === 'floor') return plain(backend, buf, x.shape, dtype);
  return result(op, [x], {}, backend, buf, x.shape, dtype);
}

/** -x. @example `neg(x)` */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** e^x. @example `exp(x)` */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** Natural logarithm. @example `log(p)` */
export const log = (x: Tensor): Tensor => unary('log', x);
/** Square root. @example `sqrt(v)` */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** 1/sqrt(x). @example `rsqrt(variance)` */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
/** |x|. @example `abs(x)` */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** Hyperbolic tangent. @example `tanh(x)` */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** Logistic sigmoid 1/(1+e^-x). @example `sigmoid(x)` */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** max(x, 0). @example `relu(x)` */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** The error function. @example `erf(x)` */
export const erf = (x: Tensor): Tensor => unary('erf', x);
/** Sine. @example `sin(angles)` */
export const sin = (x: Tensor): Tensor => unary('sin', x);
/** Cosine. @example `cos(angles)` */
export const cos = (x: Tensor): Tensor => unary('cos', x);
/** -1, 0 or 1 (no gradient). @example `sign(x)` */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/** 1/x. @example `reciprocal(x)` */
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
/** x². @example `square(x)` */
export const square = (x: Tensor): Tensor => unary('square', x);
/** Round toward -inf (no gradient). @example `floor(x)` */
export const floor = (x: Tensor): Tensor => unary('floor', x);

function compare(op: CompareOp, a0: Tensor | number, b0: Tensor | number): Tensor {
  const [a, b, owned] = operands(a0, b0, op);
  const backend = backendOf(op, a, b);
  requireSameDType(op, a, b);
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = plain(backend, backend.compare(op, broadcastView(a, shape, op), broadcastView(b, shape, op), shape), shape, 'bool');
  for (const s of owned) s.dispose(); // no graph: the scalars are not needed afterwards
  return out;
}

/** a == b (bool). @example `eq(labels, -100)` */
export const eq = (a: Tensor | number, b: Tensor | number): Tensor => compare('eq', a, b);
/** a != b (bool). @example `ne(labels, -100)` */
export const ne = (a: Tensor | number, b: Tensor | number): Tensor => compare('ne', a, b);
/** a < b (bool). @example `lt(x, 0)` */
export const lt = (a: Tensor | number, b: Tensor | number): Tensor => compare('lt', a, b);
/** a <= b (bool). @example `le(x, 0)` */
export const le = (a: Tensor | number, b: Tensor | number): Tensor => compare('le', a, b);
/** a > b (bool). @example `gt(x, 0)` */
export const gt = (a: Tensor | number, b: Tensor | number): Tensor => compare('gt', a, b);
/** a >= b (bool). @example `ge(x, 0)` */
export const ge = (a: Tensor | number, b: Tensor | number): Tensor => compare('ge', a, b);

/**
 * Elementwise `cond ? a : b` with broadcasting over all three.
 *
 * @example
 * ```ts
 * where(gt(x, 0), x, 0); // relu
 * ```
 */
export function where(cond: Tensor, a0: Tensor | number, b0: Tensor | number): Tensor {
  if (cond.dtype !== 'bool') throw new DTypeError(`where: expected a bool condition, got ${cond.dtype}`);
  // with two numbers, the first is made an f32 tensor on the condition's backend
  const first = a0 instanceof Tensor || b0 instanceof Tensor ? a0 : keep(scalarConstant(a0, 'f32', cond.liveStorage('where').backend));
  const [a, b, owned] = operands(first, b0, 'where');
  if (first !== a0) owned.push(a);
  const backend = backendOf('where', cond, a, b);
  const dtype = requireSameDType('where', a, b);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const buf = backend.where(broadcastView(cond, shape, 'where'), broadcastView(a, shape, 'where'), broadcastView(b, shape, 'where'), shape);
  const out = result('where', [cond, a, b], {}, backend, buf, shape, dtype);
  for (const s of owned) out.own(s);
  return out;
}

/**
 * Converts to another dtype. Float→int truncates toward zero and saturates at the integer type's
 * range (negative values become 0 in u32), as WGSL does; i32↔u32 keep the bits (wrap modulo 2^32);
 * number→bool is `x != 0` (NaN is true); bool→number gives 0/1. Gradients flow between float types.
 *
 * @example
 * ```ts
 * const m = gt(x, 0).cast('f32');
 * ```
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (dtype === x.dtype) return viewOf('contiguous', x, {}, x.shape, x.strides, x.offset);
  const backend = x.liveStorage('cast').backend;
  requireDType('cast', backend, dtype);
  const buf = backend.copy(x.view('cast'), dtype);
  if (!isFloat(x.dtype)) return plain(backend, buf, x.shape, dtype);
  return result('cast', [x], { from: x.dtype }, backend, buf, x.shape, dtype);
}

/**
 * A row-major copy of a strided view; a contiguous tensor comes back as a view of the same memory.
 *
 * @example
 * ```ts
 * const t = x.transpose().contiguous();
 * ```
 */
export function contiguous(x: Tensor): Tensor {
  if (isContiguous(x.shape, x.strides)) {
    return viewOf('contiguous', x, {}, x.shape, contiguousStrides(x.shape), x.offset);
  }
  const backend = x.liveStorage('contiguous').backend;
  return result('contiguous', [x], {}, backend, backend.copy(x.view('contiguous'), x.dtype), x.shape, x.dtype);
}

/**
 * A copy of `x` in new memory (contiguous, same dtype, detached from the graph), which later changes
 * to `x`'s storage do not affect.
 *
 * @example
 * ```ts
 * const saved = copyTensor(param); // a snapshot that survives optimizer steps on param
 * ```
 */
export function copyTensor(x: Tensor): Tensor {
  const backend = x.liveStorage('copyTensor').backend;
  return plain(backend, backend.copy(x.view('copyTensor'), x.dtype), x.shape, x.dtype);
}

/**
 * Limits values to [min, max] with PyTorch's semantics: NaN stays NaN, `min > max` gives `max`
 * everywhere, and the gradient is 1 where `min <= x <= max` (boundaries included) and 0 elsewhere.
 *
 * @example
 * ```ts
 * clamp(x, -1, 1);
 * ```
 */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  return composite(() => {
    let y = x;
    if (min !== undefined) y = where(lt(y, min), min, y);
    if (max !== undefined) y = where(gt(y, max), max, y);
    return y === x ? contiguous(x) : y;
  });
}
