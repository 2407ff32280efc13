/**
 * The 4-bit dequantising matmul for software adapters (lavapipe and similar), built like the
 * texture-packed f32 matmul (`matmul-texture.ts`): `x` is copied into an rgba32float texture (one
 * texel = four consecutive k of one row) and one workgroup is one subgroup whose lanes each fetch a
 * different row's texel and share it by `subgroupShuffle`, so every x value is read once per tile
 * instead of once per output column. Each lane owns a register tile of outputs: every packed u32
 * word (eight codes) is loaded once, decoded once (a select tree on its four bits, no indexed load)
 * and reused across all `tm` rows of the tile. Scales: a transposed (`[out, in]`) weight reads each
 * column's scale once per block; a plain one reads one per word, or one per four k shared by the
 * lanes when a block spans the tile's columns (double-quantised 8-bit scales are decoded there too).
 * A transposed weight's code words are read from an r32uint texture (one scratch texture per device,
 * refilled per call by a copy: still 4 bits per weight); no float copy of the weight is ever made.
 *
 * @packageDocumentation
 */
import { shapeSize } from '@peft/core/plugin';
import { MAX_GRID, type TextureRunner, type View, header, matmulDeviceProfile, textureResourcesOf, word } from '@peft/core/backend';
import type { Matmul4bit } from './matmul-4bit-spec.js';

/**
 * The tile of the 4-bit texture kernel: `tm` rows of x per workgroup (a multiple of `sg`), and per
 * lane `tw` packed words of the weight at a time (transposed weight: `tw` output columns, each read
 * eight k per word; plain weight: `tw` words of eight consecutive output columns).
 *
 * @example
 * ```ts
 * const t: Matmul4bitTile = { tm: 32, tw: 4 };
 * ```
 */
export interface Matmul4bitTile {
  readonly tm: number;
  readonly tw: number;
}

/** The tiles used on lavapipe, per orientation (64 and 128 accumulators per lane). */
const TILES: Record<'t' | 'n', Matmul4bitTile> = { t: { tm: 32, tw: 2 }, n: { tm: 16, tw: 1 } };

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

/** Shift of element `q` (0..7) of a packed word: byte q / 2, the even element in the high nibble. */
const nibbleShift = (q: number): number => (q >> 1) * 8 + (q & 1 ? 0 : 4);
const COMP = ['x', 'y', 'z', 'w'];

/** The code table as a tree of selects on the four bits of a code (no indexed memory load). */
function codeFn(code: readonly number[]): string {
  let level = code.map(f32Literal);
  const lines: string[] = [];
  for (let bit = 0; level.length > 1; bit++) {
    lines.push(`  let b${bit} = (c & ${1 << bit}u) != 0u;`);
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const name = `t${bit}_${i >> 1}`;
      lines.push(`  let ${name} = select(${level[i]}, ${level[i + 1]}, b${bit});`);
      next.push(name);
    }
    level = next;
  }
  return `fn code(c: u32) -> f32 {\n${lines.join('\n')}\n  return ${level[0]};\n}`;
}

/**
 * WGSL of the 4-bit texture kernel. Bindings: 0 parameters, 1 x's texture, 2 the code words, 3 the
 * scales (f32, or u32 words of 8-bit codes), [4 the outer scales,] then the output buffer.
 *
 * @example
 * ```ts
 * const src = matmul4bitTextureSource(q, 8, { tm: 32, tw: 2 }, 12, true);
 * ```
 */
