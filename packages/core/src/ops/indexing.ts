import { computeDType, isFloat } from '../dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import { composite } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { backendOf, plain, result } from './apply.js';
import { cast } from './elementwise.js';

function checkIndex(op: string, index: Tensor): void {
  if (index.dtype !== 'i32' && index.dtype !== 'u32') throw new DTypeError(`${op}: expected an i32 or u32 index, got ${index.dtype}`);
}

/**
 * Selects entries along `axis` by an integer index tensor of any rank (`index_select` generalised):
 * the result's shape is `x.shape` with `axis` replaced by `index.shape`. Out-of-range indices read 0.
 *
 * @example
 * ```ts
 * gather(embeddings, ids, 0); // [vocab, d] with ids [b, s] -> [b, s, d]
 * ```
 */
export function gather(x: Tensor, index: Tensor, axis: number): Tensor {
  checkIndex('gather', index);
  const a = normalizeAxis(axis, x.rank, 'gather');
  const backend = backendOf('gather', x, index);
  const shape = [...x.shape.slice(0, a), ...index.shape, ...x.shape.slice(a + 1)];
  const buf = backend.gather(x.view('gather'), index.view('gather'), a);
  if (!isFloat(x.dtype)) return plain(backend, buf, shape, x.dtype);
  return result('gather', [x, index], { axis: a }, backend, buf, shape, computeDType(x.dtype));
}

/**
 * The adjoint of {@link gather}: adds the slices of `src` into a zero tensor whose `axis` has
 * `axisSize` entries, at the positions `index` names (repeated indices accumulate).
 *
 * @example
 * ```ts
 * scatterAdd(gradRows, ids, 0, vocabSize); // the embedding gradient
 * ```
 */
export function scatterAdd(src: Tensor, index: Tensor, axis: number, axisSize: number): Tensor {
  checkIndex('scatterAdd', index);
  if (!isFloat(src.dtype)) throw new DTypeError(`scatterAdd: expected a floating-point source, got ${src.dtype}`);
  const outRank = src.rank - index.rank + 1;
  const a = normalizeAxis(axis, outRank, 'scatterAdd');
  const idxShape = src.shape.slice(a, a + index.rank);
  if (idxShape.length !== index.rank || idxShape.some((d, i) => d !== index.shape[i])) {
    throw new ShapeError(`scatterAdd: source ${fmtShape(src.shape)} does not hold index ${fmtShape(index.shape)} at axis ${a}`);
  }
  const backend = backendOf('scatterAdd', src, index);
  const shape = [...src.shape.slice(0, a), axisSize, ...src.shape.slice(a + index.rank)];
  const buf = backend.scatterAdd(src.view('scatterAdd'), index.view('scatterAdd'), a, axisSize);
  return result('scatterAdd', [src, index], { axis: a }, backend, buf, shape, computeDType(src.dtype));
}

/**
 * Looks up rows of an embedding table. A 16-bit table (a checkpoint's frozen f16 or bf16 embedding)
 * is read widened: the rows come back in f32, where the model computes.
 *
 * @example
 * ```ts
 * const h = embedding(wte, inputIds); // [b, s, d]
 * ```
 */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  if (weight.rank !== 2) throw new ShapeError(`embedding: expected a [vocab, dim] table, got ${fmtShape(weight.shape)}`);
  if (weight.dtype === 'f16') return composite(() => cast(gather(weight, ids, 0), 'f32'));
  return gather(weight, ids, 0);
}

/**
 * Zeros of `shape` with `x` placed at `starts + i * steps`: the adjoint of a strided slice.
 *
 * @example
 * ```ts
 * pad(x, [4, 4], [1, 1], [1, 1]); // x (2x2) in the middle of a 4x4 zero matrix
 * ```
 */
export function pad(x: Tensor, shape: readonly number[], starts: readonly number[], steps?: readonly number[]): Tensor {
  const st = steps ?? shape.map(() => 1);
  if (shape.length !== x.rank || starts.length !== x.rank || st.length !== x.rank) {
    throw new ShapeError(`pad: expected shape, starts and steps of rank ${x.rank}, got ${fmtShape(shape)}`);
  }
  for (let i = 0; i < x.rank; i++) {
    const last = starts[i] + (x.shape[i] - 1) * st[i];
    if (x.shape[i] > 0 && (starts[i] < 0 || last >= shape[i])) {
      throw new ShapeError(`pad: ${fmtShape(x.shape)} placed at ${fmtShape(starts)} does not fit in ${fmtShape(shape)}`);
    }
  }
  const backend = x.liveStorage('pad').backend;
  const buf = backend.pad(x.view('pad'), shape, starts, st);
  return result('pad', [x], { starts: [...starts], steps: [...st] }, backend, buf, shape, computeDType(x.dtype));
}
