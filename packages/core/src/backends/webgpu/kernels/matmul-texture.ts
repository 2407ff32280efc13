/**
 * The texture-packed matmul for software adapters (Mesa's lavapipe/llvmpipe and similar CPU
 * rasterisers that run subgroups as SIMD lanes).
 *
 * Why textures: lavapipe (Mesa 25.0) compiles every storage-buffer load whose offset is not a
 * compile-time or push-constant expression into a per-lane loop of scalar loads with bounds checks
 * and branches, about ten instructions per float. A texel fetch from an rgba32float texture instead
 * calls a small precompiled routine that loads one 16-byte texel per lane and transposes them,
 * about fifty instructions for 32 floats. So both operands are first put in textures (usually one
 * `copyBufferToTexture` of the buffer's bytes, else a packing pass, see `matmul-texture-pack.ts`),
 * and the kernel reads nothing but texels.
 *
 * Why subgroup shuffles: one workgroup is one subgroup of `sg` lanes. Each lane owns `tn` columns
 * of the output tile and all `tm` rows; the rows' operand values are the same for every lane, so each
 * lane fetches a different row's texel and `subgroupShuffle` with a constant lane hands every value
 * to all lanes (a register permute), instead of every lane fetching the same texel. (Shuffles compile
 * about 10% shorter than `subgroupBroadcast` there, whose out-of-range guard costs a select each.)
 *
 * Texel space: a texture of width `2^wShift` texels holds a linear run of texels, texel `t` at
 * (t mod width, t div width), so the texture is just the operand's buffer seen 16 bytes at a time.
 * An operand is addressed by a texel offset (per batch), a texel row stride and its format:
 * - `k4`: a texel holds four consecutive k of one row (A: row m; B: column n); rows step by the stride.
 * - `mn4`: a texel holds four consecutive rows (A) or columns (B) at one k; k steps by the stride.
 *
 * @packageDocumentation
 */
import { type WalkSig, walkOffsets, walkWordCount } from './strided-walk.js';
import { header, store } from './wgsl.js';

/** How one operand is laid out in texel space. @example `const f: TexelFormat = 'k4';` */
export type TexelFormat = 'k4' | 'mn4';

/**
 * What one texel of an operand texture holds: four f32 (`rgba32float`), four f16 (`rgba16float`,
 * widened by the fetch) or four bf16 as two words (`rg32uint`, widened by shifts after the fetch).
 * The 16-bit kinds let a 16-bit weight's own bytes be copied into a texture with no packing pass.
 *
 * @example `const t: TexelType = 'bf16';`
 */
export type TexelType = 'f32' | 'f16' | 'bf16';

const TEXEL_FORMAT: Readonly<Record<TexelType, string>> = { f32: 'rgba32float', f16: 'rgba16float', bf16: 'rg32uint' };

/**
 * Shape of the texture-packed kernel: tile, subgroup size, texel formats, texture kind and width.
 *
 * @example
 * ```ts
 * const cfg: TextureMatmulConfig = { tm: 32, tn: 4, sg: 8, aFormat: 'k4', bFormat: 'k4', storageTextures: true, wShift: 12, out: 'f32' };
 * ```
 */