export function matmul4bitTextureSource(q: Matmul4bit, sg: number, tile: Matmul4bitTile, wShift: number, storageTex: boolean, sharedScale = false): string {
  const { tm, tw } = tile;
  const nested = q.nested ?? null;
  const texType = storageTex ? 'texture_storage_2d<rgba32float, read>' : 'texture_2d<f32>';
  const mask = `${(1 << wShift) - 1}u`;
  const fetch = (at: string): string => {
    const xy = `vec2u((${at}) & ${mask}, (${at}) >> ${wShift}u)`;
    return storageTex ? `textureLoad(Xt, ${xy})` : `textureLoad(Xt, ${xy}, 0)`;
  };
  // transposed weights read their words from an r32uint texture (measured faster there), plain ones from the buffer
  const wordTex = q.transpose;
  const wfetch = (at: string): string => {
    if (!wordTex) return `packed[${at}]`;
    const xy = `vec2u((${at}) & ${mask}, (${at}) >> ${wShift}u)`;
    return storageTex ? `textureLoad(Wt, ${xy}).x` : `textureLoad(Wt, ${xy}, 0).x`;
  };
  const L: string[] = [];
  L.push(`enable subgroups;\n${header(['f32'], 12)}`);
  L.push(`@group(0) @binding(1) var Xt: ${texType};
@group(0) @binding(2) ${wordTex ? `var Wt: ${storageTex ? 'texture_storage_2d<r32uint, read>' : 'texture_2d<u32>'}` : 'var<storage, read> packed: array<u32>'};
@group(0) @binding(3) var<storage, read> absmax: array<${nested ? 'u32' : 'f32'}>;
${nested ? '@group(0) @binding(4) var<storage, read> nested: array<f32>;\n' : ''}@group(0) @binding(${nested ? 5 : 4}) var<storage, read_write> out: array<f32>;
${codeFn(q.code)}`);
  if (nested) {
    L.push(`const DQ = array<f32, 256>(${nested.code.map(f32Literal).join(', ')});
fn scale(b: u32) -> f32 {
  let byte = (absmax[${word(7)} + (b >> 2u)] >> ((b & 3u) * 8u)) & 255u;
  return DQ[byte] * nested[${word(9)} + (b >> ${word(8)})] + bitcast<f32>(${word(10)});
}`);
  } else {
    L.push(`fn scale(b: u32) -> f32 { return absmax[${word(7)} + b]; }`);
  }
  L.push(`@compute @workgroup_size(${sg})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let M = ${word(0)};
  let N = ${word(1)};
  let K = ${word(2)};
  let cols = ${word(3)};
  let bs = ${word(4)};
  let xo = ${word(5)};
  let po = ${word(6)};
  let kt = K / 4u;
  let r0 = wg.y * ${tm}u;`);
  const fetches = tm / sg;
  for (let g = 0; g < fetches; g++) L.push(`  let xb${g} = xo + min(r0 + ${sg * g}u + lane, M - 1u) * kt;`);
  const s: string[] = [];
  if (q.transpose) {
    // lane column j: c0 + lane + sg * j; its word at k-word kw is packed[po + col * cols / 8 + kw]
    L.push(`  let c0 = wg.x * ${sg * tw}u;
  let rw = cols / 8u;`);
    for (let j = 0; j < tw; j++) L.push(`  let col${j} = c0 + lane + ${sg * j}u;\n  let pw${j} = po + min(col${j}, N - 1u) * rw;\n  let sb${j} = min(col${j}, N - 1u) * cols;`);
    for (let i = 0; i < tm; i++) for (let j = 0; j < tw; j++) L.push(`  var c${i}_${j} = 0.0;`);
    // groups of `grp` consecutive words share each column's scale (1 when blocks do not follow rows)
    s.push(`  let grp = ${word(11)};\n  for (var g0 = 0u; g0 < rw; g0 = g0 + grp) {`);
    for (let j = 0; j < tw; j++) s.push(`    let s${j} = scale((sb${j} + g0 * 8u) >> bs);`);
    s.push(`    for (var kw = g0; kw < g0 + grp; kw++) {`);
    for (let j = 0; j < tw; j++) s.push(`      let wd${j} = ${wfetch(`pw${j} + kw`)};`);
    for (let g = 0; g < fetches; g++) for (let h = 0; h < 2; h++) s.push(`      let a${g}_${h} = ${fetch(`xb${g} + kw * 2u + ${h}u`)};`);
    for (let j = 0; j < tw; j++) {
      for (let qq = 0; qq < 8; qq++) s.push(`      let w${j}_${qq} = code((wd${j} >> ${nibbleShift(qq)}u) & 15u) * s${j};`);
    }
    for (let i = 0; i < tm; i++) {
      s.push(`      { let x0 = subgroupShuffle(a${Math.floor(i / sg)}_0, ${i % sg}u); let x1 = subgroupShuffle(a${Math.floor(i / sg)}_1, ${i % sg}u);`);
      for (let j = 0; j < tw; j++) {
        let e = `c${i}_${j}`;
        for (let qq = 0; qq < 8; qq++) e = `fma(x${qq >> 2}.${COMP[qq & 3]}, w${j}_${qq}, ${e})`;
        s.push(`        c${i}_${j} = ${e};`);
      }
      s.push('      }');
    }
    s.push('    }\n  }');
    L.push(s.join('\n'));
    for (let i = 0; i < tm; i++) {
      L.push(`  if (r0 + ${i}u < M) {`);
      for (let j = 0; j < tw; j++) L.push(`    if (col${j} < N) { out[(r0 + ${i}u) * N + col${j}] = c${i}_${j}; }`);
      L.push('  }');
    }
  } else {
    // lane word column j: w0 + lane + sg * j, i.e. output columns 8 * that .. + 7; a word per k
    L.push(`  let w0 = wg.x * ${sg * tw}u;
  let nw = N / 8u;`);
    for (let j = 0; j < tw; j++) L.push(`  let cw${j} = w0 + lane + ${sg * j}u;\n  let pw${j} = po + min(cw${j}, nw - 1u);`);
    for (let i = 0; i < tm; i++) for (let j = 0; j < tw; j++) for (let qq = 0; qq < 8; qq++) L.push(`  var c${i}_${j}_${qq} = 0.0;`);
    s.push('  for (var kb = 0u; kb < kt; kb++) {');
    for (let g = 0; g < fetches; g++) s.push(`    let a${g} = ${fetch(`xb${g} + kb`)};`);
    // one block holds all the workgroup's columns at a k: lanes 0-3 read the 4 scales, shuffles share them
    if (sharedScale) s.push('    let sv = scale((min(kb * 4u + (lane & 3u), K - 1u) * N + w0 * 8u) >> bs);');
    for (let kk = 0; kk < 4; kk++) {
      s.push(`    {\n      let k = kb * 4u + ${kk}u;`);
      for (let j = 0; j < tw; j++) {
        s.push(`      let wd${j} = ${wfetch(`pw${j} + k * nw`)};`);
        s.push(sharedScale ? `      let s${j} = subgroupShuffle(sv, ${kk}u);` : `      let s${j} = scale((k * N + min(cw${j}, nw - 1u) * 8u) >> bs);`);
        for (let qq = 0; qq < 8; qq++) s.push(`      let w${j}_${qq} = code((wd${j} >> ${nibbleShift(qq)}u) & 15u) * s${j};`);
      }
      for (let i = 0; i < tm; i++) {
        s.push(`      { let x = subgroupShuffle(a${Math.floor(i / sg)}.${COMP[kk]}, ${i % sg}u);`);
        for (let j = 0; j < tw; j++) for (let qq = 0; qq < 8; qq++) s.push(`        c${i}_${j}_${qq} = fma(x, w${j}_${qq}, c${i}_${j}_${qq});`);
        s.push('      }');
      }
      s.push('    }');
    }
    s.push('  }');
    L.push(s.join('\n'));
    for (let i = 0; i < tm; i++) {
      L.push(`  if (r0 + ${i}u < M) {`);
      for (let j = 0; j < tw; j++) {
        L.push(`    if (cw${j} < nw) {`);
        for (let qq = 0; qq < 8; qq++) L.push(`      out[(r0 + ${i}u) * N + cw${j} * 8u + ${qq}u] = c${i}_${j}_${qq};`);
        L.push('    }');
      }
      L.push('  }');
    }
  }
  L.push('}');
  return L.join('\n');
}


