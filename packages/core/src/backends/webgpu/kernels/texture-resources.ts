/**
 * Texel formats of the operand textures: four f32, four f16, four bf16 in two words, or one packed
 * word (4-bit weights).
 */
export type OperandTextureFormat = 'rgba32float' | 'rgba16float' | 'rg32uint' | 'r32uint';

const TEXEL_BYTES: Readonly<Record<OperandTextureFormat, number>> = { rgba32float: 16, rgba16float: 8, rg32uint: 8, r32uint: 4 };

/**
 * Bytes of one texel of `format`.
 *
 * @example
 * ```ts
 * texelBytes('rg32uint'); // 8
 * ```
 */
export function texelBytes(format: OperandTextureFormat): number {
  return TEXEL_BYTES[format];
}

/** Bytes of operand textures kept per device for reuse. */
const MAX_POOLED_TEXTURE_BYTES = 256 << 20;

/**
 * What the texture matmul kernels (f32 and 4-bit) keep per device between products: pipelines,
 * immutable parameter buffers, a pool of operand textures, and whether read-only storage textures
 * compile here.
 *
 * @internal
 * @example
 * ```ts
 * const res = textureResourcesOf(device);
 * const tex = res.acquireTexture(texels); // … record the product …
 * res.releaseTexture(tex);
 * ```
 */
export class TextureResources {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly keyed = new Map<string, GPUComputePipeline>();
  private readonly textures = new Map<string, GPUTexture[]>();
  private readonly params = new Map<string, GPUBuffer>();
  private pooledBytes = 0;
  /** Told the bytes of each texture taken from (positive) or returned to (negative) the pool, for memory accounting. */
  onUse: ((bytes: number) => void) | null = null;
  /** log2 of the texture width in texels. */
  readonly wShift: number;
  /** Read-only storage textures compile here (set once a probe compiles; sampled textures until then). */
  readOnlyStorage = false;

  constructor(readonly device: GPUDevice) {
    this.wShift = Math.min(12, Math.floor(Math.log2(device.limits.maxTextureDimension2D)));
    // WGSL's readonly_and_readwrite_storage_textures is not visible from a device: try it once
    device.pushErrorScope('validation');
    device.createShaderModule({
      code: '@group(0) @binding(0) var t: texture_storage_2d<rgba32float, read>;\n@compute @workgroup_size(1) fn main() { _ = textureLoad(t, vec2u(0u, 0u)); }',
    });
    void device.popErrorScope().then(
      (err) => {
        this.readOnlyStorage = err === null;
      },
      () => undefined,
    );
  }

  /** The pipeline for `key`, building its source only the first time (sources are long to generate). */
  pipelineFor(key: string, source: () => string): GPUComputePipeline {
    let p = this.keyed.get(key);
    if (!p) {
      p = this.pipeline(source());
      this.keyed.set(key, p);
    }
    return p;
  }

  /** The pipeline compiled from `source`, cached by the source text. */
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

  /** A texture of at least `texels` texels (rows rounded up to a power of two), or null past the limits. */
  acquireTexture(texels: number, format: OperandTextureFormat = 'rgba32float'): GPUTexture | null {
    const width = 1 << this.wShift;
    const rows = 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(texels / width))));
    if (rows > this.device.limits.maxTextureDimension2D) return null;
    const bytes = width * rows * TEXEL_BYTES[format];
    this.onUse?.(bytes);
    const t = this.textures.get(`${format} ${rows}`)?.pop();
    if (t) {
      this.pooledBytes -= bytes;
      return t;
    }
    return this.device.createTexture({
      size: [width, rows],
      format,
      usage: GPUTextureUsage.COPY_DST | GPUTextureUsage.COPY_SRC | GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING,
    });
  }

  /** Bytes of textures waiting in the pool. @example `res.pooledTextureBytes` */
  get pooledTextureBytes(): number {
    return this.pooledBytes;
  }

  /** Returns a texture for reuse by later products (safe: commands run in recording order). */
  releaseTexture(t: GPUTexture): void {
    const format = t.format as OperandTextureFormat;
    const bytes = t.width * t.height * TEXEL_BYTES[format];
    this.onUse?.(-bytes);
    if (this.pooledBytes + bytes > MAX_POOLED_TEXTURE_BYTES) {
      // over budget: forget the pool (textures are freed once no pending command uses them)
      this.textures.clear();
      this.pooledBytes = 0;
    }
    const key = `${format} ${t.height}`;
    const list = this.textures.get(key) ?? [];
    list.push(t);
    this.textures.set(key, list);
    this.pooledBytes += bytes;
  }
}

const resources = new WeakMap<GPUDevice, TextureResources>();

/**
 * The {@link TextureResources} of `device`, made on first use.
 *
 * @internal
 * @example
 * ```ts
 * const res = textureResourcesOf(runner.device);
 * ```
 */
export function textureResourcesOf(device: GPUDevice): TextureResources {
  let r = resources.get(device);
  if (!r) {
    r = new TextureResources(device);
    resources.set(device, r);
  }
  return r;
}
