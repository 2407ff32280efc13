import { shapeSize } from '@peft/core/plugin';
import { type Kernel, MAX_GRID, type View, binding, header, word } from '@peft/core/backend';
import type { Matmul4bit } from './matmul-4bit-spec.js';

/** Output columns per workgroup (one per invocation). */
const WG = 64;
/** Rows of x each invocation computes, so one dequantised weight serves TM products. */
const TM = 8;

/** The bits of a float32 value, for a parameter word. */
function f32Bits(v: number): number {
  return new Uint32Array(Float32Array.of(v).buffer)[0];
}

/** A float32 value as an exact WGSL literal. */
function f32Literal(v: number): string {
  const f = Math.fround(v);
  const s = Object.is(f, -0) ? '-0.0' : String(f);
  return /[.e]/.test(s) ? `${s}f` : `${s}.0f`;
}

/**
 * The 4-bit dequantising matmul: each invocation owns one output column `n` and {@link TM} rows of
 * `x`, and walks `k` reading the 4-bit codes of its weight row straight from the packed words
 * (`code[c] · absmax[e / blocksize]`), so no float copy of the weight exists. With `transpose`
 * (an `[out, in]` weight) and `cols % 8 == 0`, the 8 codes of one u32 word are consumed together
 * with a single absmax read. The code table is baked into the source (it is part of the key).
 *
 * @example
 * ```ts
 * const k = matmul4bitKernel(x, packed, absmax, q); // bindings: x, packed, absmax, out
 * ```
 */
export function matmul4bitKernel(x: View, packed: View, absmax: View, q: Matmul4bit, nestedAbsmax?: View): Kernel {
  const k = x.shape[x.shape.length - 1];
  const m = k === 0 ? 0 : shapeSize(x.shape) / k;
  const n = q.transpose ? q.rows : q.cols;
  const nested = q.nested && nestedAbsmax ? q.nested : null;
  const words = [m, n, k, q.cols, Math.log2(q.blocksize), x.offset, packed.offset, absmax.offset];
  if (nested) words.push(Math.log2(nested.blocksize), nestedAbsmax!.offset, f32Bits(nested.offset));
  const wordWise = q.transpose && q.cols % 8 === 0 && packed.offset === 0;
  const table = q.code.map(f32Literal).join(', ');
  const nestedTable = nested ? nested.code.map(f32Literal).join(', ') : '';
  const key = `matmul4bit:${q.transpose ? 't' : 'n'}:${wordWise ? 'w' : 'e'}:${table}${nested ? `:dq:${nestedTable}` : ''}`;
  // the scale of block b: read directly, or rebuilt from its 8-bit code, the outer scale and the offset
  const scaleFn = nested
    ? `var<private> DQ: array<f32, 256> = array<f32, 256>(${nestedTable});
fn scale(b: u32) -> f32 {
  let byte = (absmax[${word(7)} + (b >> 2u)] >> ((b & 3u) * 8u)) & 255u;
  return DQ[byte] * nested[${word(9)} + (b >> ${word(8)})] + bitcast<f32>(${word(10)});
}
`
    : `fn scale(b: u32) -> f32 { return absmax[${word(7)} + b]; }
`;
  const acc = Array.from({ length: TM }, (_, r) => `acc${r}`);
  const fma = (w: string, kk: string): string =>
    acc.map((a, r) => `      ${a} = ${a} + x[xo + min(m0 + ${r}u, M - 1u) * K + ${kk}] * ${w};`).join('\n');
  const body = wordWise
    ? `  let rowStart = n * cols;
  for (var k = 0u; k < K; k = k + 8u) {
    let e = rowStart + k;
    let wd = packed[e >> 3u];
    let s = scale(e >> bs);
    for (var j = 0u; j < 8u; j = j + 1u) {
      let c = (wd >> (((j >> 1u) << 3u) + select(4u, 0u, (j & 1u) == 1u))) & 15u;
      let w = CODE[c] * s;
${fma('w', '(k + j)')}
    }
  }`
    : `  for (var k = 0u; k < K; k = k + 1u) {
    let e = ${q.transpose ? 'n * cols + k' : 'k * cols + n'};
    let wd = packed[po + (e >> 3u)];
    let c = (wd >> ((((e >> 1u) & 3u) << 3u) + select(4u, 0u, (e & 1u) == 1u))) & 15u;
    let w = CODE[c] * scale(e >> bs);
${fma('w', 'k')}
  }`;
  const source = (): string =>
    header(['f32'], words.length) +
    binding(1, 'x', 'f32', 'read') +
    binding(2, 'packed', 'u32', 'read') +
    binding(3, 'absmax', nested ? 'u32' : 'f32', 'read') +
    (nested ? binding(4, 'nested', 'f32', 'read') + binding(5, 'out', 'f32', 'write') : binding(4, 'out', 'f32', 'write')) +
    scaleFn +
    `var<private> CODE: array<f32, 16> = array<f32, 16>(${table});
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let M = ${word(0)};
  let N = ${word(1)};
  let K = ${word(2)};
  let cols = ${word(3)};
  let bs = ${word(4)}; // log2 of the block size
  let xo = ${word(5)};
  let po = ${word(6)};
  let n = gid.x;
  let m0 = gid.y * ${TM}u;
  if (n >= N || m0 >= M) { return; }
${acc.map((a) => `  var ${a} = 0.0;`).join('\n')}
${body}
${acc.map((a, r) => `  if (m0 + ${r}u < M) { out[(m0 + ${r}u) * N + n] = ${a}; }`).join('\n')}
}
`;
  const gy = Math.ceil(m / TM);
  if (gy > MAX_GRID) throw new RangeError(`matmul4bit: ${m} rows need more than ${MAX_GRID * TM}; split the batch`);
  const access: ('read' | 'write')[] = nested ? ['read', 'read', 'read', 'read', 'write'] : ['read', 'read', 'read', 'write'];
  return { key, source, access, words, grid: [Math.max(1, Math.ceil(n / WG)), Math.max(1, gy), 1] };
}
