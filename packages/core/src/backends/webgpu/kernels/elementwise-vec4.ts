import type { BinaryOp, View } from '../../../backend-interface.js';
import { type Shape, contiguousStrides, shapeSize } from '../../../shape.js';
import { planWalk, walkOffsets } from './strided-walk.js';
import { type Kernel, flatIndex, grid1d, header, word } from './wgsl.js';

const WG = 64;
const EXPR: Partial<Record<BinaryOp, string>> = { add: 'a + b', sub: 'a - b', mul: 'a * b', div: 'a / b' };

/** How an operand of a vec4 kernel is read: all of it, a repeated trailing block, or one scalar. */
type Mode = { kind: 'full' } | { kind: 'row'; period: number } | { kind: 'scalar' };

/** The read mode of `v` (broadcast to `shape`), or null when it fits none. */
function modeOf(v: View, shape: Shape): Mode | null {
  if (v.strides.every((s, d) => s === 0 || shape[d] === 1)) return { kind: 'scalar' };
  if (v.offset % 4 !== 0) return null;
  // a contiguous trailing block of `period` elements, repeated along leading axes of stride 0
  let d = shape.length;
  let period = 1;
  while (d > 0 && (shape[d - 1] === 1 || v.strides[d - 1] === period)) {
    period *= shape[d - 1];
    d--;
  }
  if (v.strides.slice(0, d).some((s, k) => s !== 0 && shape[k] !== 1)) return null;
  if (d === 0 || period === shapeSize(shape)) return { kind: 'full' };
  return period % 4 === 0 ? { kind: 'row', period } : null;
}

/**
 * The entry point shared by the four-wide kernels: each invocation handles `per` vec4 words a grid
 * stride apart, `body` sees the word index `i` (below the element count in word 0).
 */
function strideLoop(per: number, body: string): string {
  return `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * (nwg.x * ${WG}u);
  let total = nwg.x * nwg.y * ${WG}u;
  for (var e = 0u; e < ${per}u; e++) {
    let i = t + e * total;
    if (i >= ${word(0)}) { return; }
    ${body}
  }
}
`;
}

/**
 * Float add / sub / mul / div over four elements per invocation step (`vec4<f32>` loads and stores),
 * for f32 operands whose size is a multiple of four, each read whole, as a repeated trailing block
 * (a bias) or as one scalar, or else walked as strided views whose innermost axis is contiguous;
 * null where none of that applies (the general map kernel runs instead). Same float results as the map kernel. On lavapipe about 3x faster per element.
 *
 * @example
 * ```ts
 * const k = vec4BinaryKernel('add', a, b, [8, 64, 384]); // bindings: a, b, out
 * ```
 */
export function vec4BinaryKernel(op: BinaryOp, a: View, b: View, shape: Shape): Kernel | null {
  const expr = EXPR[op];
  const n = shapeSize(shape);
  if (!expr || a.dtype !== 'f32' || b.dtype !== 'f32' || n % 4 !== 0 || n < 4096) return null;
  const ma = modeOf(a, shape);
  const mb = modeOf(b, shape);
  if (!ma || !mb || (ma.kind !== 'full' && mb.kind !== 'full')) return vec4StridedBinary(expr, op, a, b, shape);
  const n4 = n / 4;
  const per = n4 >= 4 * WG * 64 ? 4 : 1;
  const words = [n4, a.offset, b.offset, ma.kind === 'row' ? ma.period / 4 : 0, mb.kind === 'row' ? mb.period / 4 : 0];
  const key = `vec4-${op}:${ma.kind}:${mb.kind}:${per}`;
  const read = (name: string, m: Mode, off: string, period: string): string =>
    m.kind === 'scalar' ? `vec4<f32>(${name}[${off}])` : m.kind === 'row' ? `${name}[${off} / 4u + i % ${period}]` : `${name}[${off} / 4u + i]`;
  const source = (): string =>
    header(['f32'], words.length) +
    `@group(0) @binding(1) var<storage, read> A: array<${ma.kind === 'scalar' ? 'f32' : 'vec4<f32>'}>;
@group(0) @binding(2) var<storage, read> B: array<${mb.kind === 'scalar' ? 'f32' : 'vec4<f32>'}>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;
${strideLoop(per, `let a = ${read('A', ma, word(1), word(3))};
    let b = ${read('B', mb, word(2), word(4))};
    out[i] = ${expr};`)}`;
  return { key, source, access: ['read', 'read', 'write'], words, grid: grid1d(Math.ceil(n4 / per), WG) };
}

