import type { View } from '../../../backend-interface.js';
import { planWalk, walkOffsets } from './strided-walk.js';
import { matmulOutDType } from './matmul-dtype.js';
import { type Kernel, binding, header, read, store, word } from './wgsl.js';

/** Output tile of one workgroup (square) and the depth of one shared-memory step. */
const TILE = 64;
const DEPTH = 16;
/** Each of the 16 x 16 invocations computes a 4 x 4 block of the 64 x 64 tile. */
const THREADS = 256;

/**
 * The matmul for hardware GPUs: a workgroup computes a 64 x 64 output tile, staging 64 x 16 slices of
 * both operands in workgroup memory so every value read from global memory feeds 64 products.
 * Operands are read through their strides (transposes are no copies); the staging loop is laid out
 * so that consecutive invocations read consecutive addresses along whichever axis of an operand is
 * unit-stride. Edges are clamped on load and masked on store, so any m, n, k work. Floats only
 * (f16 is widened to f32).
 *
 * On CPU adapters such as lavapipe this is the wrong choice: its barriers turn every invocation
 * into a coroutine (about 0.4 GFLOP/s there); see `matmul-texture.ts`.
 *
 * @example
 * ```ts
 * runner.run(tiledMatmulKernel(a, b, 0, batches), [aBuf, bBuf, outBuf]);
 * ```
 */
export function tiledMatmulKernel(a: View, b: View, zBase: number, zCount: number): Kernel {
  const r = a.shape.length;
  const [m, k, n] = [a.shape[r - 2], a.shape[r - 1], b.shape[r - 1]];
  const [sam, sak, sbk, sbn] = [a.strides[r - 2], a.strides[r - 1], b.strides[r - 2], b.strides[r - 1]];
  const walk = planWalk(a.shape.slice(0, -2), [
    { strides: a.strides.slice(0, -2), offset: a.offset },
    { strides: b.strides.slice(0, -2), offset: b.offset },
  ]);
  // which axis consecutive invocations walk while staging: the unit-stride one when there is one
  const aAlongK = sak === 1 || sam !== 1;
  const bAlongN = sbn === 1 || sbk !== 1;
  const words = [m, n, k, zBase, sam, sak, sbk, sbn, ...walk.words];
  const key = `matmul-tiled:${JSON.stringify([a.dtype, b.dtype, walk.sig, aAlongK, bAlongN])}`;
  const source = (): string => {
    const per = (TILE * DEPTH) / THREADS; // staged values per invocation and operand
    const out = matmulOutDType(a, b);
    let src = header([a.dtype, b.dtype, out], words.length);
    src += binding(1, 'A', a.dtype, 'read') + binding(2, 'B', b.dtype, 'read') + binding(3, 'C', out, 'write');
    src += `var<workgroup> As: array<vec4<f32>, ${(TILE * DEPTH) / 4}>;
var<workgroup> Bs: array<vec4<f32>, ${(TILE * DEPTH) / 4}>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let M = ${word(0)};
  let N = ${word(1)};
  let K = ${word(2)};
  let z = wid.z + ${word(3)};
  let sam = ${word(4)};
  let sak = ${word(5)};
  let sbk = ${word(6)};
  let sbn = ${word(7)};
${walkOffsets(walk.sig, 8, 'z', ['oa', 'ob'], 'z')}  let row0 = wid.y * ${TILE}u;
  let col0 = wid.x * ${TILE}u;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < K; k0 = k0 + ${DEPTH}u) {
`;
    for (let e = 0; e < per; e++) {
      const idx = `(t + ${e * THREADS}u)`;
      const [am, ak] = aAlongK ? [`${idx} / ${DEPTH}u`, `${idx} % ${DEPTH}u`] : [`${idx} % ${TILE}u`, `${idx} / ${TILE}u`];
      const [bk, bn] = bAlongN ? [`${idx} / ${TILE}u`, `${idx} % ${TILE}u`] : [`${idx} % ${DEPTH}u`, `${idx} / ${DEPTH}u`];
      src += `    {
      let am = ${am};
      let ak = ${ak};
      let ra = row0 + am;
      let ka = k0 + ak;
      let va = ${read(a.dtype, 'A', 'oa + min(ra, M - 1u) * sam + min(ka, K - 1u) * sak')};
      As[(ak * ${TILE}u + am) / 4u][am % 4u] = select(0.0, va, ra < M && ka < K);
      let bk = ${bk};
      let bn = ${bn};
      let kb = k0 + bk;
      let cb = col0 + bn;
      let vb = ${read(b.dtype, 'B', 'ob + min(kb, K - 1u) * sbk + min(cb, N - 1u) * sbn')};
      Bs[(bk * ${TILE}u + bn) / 4u][bn % 4u] = select(0.0, vb, kb < K && cb < N);
    }
`;
    }
    src += `    workgroupBarrier();
    for (var kk = 0u; kk < ${DEPTH}u; kk = kk + 1u) {
      let av = As[kk * ${TILE / 4}u + lid.y];
      let bv = Bs[kk * ${TILE / 4}u + lid.x];
      acc[0] = fma(vec4<f32>(av.x), bv, acc[0]);
      acc[1] = fma(vec4<f32>(av.y), bv, acc[1]);
      acc[2] = fma(vec4<f32>(av.z), bv, acc[2]);
      acc[3] = fma(vec4<f32>(av.w), bv, acc[3]);
    }
    workgroupBarrier();
  }
  let oc = z * M * N;
  for (var i = 0u; i < 4u; i = i + 1u) {
    let row = row0 + lid.y * 4u + i;
    if (row >= M) { break; }
    for (var j = 0u; j < 4u; j = j + 1u) {
      let col = col0 + lid.x * 4u + j;
      if (col < N) { C[oc + row * N + col] = ${store(out, 'acc[i][j]')}; }
    }
  }
}
`;
    return src;
  };
  return { key, source, access: ['read', 'read', 'write'], words, grid: [Math.ceil(n / TILE), Math.ceil(m / TILE), zCount] };
}
