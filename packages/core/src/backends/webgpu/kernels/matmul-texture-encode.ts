import type { View } from '../../../backend.js';
import { shapeSize } from '../../../shape.js';
import { type TexelFormat, type TextureMatmulConfig, textureMatmulGrid, textureMatmulSource, textureMatmulWords } from './matmul-texture.js';
import { type PackPlane, texelCopyPlan, texturePackSource, texturePackWords } from './matmul-texture-pack.js';
import { MAX_GRID } from './wgsl.js';

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
  encode(fn: (encoder: GPUCommandEncoder) => void): void;
}

/**
 * How one operand reaches its texture: its texel format, the plane the packer or the copy reads,
 * texture size, and whether one layer serves every batch.
 *
 * @example
 * ```ts
 * const p = planTextureOperand(aView, 'a', [2], 1 << 20, limits);
 * ```
 */
export interface OperandPlan {
  readonly format: TexelFormat;
  readonly plane: PackPlane;
  readonly width: number;
  readonly height: number;
  readonly layers: number;
  /** 1 when the texture has a layer per batch, 0 when its single layer is broadcast. */
  readonly layerStep: 0 | 1;
  /** Set when a `copyBufferToTexture` can lay the operand out (f32 only). */
  readonly copy: ReturnType<typeof texelCopyPlan>;
}

/** Texture limits the planner respects. @example `const l: TextureLimits = device.limits;` */
export interface TextureLimits {
  readonly maxTextureDimension2D: number;
  readonly maxTextureArrayLayers: number;
}

/**
 * Plans one operand of a batched matmul (`which` is `a` for `[..., m, k]`, `b` for `[..., k, n]`).
 * Prefers a direct copy in either texel format; otherwise packs along k. Returns null when the
 * texture would exceed the device's limits.
 *
 * @example
 * ```ts
 * planTextureOperand(bView, 'b', [], bBuffer.size, device.limits);
 * ```
 */
export function planTextureOperand(
  v: View,
  which: 'a' | 'b',
  batchShape: readonly number[],
  bufferBytes: number,
  limits: TextureLimits,
): OperandPlan | null {
  const r = v.shape.length;
  const outerAxis = which === 'a' ? r - 2 : r - 1;
  const kAxis = which === 'a' ? r - 1 : r - 2;
  const [nOuter, k] = [v.shape[outerAxis], v.shape[kAxis]];
  const [sOuter, sK] = [v.strides[outerAxis], v.strides[kAxis]];
  const batchStrides = v.strides.slice(0, r - 2);
  const broadcast = batchStrides.every((s, i) => s === 0 || batchShape[i] === 1);
  const layers = broadcast ? 1 : shapeSize(batchShape);
  const batch = broadcast ? { batchSizes: [], batchStrides: [] } : { batchSizes: batchShape, batchStrides };
  const planes: Record<TexelFormat, PackPlane> = {
    k4: { rows: nOuter, q: k, rowStride: sOuter, qStride: sK, offset: v.offset, ...batch },
    mn4: { rows: k, q: nOuter, rowStride: sK, qStride: sOuter, offset: v.offset, ...batch },
  };
  const fits = (p: PackPlane): boolean =>
    Math.ceil(p.q / 4) <= limits.maxTextureDimension2D && p.rows <= limits.maxTextureDimension2D && p.rows <= MAX_GRID && layers <= limits.maxTextureArrayLayers && layers <= MAX_GRID;
  const order: TexelFormat[] = ['k4', 'mn4'];
  const make = (format: TexelFormat, copy: ReturnType<typeof texelCopyPlan>): OperandPlan => {
    const plane = planes[format];
    return { format, plane, width: Math.ceil(plane.q / 4), height: plane.rows, layers, layerStep: broadcast ? 0 : 1, copy };
  };
  if (v.dtype === 'f32') {
    for (const f of order) {
      const copy = fits(planes[f]) ? texelCopyPlan(planes[f], bufferBytes) : null;
      if (copy) return make(f, copy);
    }
  }
  for (const f of order) {
    if (fits(planes[f]) && texturePackWords(planes[f])) return make(f, null);
  }
  return null;
}

/** Textures, pipelines and parameter buffers of one device, kept between matmuls. */
class DeviceResources {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly textures = new Map<string, GPUTexture[]>();
  private readonly params = new Map<string, GPUBuffer>();
  private pooledBytes = 0;

  constructor(readonly device: GPUDevice) {}

