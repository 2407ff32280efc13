import type { Bindable } from '../buffer-window.js';
import type { View } from '../../../backend-interface.js';
import { PeftError } from '../../../errors.js';
import { isFloat } from '../../../dtype.js';
import { matmulOutDType } from './matmul-dtype.js';
import { shapeSize } from '../../../shape.js';
import { type TextureRunner, encodeTextureMatmul } from './matmul-texture-encode.js';
import { tiledMatmulKernel } from './matmul-tiled.js';
import type { KernelRunner } from './runner.js';
import { MAX_GRID } from './wgsl.js';

/**
 * The matmul kernel families: `register` (portable register tiles straight from storage buffers, the
 * fallback everywhere), `tiled` (workgroup-memory tiles, for hardware GPUs) and `texture`
 * (texture-packed operands shared by subgroup broadcasts, for CPU adapters such as lavapipe).
 *
 * @example
 * ```ts
 * const k: MatmulKernelName = 'tiled';
 * ```
 */
export type MatmulKernelName = 'register' | 'tiled' | 'texture';

/**
 * What kernel selection looks at: the device's features and adapter info, and whether the backend
 * can record texture work. Usually built by {@link matmulDeviceProfile}.
 *
 * @example
 * ```ts
 * const p: MatmulDeviceProfile = { software: true, subgroupSize: 8, textureOk: true };
 * ```
 */
