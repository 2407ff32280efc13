import type { View } from '../../backend-interface.js';
import { type DType, gpuBytesPerElement } from '../../dtype.js';
import { DeviceError } from '../../errors.js';
import { type Shape, contiguousStrides, shapeSize } from '../../shape.js';
import { type Bindable, BufferWindow } from './buffer-window.js';
import { copyKernel } from './kernels/elementwise.js';
import type { Kernel } from './kernels/wgsl.js';

/**
 * What the piece planner needs from the backend: the binding limit and alignment, the operand binder
 * and scratch buffers.
 *
 * @example
 * ```ts
 * const host: PieceHost = { maxBind: 1 << 27, align: 256, bind: (v) => backend.bind(v), scratch, recycle, copyBytes };
 * ```
 */
export interface PieceHost {
  /** Most bytes one binding may span. */
  readonly maxBind: number;
  /** Storage-buffer offset alignment, in bytes. */
  readonly align: number;
  /** The operand binding of a view, rebased to its window; null when its span exceeds {@link maxBind}. */
  bind(view: View): { view: View; buf: Bindable } | null;
  /** A scratch buffer of at least `bytes`. */
  scratch(bytes: number): GPUBuffer;
  /** Returns a scratch buffer. */
  recycle(buffer: GPUBuffer): void;
  /** Records a kernel on bound operands. */
  run(kernel: Kernel, buffers: readonly Bindable[]): void;
  /** A contiguous copy of `view` in a new buffer of the backend (cut into pieces as needed), and its release. */
  compact(view: View): { view: View; buf: GPUBuffer; release(): void };
}

/**
 * How one primitive is cut into pieces when its operands or output exceed a binding: `slice` maps a
 * range of an output axis onto the inputs (null when that axis cannot be cut), `leaf` records the kernel
 * on bound operands, and `inputSplit`, when given, handles an output that fits but an input that does not.
 *
 * @example
 * ```ts
 * const spec: PieceSpec = { op: 'exp', inputs: [x], outShape: x.shape, outDtype: 'f32', slice: sameAxes, leaf };
 * ```
 */
export interface PieceSpec {
  readonly op: string;
  readonly inputs: readonly View[];
  readonly outShape: Shape;
  readonly outDtype: DType;
  slice(inputs: readonly View[], axis: number, start: number, length: number): View[] | null;
  leaf(inputs: readonly View[], bufs: readonly Bindable[], shape: Shape, out: Bindable, outOffset: number): void;
  inputSplit?(inputs: readonly View[], shape: Shape, out: Bindable, outOffset: number): boolean;
  /** False for the copy that packing itself uses (packing inputs would recurse). Default true. */
  readonly packInputs?: boolean;
}

/**
 * The elements a view touches, `[lo, hi)` in its buffer (strides may be negative or zero).
 *
 * @example
 * ```ts
 * viewSpan({ shape: [3, 2], strides: [1, 3], offset: 4 } as View); // { lo: 4, hi: 10 }
 * ```
 */
export function viewSpan(view: Pick<View, 'shape' | 'strides' | 'offset'>): { lo: number; hi: number } {
  let lo = view.offset;
  let hi = view.offset;
  if (shapeSize(view.shape) === 0) return { lo, hi };
  view.shape.forEach((d, i) => {
    const reach = (d - 1) * view.strides[i];
    if (reach < 0) lo += reach;
    else hi += reach;
  });
  return { lo, hi: hi + 1 };
}

/**
 * `view` restricted to `[start, start + length)` along `axis` (no copy).
 *
 * @example
 * ```ts
 * sliceAxis(rows, 0, 128, 64); // rows 128..191
 * ```
 */
export function sliceAxis(view: View, axis: number, start: number, length: number): View {
  const shape = view.shape.slice();
  shape[axis] = length;
  return { ...view, shape, offset: view.offset + start * view.strides[axis] };
}

/** Every input cut along the same axis: elementwise kernels, whose inputs are broadcast to the output's shape. @example `spec.slice = sameAxes` */
export function sameAxes(inputs: readonly View[], axis: number, start: number, length: number): View[] {
  return inputs.map((v) => sliceAxis(v, axis, start, length));
}

/**
 * A contiguous view of `shape` at the start of a buffer (kernels read only shape, strides and offset).
 *
 * @example
 * ```ts
 * denseView([4, 8], 'f32'); // strides [8, 1], offset 0
 * ```
 */