  pipeline(source: string): GPUComputePipeline {
    let p = this.pipelines.get(source);
    if (!p) {
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module: this.device.createShaderModule({ code: source }), entryPoint: 'main' } });
      this.pipelines.set(source, p);
    }
    return p;
  }

  /** An immutable uniform buffer holding `words` (shared by every dispatch with the same words). */
  uniform(words: readonly number[]): GPUBuffer {
    const key = words.join(',');
    let b = this.params.get(key);
    if (!b) {
      if (this.params.size >= 512) this.params.clear(); // dropped buffers are freed once unreferenced
      b = this.device.createBuffer({ size: Math.max(16, Math.ceil(words.length / 4) * 16), usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
      new Uint32Array(b.getMappedRange()).set(words);
      b.unmap();
      this.params.set(key, b);
    }
    return b;
  }

  acquireTexture(width: number, height: number, layers: number): GPUTexture {
    const key = `${width}x${height}x${layers}`;
    const t = this.textures.get(key)?.pop();
    if (t) {
      this.pooledBytes -= width * height * layers * 16;
      return t;
    }
    return this.device.createTexture({
      size: [width, height, layers],
      format: 'rgba32float',
      usage: GPUTextureUsage.COPY_DST | GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING,
    });
  }

  /** Returns a texture for reuse by later matmuls (safe: commands run in recording order). */
  releaseTexture(t: GPUTexture): void {
    const bytes = t.width * t.height * t.depthOrArrayLayers * 16;
    if (this.pooledBytes + bytes > MAX_POOLED_TEXTURE_BYTES) {
      // over budget: forget the pool (textures are freed once no pending command uses them)
      this.textures.clear();
      this.pooledBytes = 0;
    }
    const key = `${t.width}x${t.height}x${t.depthOrArrayLayers}`;
    const list = this.textures.get(key) ?? [];
    list.push(t);
    this.textures.set(key, list);
    this.pooledBytes += bytes;
  }
}

/** Bytes of packed-operand textures kept per device for reuse. */
const MAX_POOLED_TEXTURE_BYTES = 256 << 20;

const resources = new WeakMap<GPUDevice, DeviceResources>();

function resourcesOf(device: GPUDevice): DeviceResources {
  let r = resources.get(device);
  if (!r) {
    r = new DeviceResources(device);
    resources.set(device, r);
  }
  return r;
}

/**
 * Records `out = a @ b` with the texture-packed kernel: each operand is copied or packed into an
 * rgba32float texture array, then the kernel runs. Returns false (recording nothing) when the
 * operands do not fit the device's texture limits; the caller then uses another kernel.
 *
 * @example
 * ```ts
 * if (!encodeTextureMatmul(runner, cfg, a, aBuf, b, bBuf, out)) encodeOther();
 * ```
 */
export function encodeTextureMatmul(
  runner: TextureRunner,
  base: Pick<TextureMatmulConfig, 'tm' | 'tn' | 'sg' | 'storageTextures'>,
  a: View,
  aBuf: GPUBuffer,
  b: View,
  bBuf: GPUBuffer,
  out: GPUBuffer,
): boolean {
  const r = a.shape.length;
  const [m, k, n] = [a.shape[r - 2], a.shape[r - 1], b.shape[r - 1]];
  const batchShape = a.shape.slice(0, -2);
  const batches = shapeSize(batchShape);
  const limits = runner.device.limits;
  const pa = planTextureOperand(a, 'a', batchShape, aBuf.size, limits);
  const pb = planTextureOperand(b, 'b', batchShape, bBuf.size, limits);
  if (!pa || !pb) return false;
  const res = resourcesOf(runner.device);
  const cfg: TextureMatmulConfig = {
    ...base,
    tm: pa.format === 'mn4' ? Math.ceil(base.tm / (4 * base.sg)) * 4 * base.sg : base.tm,
    tn: pb.format === 'mn4' ? Math.ceil(base.tn / 4) * 4 : base.tn,
    aFormat: pa.format,
    bFormat: pb.format,
    out: a.dtype === 'f16' ? 'f16' : 'f32',
  };
  const kernel = res.pipeline(textureMatmulSource(cfg));
  const stage = (p: OperandPlan, v: View, buf: GPUBuffer): GPUTexture => {
    const tex = res.acquireTexture(p.width, p.height, p.layers);
    if (p.copy) {
      const c = p.copy;
      runner.encode((enc) =>
        enc.copyBufferToTexture({ buffer: buf, offset: c.offsetBytes, bytesPerRow: c.bytesPerRow, rowsPerImage: c.rowsPerImage }, { texture: tex }, [p.width, p.height, c.layers]),
      );
      return tex;
    }
    const pack = res.pipeline(texturePackSource(v.dtype === 'f16' ? 'f16' : 'f32'));
    const group = runner.device.createBindGroup({
      layout: pack.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: res.uniform(texturePackWords(p.plane)!) } },
        { binding: 1, resource: { buffer: buf } },
        { binding: 2, resource: tex.createView({ dimension: '2d-array' }) },
      ],
    });
    runner.encode((enc) => {
      const pass = enc.beginComputePass();
      pass.setPipeline(pack);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(Math.ceil(p.width / 64), p.height, p.layers);
      pass.end();
    });
    return tex;
  };
  const ta = stage(pa, a, aBuf);
  const tb = stage(pb, b, bBuf);
  const views = [ta.createView({ dimension: '2d-array' }), tb.createView({ dimension: '2d-array' })];
  for (let z = 0; z < batches; z += MAX_GRID) {
    const count = Math.min(MAX_GRID, batches - z);
    const words = textureMatmulWords({ m, n, k, zBase: z, aLayer: pa.layerStep, bLayer: pb.layerStep });
    const group = runner.device.createBindGroup({
      layout: kernel.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: res.uniform(words) } },
        { binding: 1, resource: views[0] },
        { binding: 2, resource: views[1] },
        { binding: 3, resource: { buffer: out } },
      ],
    });
    runner.encode((enc) => {
      const pass = enc.beginComputePass();
      pass.setPipeline(kernel);
      pass.setBindGroup(0, group);
      const [gx, gy] = textureMatmulGrid(cfg, m, n, count);
      pass.dispatchWorkgroups(gx, gy, count);
      pass.end();
    });
  }
  res.releaseTexture(ta);
  res.releaseTexture(tb);
  return true;
}