export interface TextureMatmulConfig {
  /** Output rows per workgroup (a multiple of `sg`, and of `4 * sg` when `aFormat` is `mn4`). */
  readonly tm: number;
  /** Output columns per lane (a multiple of 4 when `bFormat` is `mn4`); a workgroup covers `sg * tn` columns. */
  readonly tn: number;
  /** Subgroup size, which is also the workgroup size (the adapter's fixed subgroup size). */
  readonly sg: number;
  readonly aFormat: TexelFormat;
  readonly bFormat: TexelFormat;
  /** What A's texels hold (default f32). */
  readonly aTexel?: TexelType;
  /** What B's texels hold (default f32). */
  readonly bTexel?: TexelType;
  /** Read-only storage textures (faster on lavapipe) instead of sampled textures. */
  readonly storageTextures: boolean;
  /** log2 of the textures' width in texels. */
  readonly wShift: number;
  /** Element type of the output buffer. */
  readonly out: 'f32' | 'f16';
  /**
   * Write the output as texels to a write-only texture (binding 3) in the same texel space, for a
   * `copyTextureToBuffer` afterwards, instead of scalar stores to a buffer: one store call per four
   * outputs instead of a branchy store per lane and output. Needs f32, `tn % 4 == 0` and n % 4 == 0.
   */
  readonly texelOut?: boolean;
  /**
   * Workgroup x walks row tiles instead of column tiles, so that consecutive workgroups (which run
   * back to back on a CPU thread) share B's tile rather than A's and stream A. Streaming an `mn4`
   * operand touches a new texture row (often a new page) per k; streaming a `k4` one reads runs.
   */
  readonly rowsFirst?: boolean;
}

/** Parameter words before the batch walk's: m, n, k, first batch, A and B texel row strides, 2 spare. @example `TEXTURE_MATMUL_WORDS === 8` */
export const TEXTURE_MATMUL_WORDS = 8;

/**
 * The fixed parameter words of {@link textureMatmulSource} (the batch walk's words follow them).
 *
 * @example
 * ```ts
 * const words = [...textureMatmulWords({ m: 64, n: 64, k: 64, zBase: 0, aStride: 16, bStride: 16 }), ...walk.words];
 * ```
 */
export function textureMatmulWords(p: { m: number; n: number; k: number; zBase: number; aStride: number; bStride: number }): number[] {
  return [p.m, p.n, p.k, p.zBase, p.aStride, p.bStride, 0, 0];
}

/**
 * Workgroup grid of the texture kernel for an `m x n` output and `batches` batches.
 *
 * @example
 * ```ts
 * textureMatmulGrid(cfg, 1024, 1024, 1); // [32, 32, 1] for tm 32, tn 4, sg 8
 * ```
 */
export function textureMatmulGrid(cfg: TextureMatmulConfig, m: number, n: number, batches: number): [number, number, number] {
  const [cols, rows] = [Math.ceil(n / (cfg.sg * cfg.tn)), Math.ceil(m / cfg.tm)];
  return cfg.rowsFirst ? [rows, cols, batches] : [cols, rows, batches];
}

/**
 * Checks a configuration's divisibility rules and returns it.
 *
 * @example
 * ```ts
 * validTextureConfig({ tm: 32, tn: 4, sg: 8, aFormat: 'k4', bFormat: 'mn4', storageTextures: true, wShift: 12, out: 'f32' });
 * ```
 */
export function validTextureConfig(cfg: TextureMatmulConfig): TextureMatmulConfig {
  const rowStep = cfg.aFormat === 'k4' ? cfg.sg : 4 * cfg.sg;
  if (cfg.tm % rowStep !== 0 || cfg.tm <= 0) throw new RangeError(`matmul texture kernel: tm must be a positive multiple of ${rowStep}, got ${cfg.tm}`);
  const by4 = cfg.bFormat === 'mn4' || cfg.texelOut;
  if (cfg.tn <= 0 || (by4 && cfg.tn % 4 !== 0)) throw new RangeError(`matmul texture kernel: tn must be positive${by4 ? ' and a multiple of 4' : ''}, got ${cfg.tn}`);
  if (cfg.texelOut && cfg.out !== 'f32') throw new RangeError('matmul texture kernel: texel output needs f32');
  return cfg;
}

const COMP = ['x', 'y', 'z', 'w'];

/**
 * WGSL of the texture-packed matmul. Bindings: 0 the parameter block ({@link textureMatmulWords}
 * then the words of a batch walk with signature `walk`, whose two offsets are A's and B's texel
 * offsets), 1 A's texture, 2 B's texture, 3 the output `C` (`[batch, m, n]`, contiguous; a buffer,
 * or with `texelOut` a texture holding it as texels).
 *
 * @example
 * ```ts
 * const wgsl = textureMatmulSource(cfg, walk.sig);
 * ```
 */
