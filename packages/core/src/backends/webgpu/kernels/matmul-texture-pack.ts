/**
 * Getting matmul operands into the rgba32float texture arrays that `matmul-texture.ts` reads.
 *
 * An operand is seen as a stack of 2-D planes `P[layer][y][q]` (q is the packed axis, four of them
 * per texel). When its memory already is such a stack with 256-byte aligned rows, a
 * `copyBufferToTexture` moves it as is ({@link texelCopyPlan}); otherwise a packing pass
 * ({@link texturePackSource}) gathers it through its strides, converts f16 to f32 and pads the
 * packed axis with zeros.
 *
 * @packageDocumentation
 */
import { collapse } from './strided-walk.js';
import { header } from './wgsl.js';

/**
 * One operand as the packer sees it: `layers` planes of `rows x q` elements, element (layer, y, q) at
 * `offset + layerOffset(layer) + y * rowStride + q * qStride`. Batch axes are given as sizes and
 * strides (innermost last); their walk yields `layerOffset`.
 *
 * @example
 * ```ts
 * // A [2, 64, 96] contiguous, packed along k: planes of 64 rows, q = k
 * const p: PackPlane = { rows: 64, q: 96, rowStride: 96, qStride: 1, offset: 0, batchSizes: [2], batchStrides: [6144] };
 * ```
 */
export interface PackPlane {
  readonly rows: number;
  readonly q: number;
  readonly rowStride: number;
  readonly qStride: number;
  readonly offset: number;
  readonly batchSizes: readonly number[];
  readonly batchStrides: readonly number[];
}

/** Batch axes the packing pass walks (after merging); more fall back to another kernel. @example `MAX_PACK_BATCH_AXES === 3` */
export const MAX_PACK_BATCH_AXES = 3;

/** Batch axes after merging those that step through memory as one and dropping size-1 axes. */
function mergeBatchAxes(sizes: readonly number[], strides: readonly number[]): { sizes: number[]; strides: number[] } {
  const c = collapse(sizes, [strides]);
  return { sizes: c.shape, strides: c.strides[0] };
}

/**
 * Parameters of a `copyBufferToTexture` that lays the plane out directly, or null when the memory
 * is not such a stack: the packed axis must be unit-stride with `q` a multiple of 4 (no padding to
 * write), rows 256-byte aligned, the offset 16-byte aligned and the layers evenly spaced (or a single
 * layer). `bufferBytes` guards against reading past the end of the buffer.
 *
 * @example
 * ```ts
 * texelCopyPlan({ rows: 64, q: 128, rowStride: 128, qStride: 1, offset: 0, batchSizes: [], batchStrides: [] }, 32768);
 * // { offsetBytes: 0, bytesPerRow: 512, rowsPerImage: 64, layers: 1 }
 * ```
 */
export function texelCopyPlan(
  p: PackPlane,
  bufferBytes: number,
): { offsetBytes: number; bytesPerRow: number; rowsPerImage: number; layers: number } | null {
  if (p.qStride !== 1 || p.q % 4 !== 0 || p.rowStride < p.q) return null;
  const bytesPerRow = p.rowStride * 4;
  if (bytesPerRow % 256 !== 0 || (p.offset * 4) % 16 !== 0) return null;
  const { sizes, strides } = mergeBatchAxes(p.batchSizes, p.batchStrides);
  if (sizes.length > 1) return null;
  const layers = sizes.length ? sizes[0] : 1;
  if (layers > 1 && strides[0] !== p.rowStride * p.rows) return null;
  const end = (p.offset + (layers * p.rows - 1) * p.rowStride + p.q) * 4;
  if (end > bufferBytes) return null;
  return { offsetBytes: p.offset * 4, bytesPerRow, rowsPerImage: p.rows, layers };
}

/** Number of parameter words of the packing pass. @example `PACK_WORDS === 16` */
export const PACK_WORDS = 16;

/**
 * Parameter words of {@link texturePackSource}: texture width in texels, rows, q, row stride, q
 * stride, offset, then size and stride of each merged batch axis (innermost last, padded to
 * {@link MAX_PACK_BATCH_AXES}). Returns null when the batch axes do not merge into that many.
 *
 * @example
 * ```ts
 * texturePackWords(plane);
 * ```
 */
export function texturePackWords(p: PackPlane): number[] | null {
  const { sizes, strides } = mergeBatchAxes(p.batchSizes, p.batchStrides);
  if (sizes.length > MAX_PACK_BATCH_AXES) return null;
  const words = [Math.ceil(p.q / 4), p.rows, p.q, p.rowStride, p.qStride, p.offset, 0, 0];
  for (let i = 0; i < MAX_PACK_BATCH_AXES; i++) {
    const at = sizes.length - MAX_PACK_BATCH_AXES + i;
    words.push(at >= 0 ? sizes[at] : 1, at >= 0 ? strides[at] : 0);
  }
  words.push(0, 0);
  return words;
}

/**
 * WGSL of the packing pass: one invocation per texel, reading four elements through the plane's
 * strides (zero past `q`) and storing them to layer `z` of a write-only rgba32float texture array.
 * Bindings: 0 parameters ({@link texturePackWords}), 1 the source buffer, 2 the texture. Dispatch
 * `[ceil(width / 64), rows, layers]` workgroups; `rows` and `layers` must fit a grid dimension.
 *
 * @example
 * ```ts
 * const wgsl = texturePackSource('f32');
 * ```
 */
export function texturePackSource(src: 'f32' | 'f16'): string {
  const ld = (e: string): string => (src === 'f16' ? `f32(X[${e}])` : `X[${e}]`);
  return `${header([src], PACK_WORDS)}@group(0) @binding(1) var<storage, read> X: array<${src}>;
@group(0) @binding(2) var T: texture_storage_2d_array<rgba32float, write>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let width = P.w[0].x;
  if (gid.x >= width) { return; }
  let Q = P.w[0].z;
  var layer = gid.z;
  var off = P.w[1].y;
  off += (layer % P.w[3].x) * P.w[3].y;
  layer /= P.w[3].x;
  off += (layer % P.w[2].z) * P.w[2].w;
  layer /= P.w[2].z;
  off += layer * P.w[2].y;
  off += gid.y * P.w[0].w;
  let q0 = gid.x * 4u;
  let sq = P.w[1].x;
  var v = vec4f(0.0);
  if (q0 + 3u < Q) {
    v = vec4f(${ld('off + q0 * sq')}, ${ld('off + (q0 + 1u) * sq')}, ${ld('off + (q0 + 2u) * sq')}, ${ld('off + (q0 + 3u) * sq')});
  } else {
    if (q0 < Q) { v.x = ${ld('off + q0 * sq')}; }
    if (q0 + 1u < Q) { v.y = ${ld('off + (q0 + 1u) * sq')}; }
    if (q0 + 2u < Q) { v.z = ${ld('off + (q0 + 2u) * sq')}; }
  }
  textureStore(T, vec2u(gid.x, gid.y), gid.z, v);
}
`;
}