/** A view's strides and offset counted in vec4 words, when its innermost axis is contiguous and everything else is a multiple of 4. */
function inVec4Words(v: View, shape: Shape): { strides: number[]; offset: number } | null {
  const r = shape.length;
  const strides = v.strides.map((s, d) => (shape[d] === 1 ? 0 : s));
  if (r === 0 || strides[r - 1] !== 1 || v.offset % 4 !== 0 || strides.some((s, d) => d < r - 1 && s % 4 !== 0)) return null;
  return { strides: [...strides.slice(0, -1).map((s) => s / 4), 1], offset: v.offset / 4 };
}

/**
 * The four-wide binary kernel for operands that are strided views or broadcasts in general (RoPE's
 * rotated heads times a cos/sin table repeated over heads), walked in vec4 words: each operand's
 * innermost axis must be contiguous, with a length, offset and other strides that are multiples of 4.
 */
function vec4StridedBinary(expr: string, op: BinaryOp, a: View, b: View, shape: Shape): Kernel | null {
  const r = shape.length;
  if (r === 0 || shape[r - 1] % 4 !== 0) return null;
  const [wa, wb] = [inVec4Words(a, shape), inVec4Words(b, shape)];
  if (!wa || !wb) return null;
  const shape4 = [...shape.slice(0, -1), shape[r - 1] / 4];
  const walk = planWalk(shape4, [wa, wb, { strides: contiguousStrides(shape4), offset: 0 }]);
  const words = [shapeSize(shape4), ...walk.words];
  const source = (): string =>
    header(['f32'], words.length) +
    `@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;
` +
    flatIndex(WG, word(0)) +
    walkOffsets(walk.sig, 1, 'i', ['oa', 'ob', 'oo'], 'w') +
    `  let a = A[oa];
  let b = B[ob];
  out[oo] = ${expr};
}
`;
  return { key: `vec4-${op}:walk:${JSON.stringify(walk.sig)}`, source, access: ['read', 'read', 'write'], words, grid: grid1d(words[0], WG) };
}

/**
 * Fills `words` u32 words with `pattern`, four per store (`vec4<u32>`), for word counts that are a
 * multiple of four and large enough to matter; null otherwise (the map kernel runs instead).
 *
 * @example
 * ```ts
 * const k = vec4FillKernel(65536, 0); // bindings: out
 * ```
 */
export function vec4FillKernel(words: number, pattern: number): Kernel | null {
  if (words % 4 !== 0 || words < 4096) return null;
  const n4 = words / 4;
  const per = n4 >= 4 * WG * 64 ? 4 : 1;
  const source = (): string =>
    header(['u32'], 2) +
    `@group(0) @binding(1) var<storage, read_write> out: array<vec4<u32>>;
${strideLoop(per, `out[i] = vec4<u32>(${word(1)});`)}
`;
  return { key: `vec4-fill:${per}`, source, access: ['write'], words: [n4, pattern >>> 0], grid: grid1d(Math.ceil(n4 / per), WG) };
}

/**
 * A same-dtype copy of a 4-byte view into a contiguous output, four words per load and store, when
 * the view's innermost axis is contiguous with a length, offset and outer strides that are multiples
 * of four (a permutation that keeps the last axis, such as attention's head split); null otherwise.
 *
 * @example
 * ```ts
 * const k = vec4CopyKernel(permutedHeads); // bindings: x, out
 * ```
 */
export function vec4CopyKernel(x: View): Kernel | null {
  const r = x.shape.length;
  const n = shapeSize(x.shape);
  if (x.dtype === 'f16' || x.dtype === 'bf16' || r === 0 || n < 4096) return null;
  const last = x.shape[r - 1];
  const words = last % 4 === 0 ? inVec4Words(x, x.shape) : null;
  if (!words) return null;
  const shape4 = [...x.shape.slice(0, -1), last / 4];
  const walk = planWalk(shape4, [words, { strides: contiguousStrides(shape4), offset: 0 }]);
  const params = [n / 4, ...walk.words];
  const source = (): string =>
    header(['u32'], params.length) +
    `@group(0) @binding(1) var<storage, read> x: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<u32>>;
` +
    flatIndex(WG, word(0)) +
    walkOffsets(walk.sig, 1, 'i', ['ox', 'oo'], 'w') +
    `  out[oo] = x[ox];
}
`;
  return { key: `vec4-copy:${JSON.stringify(walk.sig)}`, source, access: ['read', 'write'], words: params, grid: grid1d(n / 4, WG) };
}
