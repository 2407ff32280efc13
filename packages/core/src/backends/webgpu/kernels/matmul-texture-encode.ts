import { type Bindable, bindingResource } from '../buffer-window.js';
import type { View } from '../../../backend-interface.js';
import { contiguousStrides, shapeSize } from '../../../shape.js';
import { type TexelFormat, type TexelType, type TextureMatmulConfig, textureMatmulGrid, textureMatmulSource, textureMatmulWords } from './matmul-texture.js';
import { type PackPlane, texelCopyPlan, texturePackSource, texturePackWords } from './matmul-texture-pack.js';
import { planWalk } from './strided-walk.js';
import { type OperandTextureFormat, type TextureResources, texelBytes, textureResourcesOf } from './texture-resources.js';
import { MAX_GRID } from './wgsl.js';
import { matmulOutDType } from './matmul-dtype.js';

/**
 * What the texture matmul needs from the backend beyond buffer dispatches: the device (it makes its
 * own pipelines, textures and parameter buffers) and a way to record commands in order with the
 * backend's other dispatches.
 *
 * @example
 * ```ts
 * const r: TextureRunner = { device, encode: (fn) => fn(encoder) };
 * ```
 */
export interface TextureRunner {
  readonly device: GPUDevice;
  /** Records commands in order with the backend's dispatches; no compute pass is open while `fn` runs. */
  encode(fn: (encoder: GPUCommandEncoder) => void, family?: string): void;
}

/** The texture format whose texels are a dtype's own bytes, four elements each. */
const COPY_TEXELS: Readonly<Partial<Record<string, { texel: TexelType; format: OperandTextureFormat; bytes: number }>>> = {
  f32: { texel: 'f32', format: 'rgba32float', bytes: 4 },
  f16: { texel: 'f16', format: 'rgba16float', bytes: 2 },
  bf16: { texel: 'bf16', format: 'rg32uint', bytes: 2 },
};

/**
 * How one operand reaches texel space: its format, how many texels it takes, whether they are copied
 * from the buffer (`copyFrom`, the first texel of the span, into a texture of `texture` format
 * whose texels hold `texel` values) or packed (`pack`, always f32 texels), and how the kernel
 * addresses them (texel row stride and per-batch texel strides; 0 broadcasts).
 *
 * @example
 * ```ts
 * const p = planTextureOperand(aView, 'a', [2], 1 << 20);
 * ```
 */
export interface OperandPlan {
  readonly format: TexelFormat;
  readonly texel: TexelType;
  readonly texture: OperandTextureFormat;
  readonly texels: number;
  readonly copyFrom: number | null;
  readonly pack: PackPlane | null;
  readonly rowStride: number;
  readonly batchStrides: readonly number[];
}

/**
 * Plans one operand of a batched matmul (`which` is `a` for `[..., m, k]`, `b` for `[..., k, n]`):
 * a copy of the buffer's texels in whichever format allows it, else a packing pass along k (along
 * m or n when k is 1 to 3 and they are longer). Returns null when neither works (too many batch
 * axes for the packer).
 *
 * @example
 * ```ts
 * planTextureOperand(bView, 'b', [], bBuffer.size);
 * ```
 */
