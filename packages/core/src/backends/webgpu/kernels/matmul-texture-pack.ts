/**
 * Getting matmul operands into the texel space `matmul-texture.ts` reads: a texture of width
 * `2^wShift` holding a linear run of rgba32float texels.
 *
 * An operand is seen as a stack of 2-D planes `P[batch][y][q]`, `q` being the axis packed four to a
 * texel. When `q` is unit-stride and every offset and stride is a multiple of 4, the buffer's own
 * bytes already are such texels, and a `copyBufferToTexture` of the span the view covers is all it
 * takes ({@link texelCopyPlan}); 16-bit operands go to textures of 16-bit texels the same way. Otherwise a packing pass ({@link texturePackSource}) gathers the
 * operand through its strides into compact planes (f16 widened to f32, `q` padded with zeros).
 *
 * @packageDocumentation
 */
import { collapse } from './strided-walk.js';
import { header, read, storageType } from './wgsl.js';

/**
 * One operand as the packer sees it: planes of `rows x q` elements, element (batch, y, q) at
 * `offset + batchOffset + y * rowStride + q * qStride`, the batch axes given by sizes and strides
 * (innermost last; stride 0 broadcasts).
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

/**
 * The texels a `copyBufferToTexture` takes straight from the buffer (the span of the view, four
 * elements per texel) and how the kernel then addresses the operand, or null when the buffer's bytes
 * are not texels of the plane: `q` must be unit-stride and a multiple of 4, the offset and the other
 * strides multiples of 4, and the span's last texel inside the buffer (`elementBytes` per element: 4
 * for f32, 2 for the 16-bit types).
 *
 * @example
 * ```ts
 * texelCopyPlan({ rows: 64, q: 128, rowStride: 128, qStride: 1, offset: 8, batchSizes: [], batchStrides: [] }, 1 << 16);
 * // { firstTexel: 2, texels: 2048, rowStride: 32, batchStrides: [] }
 * ```
 */
export function texelCopyPlan(p: PackPlane, bufferBytes: number, elementBytes = 4): { firstTexel: number; texels: number; rowStride: number; batchStrides: number[] } | null {
  if (p.qStride !== 1 || p.q % 4 !== 0 || p.q === 0 || p.rowStride % 4 !== 0 || p.offset % 4 !== 0) return null;
  if (p.batchStrides.some((s) => s % 4 !== 0)) return null;
  let end = p.offset + (p.rows - 1) * p.rowStride + p.q;
  p.batchSizes.forEach((size, i) => (end += (size - 1) * p.batchStrides[i]));
  if (end * elementBytes > bufferBytes) return null;
  return { firstTexel: p.offset / 4, texels: (end - p.offset) / 4, rowStride: p.rowStride / 4, batchStrides: p.batchStrides.map((s) => s / 4) };
}

/** Batch axes the packing pass walks (after merging); more fall back to another kernel. @example `MAX_PACK_BATCH_AXES === 3` */
export const MAX_PACK_BATCH_AXES = 3;

/** Number of parameter words of the packing pass. @example `PACK_WORDS === 16` */
export const PACK_WORDS = 16;

/**
 * Parameter words of {@link texturePackSource}: texels per plane row, rows, q, row stride, q
 * stride, offset, then size and stride of each merged batch axis (outermost first, padded to
 * {@link MAX_PACK_BATCH_AXES}). Returns null when the batch axes do not merge into that many.
 * The packed texels are compact: texel (batch z, row y, x) lands at `(z * rows + y) * width + x`.
 *
 * @example
 * ```ts
 * texturePackWords(plane);
 * ```
 */
export function texturePackWords(p: PackPlane): number[] | null {
  const c = collapse(p.batchSizes, [p.batchStrides]);
  const [sizes, strides] = [c.shape, c.strides[0]];
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
 * strides (zero past `q`) and storing them into a write-only rgba32float texture of width
 * `2^wShift`. Bindings: 0 parameters ({@link texturePackWords}), 1 the source buffer, 2 the
 * texture. Dispatch `[ceil(width / 64), rows, batches]` workgroups.
 *
 * @example
 * ```ts
 * const wgsl = texturePackSource('f32', 12);
 * ```
 */
export function texturePackSource(src: 'f32' | 'f16' | 'bf16', wShift: number): string {
  const ld = (e: string): string => read(src, 'X', e);
  return `${header([src], PACK_WORDS)}@group(0) @binding(1) var<storage, read> X: array<${storageType(src)}>;
@group(0) @binding(2) var T: texture_storage_2d<rgba32float, write>;
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
  let t = (gid.z * P.w[0].y + gid.y) * width + gid.x;
  textureStore(T, vec2u(t & ${(1 << wShift) - 1}u, t >> ${wShift}u), v);
}
`;
}
