import type { Backend, BinaryOp, BufferHandle, CompareOp, MemoryInfo, ReduceOp, UnaryOp, View } from '../../backend-interface.js';
import { type DType, type TypedArray, computeDType, hostArray, isFloat, resultDType } from '../../dtype.js';
import { bf16ToF32Array, f16ToF32Array } from '../../io/float-bits.js';
import { BINARY, COMPARE } from '../../kernels/binary.js';
import { dropoutThreshold, hash32 } from '../../kernels/random-hash.js';
import { UNARY } from '../../kernels/unary.js';
import type { Shape } from '../../shape.js';
import { shapeSize } from '../../shape.js';
import { CpuBuffer, arrayOf, finishOut, outArray } from './cpu-buffer.js';
import { cpuConcat, cpuGather, cpuPad, cpuScatterAdd } from './cpu-indexing.js';
import { cpuMatmul } from './cpu-matmul.js';
import { cpuReduce } from './cpu-reduce.js';
import { at, stridedOffsets } from './strided.js';

const ALL_DTYPES: ReadonlySet<DType> = new Set(['f32', 'f16', 'bf16', 'i32', 'u32', 'bool']);

/**
 * Options of {@link createCpuBackend}.
 *
 * @example
 * ```ts
 * const exact = createCpuBackend({ precision: 'f64' });
 * ```
 */
export interface CpuBackendOptions {
  /**
   * `'f32'` (default) stores f32 tensors as float32, as every other backend does. `'f64'` keeps them
   * in float64 between kernels (reads still return Float32Array): a reference for accuracy checks
   * and finite-difference gradients, where float32 rounding would drown the signal.
   */
  precision?: 'f32' | 'f64';
}