export function planTextureOperand(v: View, which: 'a' | 'b', batchShape: readonly number[], bufferBytes: number): OperandPlan | null {
  const r = v.shape.length;
  const outerAxis = which === 'a' ? r - 2 : r - 1;
  const kAxis = which === 'a' ? r - 1 : r - 2;
  const [nOuter, k] = [v.shape[outerAxis], v.shape[kAxis]];
  const [sOuter, sK] = [v.strides[outerAxis], v.strides[kAxis]];
  const batchStrides = v.strides.slice(0, r - 2).map((s, i) => (batchShape[i] === 1 ? 0 : s));
  const planes: Record<TexelFormat, PackPlane> = {
    k4: { rows: nOuter, q: k, rowStride: sOuter, qStride: sK, offset: v.offset, batchSizes: batchShape, batchStrides },
    mn4: { rows: k, q: nOuter, rowStride: sK, qStride: sOuter, offset: v.offset, batchSizes: batchShape, batchStrides },
  };
  const formats: TexelFormat[] = ['k4', 'mn4'];
  const copy = COPY_TEXELS[v.dtype];
  if (copy) {
    for (const format of formats) {
      const c = texelCopyPlan(planes[format], bufferBytes, copy.bytes);
      if (c) return { format, texel: copy.texel, texture: copy.format, texels: c.texels, copyFrom: c.firstTexel, pack: null, rowStride: c.rowStride, batchStrides: c.batchStrides };
    }
  }
  const format: TexelFormat = k < 4 && nOuter > k ? 'mn4' : 'k4';
  // the packer writes compact planes, one per batch (a single one when the operand is broadcast)
  const broadcast = batchStrides.every((s) => s === 0);
  const plane = broadcast ? { ...planes[format], batchSizes: [], batchStrides: [] } : planes[format];
  if (!texturePackWords(plane)) return null;
  const width = Math.ceil(plane.q / 4);
  const planeTexels = plane.rows * width;
  const layerStrides = broadcast ? batchShape.map(() => 0) : contiguousStrides(batchShape).map((s) => s * planeTexels);
  const texels = planeTexels * (broadcast ? 1 : shapeSize(batchShape));
  return { format, texel: 'f32', texture: 'rgba32float', texels, copyFrom: null, pack: plane, rowStride: width, batchStrides: layerStrides };
}

let sampledOnly = false;
let rowsFirst: boolean | undefined;

/**
 * Overrides which tile order the texture matmul dispatches (undefined restores the automatic
 * choice); for benchmarks.
 *
 * @example
 * ```ts
 * setTextureRowsFirst(true);
 * ```
 */
export function setTextureRowsFirst(on: boolean | undefined): void {
  rowsFirst = on;
}

/**
 * Makes the texture matmul read sampled textures even where read-only storage textures work (they
 * are faster on lavapipe); for tests of the fallback path. `false` restores the default.
 *
 * @example
 * ```ts
 * useSampledTextures(true);
 * ```
 */
export function useSampledTextures(on: boolean): void {
  sampledOnly = on;
}


/** Records the copy or packing pass that fills `tex` with an operand's texels. */
function stage(runner: TextureRunner, res: TextureResources, p: OperandPlan, v: View, buf: Bindable, tex: GPUTexture): void {
  const width = 1 << res.wShift;
  const src = bindingResource(buf);
  if (p.copyFrom !== null) {
    const first = p.copyFrom;
    const full = Math.floor(p.texels / width);
    const rest = p.texels - full * width;
    const bytes = texelBytes(p.texture);
    runner.encode((enc) => {
      if (full > 0) enc.copyBufferToTexture({ buffer: src.buffer, offset: src.offset + first * bytes, bytesPerRow: width * bytes }, { texture: tex }, [width, full, 1]);
      if (rest > 0) enc.copyBufferToTexture({ buffer: src.buffer, offset: src.offset + (first + full * width) * bytes }, { texture: tex, origin: [0, full, 0] }, [rest, 1, 1]);
    }, 'matmul-texture copy-in');
    return;
  }
  const plane = p.pack!;
  const packType = v.dtype === 'f16' || v.dtype === 'bf16' ? v.dtype : 'f32';
  const pack = res.pipelineFor(`pack:${packType}:${res.wShift}`, () => texturePackSource(packType, res.wShift));
  const group = runner.device.createBindGroup({
    layout: pack.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: res.uniform(texturePackWords(plane)!) } },
      { binding: 1, resource: src },
      { binding: 2, resource: tex.createView() },
    ],
  });
  const layers = shapeSize(plane.batchSizes);
  runner.encode((enc) => {
    const pass = enc.beginComputePass();
    pass.setPipeline(pack);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(Math.ceil(Math.ceil(plane.q / 4) / 64), plane.rows, layers);
    pass.end();
  }, 'matmul-texture pack');
}

/**
 * Records `out = a @ b` with the texture-packed kernel: each operand is copied or packed into a
 * texture, then the kernel runs. Returns false (recording nothing) when an operand does not fit the
 * device's texture limits or the packer; the caller then uses another kernel.
 *
 * @example
 * ```ts
 * if (!encodeTextureMatmul(runner, { tm: 32, tn: 4, sg: 8 }, a, aBuf, b, bBuf, out)) encodeOther();
 * ```
 */