export interface MatmulDeviceProfile {
  /** A CPU implementation of WebGPU/Vulkan (lavapipe, llvmpipe, SwiftShader, WARP) or a fallback adapter. */
  readonly software: boolean;
  /** The fixed subgroup size when the device has `subgroups` and min = max, else 0. */
  readonly subgroupSize: number;
  /** The runner can record texture copies and custom dispatches. */
  readonly textureOk: boolean;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/i;

/**
 * Reads a {@link MatmulDeviceProfile} off a device (`device.adapterInfo`, features).
 *
 * @example
 * ```ts
 * matmulDeviceProfile(device, true); // { software: true, subgroupSize: 8, textureOk: true } on lavapipe
 * ```
 */
export function matmulDeviceProfile(device: GPUDevice, textureOk: boolean): MatmulDeviceProfile {
  const info = (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const text = info ? `${info.vendor} ${info.architecture} ${info.device} ${info.description}` : '';
  const fallback = (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter === true;
  const software = fallback || info?.architecture === 'software' || SOFTWARE_NAMES.test(text);
  const sg = info as { subgroupMinSize?: number; subgroupMaxSize?: number } | undefined;
  const fixed = device.features.has('subgroups') && sg?.subgroupMinSize && sg.subgroupMinSize === sg.subgroupMaxSize ? sg.subgroupMinSize : 0;
  return { software, subgroupSize: fixed && fixed >= 4 && fixed <= 64 ? fixed : 0, textureOk };
}

/**
 * Picks the kernel for `batches` products of `m x k` by `k x n`. Integer products and small ones use
 * the register kernel; large float products use the tiled kernel on hardware GPUs (when no side is
 * thin) and the texture kernel on CPU adapters with fixed-size subgroups (where it also wins for thin
 * products such as a LoRA projection, since every storage-buffer access is slow there). On CPU
 * adapters the work of the whole batch counts: attention's many small products (64 x 64 x 32 per
 * head) run in one texture dispatch faster than in the register kernel.
 *
 * @example
 * ```ts
 * chooseMatmulKernel(profile, 1024, 1024, 1024, 'f32'); // 'texture' on lavapipe, 'tiled' on a GPU
 * chooseMatmulKernel(profile, 64, 64, 32, 'f32', 32);   // 'texture' on lavapipe
 * ```
 */
export function chooseMatmulKernel(p: MatmulDeviceProfile, m: number, n: number, k: number, dtype: string, batches = 1): MatmulKernelName {
  if (dtype !== 'f32' && dtype !== 'f16') return 'register';
  if (p.software) {
    // measured on lavapipe: the texture path's copies and extra passes pay off from about 2^19
    // multiply-adds (128^3 runs 3x faster, 64^3 2x slower alone), counted over the batch as long as
    // each product has 2^16 (the headline LoRA step's attention products: matmul kernel time 222 ->
    // 197 ms); with k = 1 there is nothing to share
    const big = k >= 2 && batches * m * n * k >= 1 << 19 && m * n * k >= 1 << 16;
    return big && p.subgroupSize && p.textureOk ? 'texture' : 'register';
  }
  return m >= 32 && n >= 32 && k >= 16 && m * n * k >= 1 << 18 ? 'tiled' : 'register';
}

/**
 * The texture kernel's tile for a product: 8 columns per lane and `4 * sg` rows for wide outputs
 * (at least `16 * sg` columns: every projection of a real model), else 4 columns per lane (fewer
 * for narrow outputs, so that lanes are not wasted: a LoRA down-projection has n = rank) and `4 * sg`
 * rows (`8 * sg` for tall outputs, `2 * sg` for short ones).
 *
 * @example
 * ```ts
 * textureTile(8, 4096, 8);   // { tm: 64, tn: 1, sg: 8 }
 * textureTile(8, 1024, 576); // { tm: 32, tn: 8, sg: 8 }
 * ```
 */
export function textureTile(sg: number, m: number, n: number): { tm: number; tn: number; sg: number } {
  // measured on lavapipe, interleaved (min of 5 rounds): 32 x 8 against 64 x 4 ties on SmolLM2's
  // large 1024-token products (x·Wᵀ 1024x576x1536 48 vs 46 ms, g·W 1024x1536x576 54 vs 61, within
  // the noise between runs) and wins on the smaller ones (1024x576x192 5.0 vs 6.4 ms, 1024x192x576
  // 6.5 vs 8.1, 512x576x1536 21.5 vs 28.6)
  const tn = n <= sg ? 1 : n <= 2 * sg ? 2 : n < 16 * sg ? 4 : 8;
  // taller tiles fetch B less often per product (about 10-20% on lavapipe for m = 4096 with 4
  // columns per lane) but waste more on short outputs and take longer to compile
  const tm = m <= 2 * sg ? 2 * sg : m >= 128 * sg && tn < 8 ? 8 * sg : 4 * sg;
  return { tm, tn, sg };
}

let forced: MatmulKernelName | null = null;
let forcedTile: { tm: number; tn: number } | null = null;

/**
 * Forces one kernel family for every matmul (null restores automatic choice), and optionally the
 * texture kernel's tile, for tests and benchmarks. A forced kernel the device cannot run makes
 * matmul throw.
 *
 * @example
 * ```ts
 * forceMatmulKernel('texture', { tm: 16, tn: 2 });
 * try { ... } finally { forceMatmulKernel(null); }
 * ```
 */
export function forceMatmulKernel(name: MatmulKernelName | null, tile?: { tm: number; tn: number }): void {
  forced = name;
  forcedTile = tile ?? null;
}

const profiles = new WeakMap<GPUDevice, MatmulDeviceProfile>();

/**
 * Records a tuned kernel for `out = a @ b` when one suits the device and shape, and returns false
 * when the caller's default (register) kernel should run instead.
 *
 * @example
 * ```ts
 * if (!encodeTunedMatmul(runner, a, aBuf, b, bBuf, out)) runDefault();
 * ```
 */
export function encodeTunedMatmul(runner: KernelRunner, a: View, aBuf: Bindable, b: View, bBuf: Bindable, out: Bindable): boolean {
  const tr = runner as Partial<TextureRunner>;
  if (!tr.device) {
    if (forced && forced !== 'register') throw new PeftError('BACKEND', `matmul: the ${forced} kernel needs a runner that exposes its device`);
    return false;
  }
  let profile = profiles.get(tr.device);
  if (!profile) {
    profile = matmulDeviceProfile(tr.device, typeof tr.encode === 'function');
    profiles.set(tr.device, profile);
  }
  const r = a.shape.length;
  const [m, k, n] = [a.shape[r - 2], a.shape[r - 1], b.shape[r - 1]];
  const batches = shapeSize(a.shape.slice(0, -2));
  const float = isFloat(a.dtype) && isFloat(b.dtype);
  const name = forced ?? chooseMatmulKernel(profile, m, n, k, float ? matmulOutDType(a, b) : a.dtype, batches);
  if (name === 'register') return false;
  if (name === 'tiled') {
    if (!float) throw new PeftError('BACKEND', `matmul: the tiled kernel takes float operands, got ${a.dtype} and ${b.dtype}`);
    for (let z = 0; z < batches; z += MAX_GRID) runner.run(tiledMatmulKernel(a, b, z, Math.min(MAX_GRID, batches - z)), [aBuf, bBuf, out]);
    return true;
  }
  if (!profile.subgroupSize || !profile.textureOk || !float) {
    if (!forced) return false;
    throw new PeftError('BACKEND', `matmul: the texture kernel needs float operands, fixed-size subgroups and texture support (device subgroup size ${profile.subgroupSize || 'not fixed'}, dtype ${a.dtype})`);
  }
  const tile = { ...textureTile(profile.subgroupSize, m, n), ...forcedTile };
  return encodeTextureMatmul(tr as TextureRunner, tile, a, aBuf, b, bBuf, out);
}
