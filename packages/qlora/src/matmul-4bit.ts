import { ArgumentError, DTypeError, ShapeError, type Tensor } from '@peft/core';
import { contiguous, customFunction, fmtShape } from '@peft/core/plugin';
import { findKernel, tensorFromBuffer } from '@peft/core/backend';
import { MATMUL_4BIT_KERNEL } from './kernels/matmul-4bit-kernel.js';
import type { Matmul4bit } from './kernels/matmul-4bit-spec.js';

/**
 * `x @ D` (or `x @ Dᵀ` with `q.transpose`) where `D` is a 4-bit quantised matrix (see
 * {@link Matmul4bit}) that the backend dequantises inside its kernel. `x` is f32 `[..., K]`, `packed`
 * the u32 code words (`ceil(rows·cols / 8)`), `absmax` the f32 block scales — or, with `q.nested`
 * (double quantisation), the u32 words of the 8-bit scale codes, with `nestedAbsmax` their f32 outer
 * scales. The quantised matrix is frozen: gradients flow to `x` only.
 *
 * @example
 * ```ts
 * const y = matmul4bit(x, packed, absmax, { code: NF4, blocksize: 64, rows: 96, cols: 32, transpose: true }); // [..., 96]
 * ```
 */
export function matmul4bit(x: Tensor, packed: Tensor, absmax: Tensor, q: Matmul4bit, nestedAbsmax?: Tensor): Tensor {
  const backend = x.liveStorage('matmul4bit').backend;
  for (const t of [packed, absmax, ...(nestedAbsmax ? [nestedAbsmax] : [])]) {
    const tb = t.liveStorage('matmul4bit').backend;
    if (tb !== backend) {
      const got = tb.name === backend.name ? `two different ${backend.name} backend instances` : `${backend.name} and ${tb.name}`;
      throw new ArgumentError(`matmul4bit: expected all tensors on one backend, got ${got}`);
    }
  }
  const kernel = findKernel(backend, MATMUL_4BIT_KERNEL);
  if (!kernel) throw new ArgumentError(`matmul4bit: the ${backend.name} backend has no 4-bit matmul`);
  const scaleType = q.nested ? 'u32' : 'f32';
  if (x.dtype !== 'f32' || packed.dtype !== 'u32' || absmax.dtype !== scaleType) {
    throw new DTypeError(`matmul4bit: expected x f32, packed u32, absmax ${scaleType}, got ${x.dtype}, ${packed.dtype}, ${absmax.dtype}`);
  }
  if (q.nested && (!nestedAbsmax || nestedAbsmax.dtype !== 'f32' || q.nested.code.length !== 256 || (q.nested.blocksize & (q.nested.blocksize - 1)) !== 0)) {
    throw new ArgumentError('matmul4bit: double-quantised scales need an f32 nestedAbsmax, a code table of 256 values and a power-of-two nested blocksize');
  }
  if (!Number.isInteger(q.blocksize) || q.blocksize < 8 || (q.blocksize & (q.blocksize - 1)) !== 0) {
    throw new ArgumentError(`matmul4bit: expected a power-of-two blocksize of at least 8, got ${q.blocksize}`);
  }
  if (q.code.length !== 16) throw new ArgumentError(`matmul4bit: expected a code table of 16 values, got ${q.code.length}`);
  const k = q.transpose ? q.cols : q.rows;
  const n = q.transpose ? q.rows : q.cols;
  const numel = q.rows * q.cols;
  if (x.rank < 1 || x.shape[x.rank - 1] !== k) {
    throw new ShapeError(`matmul4bit: x must end in the inner size ${k}, got x ${fmtShape(x.shape)}`);
  }
  const scalesPerWord = q.nested ? 4 : 1;
  if (packed.size * 8 < numel || absmax.size * scalesPerWord * q.blocksize < numel) {
    throw new ShapeError(
      `matmul4bit: a [${q.rows}, ${q.cols}] matrix needs ${Math.ceil(numel / 8)} code words and ${Math.ceil(numel / q.blocksize)} scales, got ${packed.size} and ${absmax.size}`,
    );
  }
  const nested = nestedAbsmax && q.nested ? nestedAbsmax : undefined;
  const dense = (t: Tensor): Tensor => (t.isContiguous ? t : contiguous(t));
  // the quantised matrix is frozen; dx is the same product against the other orientation of D
  return customFunction(
    'matmul4bit',
    nested ? [x, packed, absmax, nested] : [x, packed, absmax],
    (xi, pi, ai, ni) => {
      const buf = kernel(backend, dense(xi).view('matmul4bit'), dense(pi).view('matmul4bit'), dense(ai).view('matmul4bit'), q, ni && dense(ni).view('matmul4bit'));
      return tensorFromBuffer(backend, buf, [...x.shape.slice(0, -1), n], 'f32');
    },
    (g, [xi, pi, ai, ni]) => [xi.requiresGrad ? matmul4bit(g, pi, ai, { ...q, transpose: !q.transpose }, ni) : null, null, null, ...(ni ? [null] : [])],
  );
}
