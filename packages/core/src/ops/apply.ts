import type { Backend, BufferHandle, View } from '../backend-interface.js';
import { type OpAttrs, type OpName, isGradEnabled } from '../autograd/graph.js';
import { type DType, isFloat, resultDType } from '../dtype.js';
import { ArgumentError, DTypeError } from '../errors.js';
import { type Shape, shapesEqual } from '../shape.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';

/** Wraps a fresh kernel output in a tensor, recording `op` when gradients flow. @internal */
export function result<K extends OpName>(
  op: K,
  inputs: readonly Tensor[],
  attrs: OpAttrs[K],
  backend: Backend,
  buffer: BufferHandle,
  shape: Shape,
  dtype: DType,
): Tensor {
  const t = new Tensor(new Storage(backend, buffer), shape, dtype);
  record(t, op, inputs, attrs);
  return t;
}

/** A tensor with no graph node (creation, comparisons, integer results). @internal */
export function plain(backend: Backend, buffer: BufferHandle, shape: Shape, dtype: DType): Tensor {
  return new Tensor(new Storage(backend, buffer), shape, dtype);
}

/** A view sharing `x`'s storage, recording `op` when gradients flow. @internal */
export function viewOf<K extends OpName>(
  op: K,
  x: Tensor,
  attrs: OpAttrs[K],
  shape: Shape,
  strides: readonly number[],
  offset: number,
): Tensor {
  const s = x.liveStorage(op);
  s.retain();
  const t = new Tensor(s, shape, x.dtype, strides, offset);
  record(t, op, [x], attrs);
  return t;
}

function record<K extends OpName>(t: Tensor, op: K, inputs: readonly Tensor[], attrs: OpAttrs[K]): void {
  if (isGradEnabled() && isFloat(t.dtype) && inputs.some((x) => x.requiresGrad)) {
    t.requiresGrad = true;
    t.node = { op, inputs, attrs };
  }
}

/** The one backend all operands live on; a clear error otherwise. @internal */
export function backendOf(op: string, ...ts: readonly Tensor[]): Backend {
  const b = ts[0].liveStorage(op).backend;
  for (const t of ts) {
    const tb = t.liveStorage(op).backend;
    if (tb !== b) {
      const got = tb.name === b.name ? `two different ${b.name} backend instances` : `${b.name} and ${tb.name}`;
      throw new ArgumentError(`${op}: expected all tensors on one backend, got ${got}`);
    }
  }
  return b;
}

/** Requires floating-point operands. @internal */
export function requireFloat(op: string, ...ts: readonly Tensor[]): void {
  for (const t of ts) {
    if (!isFloat(t.dtype)) throw new DTypeError(`${op}: expected a floating-point tensor (f32 or f16), got ${t.dtype}`);
  }
}

/**
 * Requires operands that compute together and returns the result's dtype: one dtype for all, or
 * floats of different widths (read widened, the result f32; see `resultDType`). @internal
 */
export function requireSameDType(op: string, ...ts: readonly Tensor[]): DType {
  const d = resultDType(ts.map((t) => t.dtype));
  if (d === null) {
    throw new DTypeError(`${op}: expected operands of one dtype (or floats of any width), got ${ts.map((x) => x.dtype).join(' and ')}`);
  }
  return d;
}

/** Checks that the backend can hold a dtype. @internal */
export function requireDType(op: string, backend: Backend, dtype: DType): void {
  if (!backend.dtypes.has(dtype)) {
    throw new DTypeError(
      `${op}: the ${backend.name} backend (${backend.description}) cannot hold ${dtype}; it supports ${[...backend.dtypes].join(', ')}`,
    );
  }
}

/** A view of `t` broadcast to `shape` (stride 0 on repeated axes). @internal */
export function broadcastView(t: Tensor, shape: Shape, op: string): View {
  const v = t.view(op);
  if (shapesEqual(t.shape, shape)) return v;
  const lead = shape.length - t.rank;
  const strides = shape.map((d, i) => (i < lead || t.shape[i - lead] === 1 ? 0 : t.strides[i - lead]));
  return { ...v, shape, strides };
}