export function encodeTextureMatmul(
  runner: TextureRunner,
  base: Pick<TextureMatmulConfig, 'tm' | 'tn' | 'sg'>,
  a: View,
  aBuf: Bindable,
  b: View,
  bBuf: Bindable,
  out: Bindable,
): boolean {
  const r = a.shape.length;
  const [m, k, n] = [a.shape[r - 2], a.shape[r - 1], b.shape[r - 1]];
  const batchShape = a.shape.slice(0, -2);
  const batches = shapeSize(batchShape);
  if (k === 0 || batches === 0 || m === 0 || n === 0) return false;
  const pa = planTextureOperand(a, 'a', batchShape, bindingResource(aBuf).size);
  const pb = planTextureOperand(b, 'b', batchShape, bindingResource(bBuf).size);
  // a packing pass covers its rows and batches in one dispatch
  const packable = (p: OperandPlan): boolean => !p.pack || (p.pack.rows <= MAX_GRID && shapeSize(p.pack.batchSizes) <= MAX_GRID);
  if (!pa || !pb || !packable(pa) || !packable(pb)) return false;
  const res = textureResourcesOf(runner.device);
  const ta = res.acquireTexture(pa.texels, pa.texture);
  const tb = ta && res.acquireTexture(pb.texels, pb.texture);
  if (!ta || !tb) {
    if (ta) res.releaseTexture(ta);
    return false;
  }
  stage(runner, res, pa, a, aBuf, ta);
  stage(runner, res, pb, b, bBuf, tb);
  const outTexels = (batches * m * n) / 4;
  const outDtype = matmulOutDType(a, b);
  const tc = outDtype === 'f32' && n % 4 === 0 && base.tn % 4 === 0 ? res.acquireTexture(outTexels) : null;
  const cfg: TextureMatmulConfig = {
    ...base,
    texelOut: tc !== null,
    tm: pa.format === 'mn4' ? Math.ceil(base.tm / (4 * base.sg)) * 4 * base.sg : base.tm,
    tn: pb.format === 'mn4' ? Math.ceil(base.tn / 4) * 4 : base.tn,
    aFormat: pa.format,
    bFormat: pb.format,
    aTexel: pa.texel,
    bTexel: pb.texel,
    wShift: res.wShift,
    rowsFirst: rowsFirst ?? pb.format === 'mn4',
    storageTextures: res.readOnlyStorage && !sampledOnly,
    out: outDtype === 'f16' ? 'f16' : 'f32',
  };
  const walk = planWalk(batchShape, [
    { strides: pa.batchStrides, offset: 0 },
    { strides: pb.batchStrides, offset: 0 },
  ]);
  const kernel = res.pipelineFor(`matmul:${JSON.stringify([cfg, walk.sig])}`, () => textureMatmulSource(cfg, walk.sig));
  const [viewA, viewB] = [ta.createView(), tb.createView()];
  for (let z = 0; z < batches; z += MAX_GRID) {
    const count = Math.min(MAX_GRID, batches - z);
    const words = [...textureMatmulWords({ m, n, k, zBase: z, aStride: pa.rowStride, bStride: pb.rowStride }), ...walk.words];
    const group = runner.device.createBindGroup({
      layout: kernel.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: res.uniform(words) } },
        { binding: 1, resource: viewA },
        { binding: 2, resource: viewB },
        { binding: 3, resource: tc ? tc.createView() : bindingResource(out) },
      ],
    });
    const [gx, gy] = textureMatmulGrid(cfg, m, n, count);
    runner.encode((enc) => {
      const pass = enc.beginComputePass();
      pass.setPipeline(kernel);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(gx, gy, count);
      pass.end();
    }, 'matmul-texture');
  }
  if (tc) {
    const width = 1 << res.wShift;
    const full = Math.floor(outTexels / width);
    const rest = outTexels - full * width;
    const dst = bindingResource(out);
    runner.encode((enc) => {
      if (full > 0) enc.copyTextureToBuffer({ texture: tc }, { buffer: dst.buffer, offset: dst.offset, bytesPerRow: width * 16 }, [width, full, 1]);
      if (rest > 0) enc.copyTextureToBuffer({ texture: tc, origin: [0, full, 0] }, { buffer: dst.buffer, offset: dst.offset + full * width * 16 }, [rest, 1, 1]);
    }, 'matmul-texture copy-out');
    res.releaseTexture(tc);
  }
  res.releaseTexture(ta);
  res.releaseTexture(tb);
  return true;
}