export function textureMatmulSource(cfg: TextureMatmulConfig, walk: WalkSig): string {
  const { tm, tn, sg, aFormat, bFormat, wShift } = validTextureConfig(cfg);
  const texType = (t: TexelType): string => {
    if (cfg.storageTextures) return `texture_storage_2d<${TEXEL_FORMAT[t]}, read>`;
    return t === 'bf16' ? 'texture_2d<u32>' : 'texture_2d<f32>';
  };
  const mask = `${(1 << wShift) - 1}u`;
  const fetch = (t: 'At' | 'Bt', at: string): string => {
    const xy = `vec2u((${at}) & ${mask}, (${at}) >> ${wShift}u)`;
    const load = cfg.storageTextures ? `textureLoad(${t}, ${xy})` : `textureLoad(${t}, ${xy}, 0)`;
    return (t === 'At' ? cfg.aTexel : cfg.bTexel) === 'bf16' ? `peft_texel_bf16(${load})` : load;
  };
  const L: string[] = [];
  // `enable subgroups;` must come first, before the header's own directives and declarations
  L.push(`enable subgroups;\n${header([cfg.out], TEXTURE_MATMUL_WORDS + walkWordCount(walk))}`);
  if (cfg.aTexel === 'bf16' || cfg.bTexel === 'bf16') {
    // a bf16 is the high half of the f32 with the same bits
    L.push(`fn peft_texel_bf16(v: vec4u) -> vec4f {
  return vec4f(bitcast<f32>(v.x << 16u), bitcast<f32>(v.x & 0xffff0000u), bitcast<f32>(v.y << 16u), bitcast<f32>(v.y & 0xffff0000u));
}`);
  }
  L.push(`@group(0) @binding(1) var At: ${texType(cfg.aTexel ?? 'f32')};
@group(0) @binding(2) var Bt: ${texType(cfg.bTexel ?? 'f32')};
@group(0) @binding(3) ${cfg.texelOut ? 'var C: texture_storage_2d<rgba32float, write>' : `var<storage, read_write> C: array<${cfg.out}>`};
@compute @workgroup_size(${sg})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let M = P.w[0].x;
  let N = P.w[0].y;
  let K = P.w[0].z;
  let z = P.w[0].w + wg.z;
  let ars = P.w[1].x;
  let brs = P.w[1].y;
${walkOffsets(walk, TEXTURE_MATMUL_WORDS, 'z', ['ta', 'tb'], 'z')}  let r0 = wg.${cfg.rowsFirst ? 'x' : 'y'} * ${tm}u;
  let c0 = wg.${cfg.rowsFirst ? 'y' : 'x'} * ${sg * tn}u;`);
  // texel offsets that do not change along k (edge tiles clamp to the last row or column)
  const aFetches = aFormat === 'k4' ? tm / sg : tm / (4 * sg);
  for (let g = 0; g < aFetches; g++) {
    L.push(aFormat === 'k4' ? `  let ab${g} = ta + min(r0 + ${sg * g}u + lane, M - 1u) * ars;` : `  let ab${g} = ta + min(r0 / 4u + ${sg * g}u + lane, (M - 1u) / 4u);`);
  }
  // lane columns: groups of four consecutive columns when tn is a multiple of 4 (texel-sized output),
  // else columns `sg` apart
  const colOf = (j: number): string => (tn % 4 === 0 ? `c0 + lane * 4u + ${4 * sg * (j >> 2) + (j & 3)}u` : `c0 + lane + ${sg * j}u`);
  const bFetches = bFormat === 'k4' ? tn : tn / 4;
  for (let j = 0; j < bFetches; j++) {
    L.push(bFormat === 'k4' ? `  let bb${j} = tb + min(${colOf(j)}, N - 1u) * brs;` : `  let bb${j} = tb + min(c0 / 4u + lane + ${sg * j}u, (N - 1u) / 4u);`);
  }
  for (let i = 0; i < tm; i++) for (let j = 0; j < tn; j++) L.push(`  var c${i}_${j} = 0.0;`);

  // One k-block (4 values of k): fetches first (they are calls on lavapipe, which spill registers),
  // then the arithmetic. k4 operands hold zeros past K; mn4 rows past K are clamped and masked here.
  const s: string[] = [];
  const krow = (kk: number, rs: string): string => `min(kb * 4u + ${kk}u, K - 1u) * ${rs}`;
  const masked = (v: string, kk: number): string => `select(vec4f(0.0), ${v}, kb * 4u + ${kk}u < K)`;
  if (bFormat === 'k4') {
    for (let j = 0; j < tn; j++) s.push(`    let b${j} = ${fetch('Bt', `bb${j} + kb`)};`);
  } else {
    for (let kk = 0; kk < 4; kk++) for (let j = 0; j < tn / 4; j++) s.push(`    let b${kk}_${j} = ${masked(fetch('Bt', `bb${j} + ${krow(kk, 'brs')}`), kk)};`);
  }
  if (aFormat === 'k4') {
    for (let g = 0; g < aFetches; g++) s.push(`    let a${g} = ${fetch('At', `ab${g} + kb`)};`);
  } else {
    for (let kk = 0; kk < 4; kk++) for (let g = 0; g < aFetches; g++) s.push(`    let a${kk}_${g} = ${masked(fetch('At', `ab${g} + ${krow(kk, 'ars')}`), kk)};`);
  }
  // value of B for lane column j at k-offset kk
  const bv = (j: number, kk: number): string => (bFormat === 'k4' ? `b${j}.${COMP[kk]}` : `b${kk}_${j >> 2}.${COMP[j & 3]}`);
  for (let i = 0; i < tm; i++) {
    if (aFormat === 'k4') {
      s.push(`    { let a = subgroupShuffle(a${Math.floor(i / sg)}, ${i % sg}u);`);
    } else {
      const g = Math.floor(i / (4 * sg));
      const src = Math.floor(i / 4) % sg;
      s.push(`    { let a = vec4f(${[0, 1, 2, 3].map((kk) => `subgroupShuffle(a${kk}_${g}.${COMP[i & 3]}, ${src}u)`).join(', ')});`);
    }
    for (let j = 0; j < tn; j++) {
      let e = `c${i}_${j}`;
      for (let kk = 0; kk < 4; kk++) e = `fma(a.${COMP[kk]}, ${bv(j, kk)}, ${e})`;
      s.push(`      c${i}_${j} = ${e};`);
    }
    s.push('    }');
  }
  L.push(`  let kBlocks = (K + 3u) / 4u;
  for (var kb = 0u; kb < kBlocks; kb++) {
${s.join('\n')}
  }
  let base = z * M * N;`);
  for (let j = 0; j < tn; j++) L.push(`  let col${j} = ${colOf(j)};`);
  if (cfg.texelOut) {
    for (let i = 0; i < tm; i++) {
      L.push(`  if (r0 + ${i}u < M) {`);
      for (let g = 0; g < tn / 4; g++) {
        const v = [0, 1, 2, 3].map((c) => `c${i}_${4 * g + c}`).join(', ');
        L.push(`    if (col${4 * g} < N) { let t = (base + (r0 + ${i}u) * N + col${4 * g}) / 4u; textureStore(C, vec2u(t & ${mask}, t >> ${wShift}u), vec4f(${v})); }`);
      }
      L.push('  }');
    }
  } else {
    for (let i = 0; i < tm; i++) {
      L.push(`  if (r0 + ${i}u < M) {`);
      for (let j = 0; j < tn; j++) L.push(`    if (col${j} < N) { C[base + (r0 + ${i}u) * N + col${j}] = ${store(cfg.out, `c${i}_${j}`)}; }`);
      L.push('  }');
    }
  }
  L.push('}');
  return L.join('\n');
}