/**
 * The exact reference backend in plain TypeScript. Every WebGPU kernel is tested against it, and it
 * is the fallback where no WebGPU adapter exists. It computes in float64 and stores float32 (or
 * values rounded to f16 or bf16 for those dtypes), so it is the accurate side of every comparison.
 *
 * @example
 * ```ts
 * const cpu = createCpuBackend();
 * setBackend(cpu);
 * ```
 */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly description: string;
  readonly dtypes = ALL_DTYPES;
  /** True when f32 tensors are held in float64 (`precision: 'f64'`). */
  readonly wide: boolean;
  private live = 0;
  private liveBytes = 0;
  private peakBytes = 0;

  constructor(opts: CpuBackendOptions = {}) {
    this.wide = opts.precision === 'f64';
    this.description = this.wide ? 'cpu (TypeScript reference, float64)' : 'cpu (TypeScript reference)';
  }

  /**
   * For kernel authors: takes a buffer a CPU kernel made (with `outArray` and `finishOut` from
   * `@peft/core/backend`) into this backend's memory accounting and returns it as the kernel's output.
   * Read inputs with `arrayOf(view)`; honour {@link CpuBackend.wide} when allocating float outputs.
   *
   * @example
   * ```ts
   * const out = outArray('f32', n, cpu.wide);
   * // ... fill out from arrayOf(x) ...
   * return cpu.adopt(finishOut('f32', out));
   * ```
   */
  adopt(b: CpuBuffer): CpuBuffer {
    this.live++;
    this.liveBytes += b.byteLength;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
    return b;
  }

  upload(data: TypedArray, dtype: DType): BufferHandle {
    const out = outArray(dtype, data.length, this.wide);
    if (data instanceof Uint16Array && (dtype === 'f16' || dtype === 'bf16')) {
      // 16-bit float bits, as a checkpoint stores them: widened exactly
      (dtype === 'f16' ? f16ToF32Array : bf16ToF32Array)(data, new Uint32Array(out.buffer, out.byteOffset, out.length));
      return this.adopt(new CpuBuffer(out));
    }
    out.set(data);
    return this.adopt(finishOut(dtype, out));
  }

  async read(view: View): Promise<TypedArray> {
    const src = arrayOf(view);
    const n = shapeSize(view.shape);
    const out = hostArray(view.dtype, n) as TypedArray;
    const offs = stridedOffsets(view);
    if (!offs) out.set(src.subarray(view.offset, view.offset + n));
    else for (let i = 0; i < n; i++) out[i] = src[offs[i]];
    return out;
  }

  release(buffer: BufferHandle): void {
    const b = buffer as CpuBuffer;
    if (b.released) return;
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

  flush(): void {}
  async sync(): Promise<void> {}
  destroy(): void {}

  fill(size: number, dtype: DType, value: number): BufferHandle {
    const out = outArray(dtype, size, this.wide);
    out.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
    return this.adopt(finishOut(dtype, out));
  }

  copy(x: View, dtype: DType): BufferHandle {
    const src = arrayOf(x);
    const n = shapeSize(x.shape);
    const out = outArray(dtype, n, this.wide);
    const offs = stridedOffsets(x);
    const toInt = !isFloat(dtype) && isFloat(x.dtype);
    for (let i = 0; i < n; i++) {
      const v = src[at(offs, x.offset, i)];
      out[i] = dtype === 'bool' ? (v !== 0 ? 1 : 0) : toInt ? floatToInt(v, dtype) : v;
    }
    return this.adopt(finishOut(dtype, out));
  }

  unary(op: UnaryOp, x: View): BufferHandle {
    const f = UNARY[op].cpu;
    return this.map1(x, computeDType(x.dtype), f);
  }

  binary(op: BinaryOp, a: View, b: View, outShape: Shape): BufferHandle {
    const def = BINARY[op];
    const f = isFloat(a.dtype) ? def.cpu : def.int!.cpu;
    return this.map2(a, b, outShape, resultDType([a.dtype, b.dtype]) ?? a.dtype, f);
  }

  compare(op: CompareOp, a: View, b: View, outShape: Shape): BufferHandle {
    const f = COMPARE[op].cpu;
    return this.map2(a, b, outShape, 'bool', (x, y) => (f(x, y) ? 1 : 0));
  }

  where(cond: View, a: View, b: View, outShape: Shape): BufferHandle {
    const n = shapeSize(outShape);
    const [c, av, bv] = [arrayOf(cond), arrayOf(a), arrayOf(b)];
    const [oc, oa, ob] = [stridedOffsets(cond), stridedOffsets(a), stridedOffsets(b)];
    const dtype = resultDType([a.dtype, b.dtype]) ?? a.dtype;
    const out = outArray(dtype, n, this.wide);
    for (let i = 0; i < n; i++) {
      out[i] = c[at(oc, cond.offset, i)] ? av[at(oa, a.offset, i)] : bv[at(ob, b.offset, i)];
    }
    return this.adopt(finishOut(dtype, out));
  }

  reduce(op: ReduceOp, x: View, axes: readonly number[]): BufferHandle {
    return this.adopt(cpuReduce(op, x, axes, this.wide));
  }

  matmul(a: View, b: View): BufferHandle {
    return this.adopt(cpuMatmul(a, b, this.wide));
  }

  gather(x: View, index: View, axis: number): BufferHandle {
    return this.adopt(cpuGather(x, index, axis, this.wide));
  }

  scatterAdd(src: View, index: View, axis: number, axisSize: number): BufferHandle {
    return this.adopt(cpuScatterAdd(src, index, axis, axisSize, this.wide));
  }

  concat(xs: readonly View[], axis: number): BufferHandle {
    return this.adopt(cpuConcat(xs, axis, this.wide));
  }

  pad(x: View, outShape: Shape, starts: readonly number[], steps: readonly number[]): BufferHandle {
    return this.adopt(cpuPad(x, outShape, starts, steps, this.wide));
  }

  dropout(x: View, p: number, seed: number): BufferHandle {
    const threshold = dropoutThreshold(p);
    const scale = Math.fround(1 / (1 - p));
    const s = seed >>> 0;
    let i = 0;
    return this.map1(x, computeDType(x.dtype), (v) => {
      const keep = hash32(s, i++) >>> 8 >= threshold;
      return keep ? v * scale : 0;
    });
  }

  private map1(x: View, dtype: DType, f: (v: number) => number): BufferHandle {
    const src = arrayOf(x);
    const n = shapeSize(x.shape);
    const out = outArray(dtype, n, this.wide);
    const offs = stridedOffsets(x);
    for (let i = 0; i < n; i++) out[i] = f(src[at(offs, x.offset, i)]);
    return this.adopt(finishOut(dtype, out));
  }

  private map2(a: View, b: View, shape: Shape, dtype: DType, f: (x: number, y: number) => number): BufferHandle {
    const n = shapeSize(shape);
    const [av, bv] = [arrayOf(a), arrayOf(b)];
    const [oa, ob] = [stridedOffsets(a), stridedOffsets(b)];
    const out = outArray(dtype, n, this.wide);
    for (let i = 0; i < n; i++) out[i] = f(av[at(oa, a.offset, i)], bv[at(ob, b.offset, i)]);
    return this.adopt(finishOut(dtype, out));
  }
}

/**
 * Float to integer conversion as WGSL defines it: truncate toward zero, then saturate to the range of
 * the integer type (negative values become 0 in u32). NaN becomes 0.
 */
function floatToInt(v: number, dtype: DType): number {
  if (v !== v) return 0;
  const t = Math.trunc(v);
  if (dtype === 'u32') return Math.min(Math.max(t, 0), 4294967295);
  return Math.min(Math.max(t, -2147483648), 2147483647);
}

/**
 * Creates a CPU reference backend.
 *
 * @example
 * ```ts
 * const cpu = createCpuBackend();
 * const x = zeros([2, 2], { backend: cpu });
 * ```
 */
export function createCpuBackend(opts?: CpuBackendOptions): CpuBackend {
  return new CpuBackend(opts);
}
