import type { Backend, BufferHandle, View } from '../backend-interface.js';
import type { DType, TypedArray } from '../dtype.js';
import { contiguousStrides, shapeSize } from '../shape.js';
import { testRandom } from './numeric.js';

/**
 * Test helpers for comparing the WebGPU backend with the CPU reference kernel by kernel.
 * A {@link HostView} describes a buffer's contents and a view onto it; {@link onBoth} places it on
 * both backends, runs the same kernel and reads both results.
 *
 * @example
 * ```ts
 * const [g, c] = await onBoth(gpu, cpu, [hv], (b, [x]) => out(b.unary('exp', x), x.shape, 'f32'));
 * ```
 */
export interface HostView {
  /** The whole buffer's values. */
  readonly data: readonly number[];
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides?: readonly number[];
  readonly offset?: number;
}

/** A kernel result to read back: the buffer, its (contiguous) shape and dtype. @example `out(h, [2], 'f32')` */
export interface KernelOut {
  readonly buffer: BufferHandle;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** Shorthand for a {@link KernelOut}. @example `out(backend.fill(3, 'f32', 1), [3], 'f32')` */
export function out(buffer: BufferHandle, shape: readonly number[], dtype: DType): KernelOut {
  return { buffer, shape, dtype };
}

/** A deterministic pseudo-random generator for test data. @example `const r = rng(1); r();` */
export const rng = testRandom;

/**
 * Values for a buffer of `n` elements of `dtype`: floats in [-2, 2), integers in [-50, 50) (u32 in
 * [0, 100)), bools 0/1.
 *
 * @example
 * ```ts
 * randomData('f32', 6, 1);
 * ```
 */
export function randomData(dtype: DType, n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const u = r();
    if (dtype === 'f32' || dtype === 'f16' || dtype === 'bf16') return Math.fround(u * 4 - 2);
    if (dtype === 'i32') return Math.floor(u * 100) - 50;
    if (dtype === 'u32') return Math.floor(u * 100);
    return u < 0.5 ? 0 : 1;
  });
}

/**
 * A contiguous host view of random values.
 *
 * @example
 * ```ts
 * dense('f32', [3, 4], 7);
 * ```
 */
export function dense(dtype: DType, shape: readonly number[], seed = 1): HostView {
  return { data: randomData(dtype, shapeSize(shape), seed), dtype, shape };
}

/**
 * The view `perm` of a fresh random buffer laid out as `base` (a transpose without a copy).
 *
 * @example
 * ```ts
 * permuted('f32', [3, 5], [1, 0]); // shape [5, 3], strides [1, 5]
 * ```
 */
export function permuted(dtype: DType, base: readonly number[], perm: readonly number[], seed = 2): HostView {
  const s = contiguousStrides(base);
  return { data: randomData(dtype, shapeSize(base), seed), dtype, shape: perm.map((p) => base[p]), strides: perm.map((p) => s[p]) };
}

/** Uploads a host view's buffer to a backend and returns the view. @example `place(gpu, hv)` */
export function place(backend: Backend, hv: HostView): View {
  const n = hv.data.length;
  const host = hv.dtype === 'f32' || hv.dtype === 'f16' || hv.dtype === 'bf16' ? new Float32Array(n) : hv.dtype === 'i32' ? new Int32Array(n) : hv.dtype === 'u32' ? new Uint32Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) host[i] = hv.data[i];
  const buffer = backend.upload(host, hv.dtype);
  return { buffer, dtype: hv.dtype, shape: hv.shape, strides: hv.strides ?? contiguousStrides(hv.shape), offset: hv.offset ?? 0 };
}

/** Reads a kernel result contiguously. @example `await readOut(gpu, o)` */
export function readOut(backend: Backend, o: KernelOut): Promise<TypedArray> {
  return backend.read({ buffer: o.buffer, dtype: o.dtype, shape: o.shape, strides: contiguousStrides(o.shape), offset: 0 });
}

/**
 * Runs one kernel on both backends with the same inputs and returns both results (GPU first),
 * releasing every buffer it made.
 *
 * @example
 * ```ts
 * const [g, c] = await onBoth(gpu, cpu, [a, b], (be, [x, y]) => out(be.binary('add', x, y, [3]), [3], 'f32'));
 * ```
 */
export async function onBoth(
  gpu: Backend,
  cpu: Backend,
  inputs: readonly HostView[],
  run: (backend: Backend, views: View[]) => KernelOut,
): Promise<[TypedArray, TypedArray]> {
  const results: TypedArray[] = [];
  for (const backend of [gpu, cpu]) {
    const views = inputs.map((hv) => place(backend, hv));
    const o = run(backend, views);
    results.push(await readOut(backend, o));
    backend.release(o.buffer);
    for (const v of views) backend.release(v.buffer);
  }
  return [results[0], results[1]];
}

/**
 * Places a host view on both backends and reads the view itself (strided reads), GPU result first.
 *
 * @example
 * ```ts
 * const [g, c] = await readBoth(gpu, cpu, permuted('f32', [3, 4], [1, 0]));
 * ```
 */
export async function readBoth(gpu: Backend, cpu: Backend, hv: HostView): Promise<[TypedArray, TypedArray]> {
  const results: TypedArray[] = [];
  for (const backend of [gpu, cpu]) {
    const v = place(backend, hv);
    results.push(await backend.read(v));
    backend.release(v.buffer);
  }
  return [results[0], results[1]];
}

/**
 * Largest difference between two results relative to `1 + |expected|`; NaNs must match as NaNs.
 *
 * @example
 * ```ts
 * expect(maxError(g, c)).toBeLessThan(1e-6);
 * ```
 */
export function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (!(Number.isNaN(e) && Number.isNaN(a))) return Infinity;
      continue;
    }
    if (a === e) continue;
    if (!Number.isFinite(a) || !Number.isFinite(e)) return Infinity;
    worst = Math.max(worst, Math.abs(a - e) / (1 + Math.abs(e)));
  }
  return worst;
}