export function denseView(shape: Shape, dtype: DType): View {
  return { buffer: { byteLength: 0 }, dtype, shape, strides: contiguousStrides(shape), offset: 0 };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * The window of `buffer` holding a view: its start aligned down to `align`, its length rounded up to
 * whole 16-byte words (within the buffer). Null when the span does not fit `maxBind`.
 *
 * @example
 * ```ts
 * windowOf(view, buffer, 4, 256, 1 << 27);
 * ```
 */
export function windowOf(view: View, buffer: GPUBuffer, align: number, maxBind: number): { view: View; buf: Bindable } | null {
  const bpe = gpuBytesPerElement(view.dtype);
  const { lo, hi } = viewSpan(view);
  const start = Math.floor((lo * bpe) / align) * align;
  const size = Math.min(buffer.size - start, Math.ceil((hi * bpe - start) / 16) * 16);
  if (size > maxBind) return null;
  return { view: { ...view, offset: view.offset - start / bpe }, buf: new BufferWindow(buffer, start, Math.max(size, 4)) };
}

/**
 * Records `spec` on `out` (a device buffer of the whole output, possibly larger than one binding):
 * when the output and every input bind, one leaf; otherwise the output is cut along its leading axes
 * into pieces whose rows start on the device's offset alignment (or go through a scratch buffer and
 * a copy when they cannot), and inputs too large for an output that fits go to `spec.inputSplit`.
 * Throws a {@link DeviceError} `OUT_OF_MEMORY` naming the op and shapes when no cut helps.
 *
 * @example
 * ```ts
 * recordInPieces(host, spec, out.buffer);
 * ```
 */
export function recordInPieces(host: PieceHost, spec: PieceSpec, out: GPUBuffer): void {
  const obpe = gpuBytesPerElement(spec.outDtype);

  const window = (start: number, bytes: number): BufferWindow => new BufferWindow(out, start, Math.min(out.size - start, Math.ceil(bytes / 16) * 16));
  const withOut = (offset: number, shape: Shape, fn: (ob: Bindable) => void): void => {
    const bytes = shapeSize(shape) * obpe;
    const byteOffset = offset * obpe;
    if (byteOffset === 0 && out.size <= host.maxBind) return fn(out);
    if (byteOffset % host.align === 0) return fn(window(byteOffset, bytes));
    // a piece that starts off the alignment: computed in scratch, then copied element by element
    const tmp = host.scratch(bytes);
    fn(tmp);
    const start = byteOffset - (byteOffset % host.align);
    const into = { strides: contiguousStrides(shape), offset: (byteOffset - start) / obpe };
    host.run(copyKernel(denseView(shape, spec.outDtype), spec.outDtype, into), [tmp, window(start, byteOffset - start + bytes)]);
    host.recycle(tmp);
  };

  const piece = (inputs: readonly View[], shape: Shape, offset: number): void => {
    const n = shapeSize(shape);
    if (n === 0) return;
    const bytes = n * obpe;
    // half a binding at most, so an unaligned piece still fits the window it is copied into
    if (bytes <= host.maxBind / 2) {
      const bound = inputs.map((v) => host.bind(v));
      if (bound.every((b) => b !== null)) {
        const b = bound as { view: View; buf: Bindable }[];
        withOut(offset, shape, (ob) => spec.leaf(b.map((x) => x.view), b.map((x) => x.buf), shape, ob, offset));
        return;
      }
      let handled = false;
      if (spec.inputSplit) withOut(offset, shape, (ob) => (handled = spec.inputSplit!(inputs, shape, ob, offset)));
      if (handled) return;
      // strided inputs whose elements would fit once packed: pack them
      const loose = inputs.map((v, i) => (bound[i] ? null : v));
      if (spec.packInputs !== false && loose.every((v) => !v || shapeSize(v.shape) * gpuBytesPerElement(v.dtype) <= host.maxBind / 2)) {
        const packed = loose.map((v) => (v ? host.compact(v) : null));
        const views = inputs.map((v, i) => packed[i]?.view ?? bound[i]!.view);
        const bufs = inputs.map((_, i) => packed[i]?.buf ?? bound[i]!.buf);
        withOut(offset, shape, (ob) => spec.leaf(views, bufs, shape, ob, offset));
        for (const p of packed) p?.release();
        return;
      }
    }
    // pieces are runs of whole rows of the leading axis longer than 1, so each is contiguous in the output
    const axis = shape.findIndex((d) => d > 1);
    if (axis >= 0 && spec.slice(inputs, axis, 0, 1)) {
      const rowElems = shapeSize(shape.slice(axis + 1));
      let rows = bytes <= host.maxBind / 2 ? Math.ceil(shape[axis] / 2) : Math.floor(host.maxBind / 2 / (rowElems * obpe));
      rows = Math.max(1, Math.min(rows, shape[axis] - 1));
      const quantum = host.align / gcd(rowElems * obpe, host.align);
      if (rows >= quantum) rows -= rows % quantum;
      for (let s = 0; s < shape[axis]; s += rows) {
        const len = Math.min(rows, shape[axis] - s);
        const part = shape.slice();
        part[axis] = len;
        piece(spec.slice(inputs, axis, s, len)!, part, offset + s * rowElems);
      }
      return;
    }
    const sizes = inputs.map((v) => `${v.dtype}${JSON.stringify(v.shape)}`).join(', ');
    throw new DeviceError(
      'OUT_OF_MEMORY',
      `webgpu ${spec.op}: an operand (${sizes} → ${spec.outDtype}${JSON.stringify(spec.outShape)}) spans more than one binding of this device (${host.maxBind} bytes) and this op cannot be cut into pieces that fit; keep such tensors below the limit (a smaller batch or max_length for activations)`,
    );
  };

  piece(spec.inputs, spec.outShape, 0);
}