/**
 * Records `out = x @ D` (or `x @ Dᵀ`) with the 4-bit texture kernel and returns true, or records
 * nothing and returns false when it does not apply: no fixed subgroup size, x not texel-aligned
 * (its length k and offset must be multiples of 4), packed words not aligned with the rows of the
 * product (k % 8 for a transposed weight, n % 8 otherwise), or sizes past the grid and texture limits.
 *
 * @example
 * ```ts
 * if (!encodeMatmul4bitTexture(runner, x, xBuf, packed, pBuf, absmax, aBuf, q, out)) runner.run(fallback, bufs);
 * ```
 */
export function encodeMatmul4bitTexture(
  runner: Partial<TextureRunner>,
  views: { x: View; packed: View; absmax: View; nestedAbsmax?: View },
  bufs: readonly GPUBuffer[],
  q: Matmul4bit,
  out: GPUBuffer,
): boolean {
  if (!runner.device || !runner.encode) return false;
  const res = textureResourcesOf(runner.device);
  const sg = matmulDeviceProfile(runner.device, true).subgroupSize;
  const { x, packed, absmax } = views;
  const k = x.shape[x.shape.length - 1];
  const m = k === 0 ? 0 : shapeSize(x.shape) / k;
  const n = q.transpose ? q.rows : q.cols;
  const nested = q.nested && views.nestedAbsmax ? views.nestedAbsmax : null;
  if (!sg || m === 0 || n === 0 || k % 4 !== 0 || x.offset % 4 !== 0) return false;
  if (q.transpose ? k % 8 !== 0 : n % 8 !== 0) return false;
  const tile = TILES[q.transpose ? 't' : 'n'];
  const gx = Math.ceil((q.transpose ? n : n / 8) / (sg * tile.tw));
  const gy = Math.ceil(m / tile.tm);
  if (gx > MAX_GRID || gy > MAX_GRID) return false;
  const texels = (m * k) / 4;
  const wordCount = Math.ceil((q.rows * q.cols) / 8);
  const tex = res.acquireTexture(texels);
  const wTex = tex && q.transpose ? res.acquireTexture(wordCount, 'r32uint') : null;
  if (!tex || (q.transpose && !wTex)) {
    if (tex) res.releaseTexture(tex);
    return false;
  }
  // words sharing one scale: a block holds whole words of one row of the product when it divides the row
  const group = q.transpose && k % q.blocksize === 0 ? q.blocksize / 8 : 1;
  const storageTex = res.readOnlyStorage;
  // plain weight: the workgroup's 8 * sg * tw columns at one k lie in one block when blocks divide rows
  const sharedScale = !q.transpose && n % q.blocksize === 0 && q.blocksize % (8 * sg * tile.tw) === 0;
  const pipe = res.pipeline(matmul4bitTextureSource(q, sg, tile, res.wShift, storageTex, sharedScale));
  const words = [m, n, k, q.cols, Math.log2(q.blocksize), 0, packed.offset, absmax.offset, 0, 0, 0, group];
  if (wTex) words[6] = 0; // the word texture starts at the first code word
  if (nested && q.nested) [words[8], words[9], words[10]] = [Math.log2(q.nested.blocksize), nested.offset, f32Bits(q.nested.offset)];
  const [xBuf, pBuf, aBuf, nBuf] = bufs;
  const width = 1 << res.wShift;
  const first = x.offset / 4;
  const full = Math.floor(texels / width);
  const rest = texels - full * width;
  const entries: GPUBindGroupEntry[] = [
    { binding: 0, resource: { buffer: res.uniform(words) } },
    { binding: 1, resource: tex.createView() },
    { binding: 2, resource: wTex ? wTex.createView() : { buffer: pBuf } },
    { binding: 3, resource: { buffer: aBuf } },
    ...(nested ? [{ binding: 4, resource: { buffer: nBuf } }] : []),
    { binding: nested ? 5 : 4, resource: { buffer: out } },
  ];
  const group0 = runner.device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries });
  const wFull = Math.floor(wordCount / width);
  const wRest = wordCount - wFull * width;
  runner.encode((enc) => {
    if (wTex && wFull > 0) enc.copyBufferToTexture({ buffer: pBuf, offset: packed.offset * 4, bytesPerRow: width * 4 }, { texture: wTex }, [width, wFull, 1]);
    if (wTex && wRest > 0) enc.copyBufferToTexture({ buffer: pBuf, offset: (packed.offset + wFull * width) * 4 }, { texture: wTex, origin: [0, wFull, 0] }, [wRest, 1, 1]);
    if (full > 0) enc.copyBufferToTexture({ buffer: xBuf, offset: first * 16, bytesPerRow: width * 16 }, { texture: tex }, [width, full, 1]);
    if (rest > 0) enc.copyBufferToTexture({ buffer: xBuf, offset: (first + full * width) * 16 }, { texture: tex, origin: [0, full, 0] }, [rest, 1, 1]);
    const pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, group0);
    pass.dispatchWorkgroups(gx, gy, 1);
    pass.end();
  }, 'matmul4bit-texture');
  res.releaseTexture(tex);
  if (wTex) res.releaseTexture(wTex);
  return true;
}
