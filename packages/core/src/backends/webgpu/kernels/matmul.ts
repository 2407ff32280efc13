import type { Bindable } from '../buffer-window.js';
import type { View } from '../../../backend-interface.js';
import { shapeSize } from '../../../shape.js';
import { encodeTunedMatmul } from './matmul-select.js';
import type { KernelRunner } from './runner.js';
import { planWalk, walkOffsets } from './strided-walk.js';
import { matmulOutDType } from './matmul-dtype.js';
import { type Kernel, MAX_GRID, binding, computeType, header, read, store, word } from './wgsl.js';

/**
 * Tile shape of the register-tiled matmul: each invocation computes `tm x tn` outputs (`tn` at most
 * 4: one vector accumulator per row), a workgroup is `wx x wy` invocations.
 *
 * @example
 * ```ts
 * const t: MatmulTile = { tm: 4, tn: 4, wx: 8, wy: 8 };
 * ```
 */
export interface MatmulTile {
  readonly tm: number;
  readonly tn: number;
  readonly wx: number;
  readonly wy: number;
}

/** The tile used unless a caller asks for another. */
export const DEFAULT_TILE: MatmulTile = { tm: 8, tn: 4, wx: 8, wy: 8 };

/**
 * A register-tiled batched matmul reading both operands straight from storage buffers through
 * their strides (a transposed operand is just other strides, never a copy). Batch axes (broadcast
 * ones carry stride 0) are walked per `z` workgroup; rows and columns past the edge are clamped on
 * load and masked on store, so any m, n, k work. Accumulates in f32 (or the integer type).
 *
 * @example
 * ```ts
 * matmulKernel(aView, bView, 0, batches);
 * ```
 */
export function matmulKernel(a: View, b: View, zBase: number, zCount: number, tile: MatmulTile = DEFAULT_TILE): Kernel {
  const r = a.shape.length;
  const [m, k] = [a.shape[r - 2], a.shape[r - 1]];
  const n = b.shape[r - 1];
  const batchShape = a.shape.slice(0, -2);
  const walk = planWalk(batchShape, [
    { strides: a.strides.slice(0, -2), offset: a.offset },
    { strides: b.strides.slice(0, -2), offset: b.offset },
  ]);
  const words = [m, n, k, zBase, a.strides[r - 2], a.strides[r - 1], b.strides[r - 2], b.strides[r - 1], ...walk.words];
  const { tm, tn, wx, wy } = tile;
  if (tn < 1 || tn > 4) throw new Error(`matmul: tile columns per invocation must be 1 to 4, got ${tn}`);
  const out = matmulOutDType(a, b);
  const key = `matmul:${JSON.stringify([a.dtype, b.dtype, walk.sig, tile])}`;
  const source = (): string => {
    const ct = computeType(out);
    const zero = ct === 'f32' ? '0.0' : `${ct}(0)`;
    const vec = (e: string[]): string => (tn === 1 ? e[0] : `vec${tn}<${ct}>(${e.join(', ')})`);
    const accType = tn === 1 ? ct : `vec${tn}<${ct}>`;
    let src = header([a.dtype, b.dtype, out], words.length);
    src += binding(1, 'A', a.dtype, 'read') + binding(2, 'B', b.dtype, 'read') + binding(3, 'C', out, 'write');
    src += `@compute @workgroup_size(${wx}, ${wy})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = ${word(0)};
  let N = ${word(1)};
  let K = ${word(2)};
  let row0 = (wid.y * ${wy}u + lid.y) * ${tm}u;
  let col0 = (wid.x * ${wx}u + lid.x) * ${tn}u;
  if (row0 >= M || col0 >= N) { return; }
  let z = wid.z + ${word(3)};
  let sam = ${word(4)};
  let sak = ${word(5)};
  let sbk = ${word(6)};
  let sbn = ${word(7)};
${walkOffsets(walk.sig, 8, 'z', ['oa', 'ob'], 'z')}`;
    for (let i = 0; i < tm; i++) src += `  let ra${i} = oa + min(row0 + ${i}u, M - 1u) * sam;\n  var acc${i} = ${accType}(${zero});\n`;
    for (let j = 0; j < tn; j++) src += `  let cb${j} = ob + min(col0 + ${j}u, N - 1u) * sbn;\n`;
    src += `  var pa = 0u;
  var pb = 0u;
  for (var p = 0u; p < K; p = p + 1u) {
    let bv = ${vec(Array.from({ length: tn }, (_, j) => read(b.dtype, 'B', `cb${j} + pb`)))};
`;
    for (let i = 0; i < tm; i++) src += `    acc${i} = acc${i} + ${read(a.dtype, 'A', `ra${i} + pa`)} * bv;\n`;
    src += `    pa = pa + sak;
    pb = pb + sbk;
  }
  let oc = z * M * N;
`;
    for (let i = 0; i < tm; i++) {
      src += `  if (row0 + ${i}u < M) {\n`;
      for (let j = 0; j < tn; j++) {
        const v = tn === 1 ? `acc${i}` : `acc${i}[${j}]`;
        src += `    if (col0 + ${j}u < N) { C[oc + (row0 + ${i}u) * N + col0 + ${j}u] = ${store(out, v)}; }\n`;
      }
      src += '  }\n';
    }
    return `${src}}\n`;
  };
  const grid: [number, number, number] = [Math.ceil(n / (tn * wx)), Math.ceil(m / (tm * wy)), zCount];
  return { key, source, access: ['read', 'read', 'write'], words, grid };
}

/**
 * Records `out = a @ b` for batched, strided, broadcast operands (`a` is `[...batch, m, k]`, `b` is
 * `[...batch, k, n]`, `out` is contiguous `[...batch, m, n]`). This is the one entry point a tuned
 * kernel replaces.
 *
 * @example
 * ```ts
 * encodeMatmul(runner, aView, aBuffer, bView, bBuffer, outBuffer);
 * ```
 */
export function encodeMatmul(runner: KernelRunner, a: View, aBuf: Bindable, b: View, bBuf: Bindable, out: Bindable): void {
  const r = a.shape.length;
  const batches = shapeSize(a.shape.slice(0, -2));
  if (batches === 0 || a.shape[r - 2] === 0 || b.shape[r - 1] === 0) return;
  if (encodeTunedMatmul(runner, a, aBuf, b, bBuf, out)) return;
  for (let z = 0; z < batches; z += MAX_GRID) {
    runner.run(matmulKernel(a, b, z, Math.min(MAX_GRID, batches - z)), [aBuf, bBuf, out]);
  }
}
