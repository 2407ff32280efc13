import { describe, expect, it } from 'vitest';
import { chooseMatmulKernel, textureTile } from './matmul-select.js';
import { planTextureOperand } from './matmul-texture-encode.js';
import { texelCopyPlan, texturePackWords } from './matmul-texture-pack.js';
import { textureMatmulSource, validTextureConfig } from './matmul-texture.js';

const lavapipe = { software: true, subgroupSize: 8, textureOk: true };
const gpu = { software: false, subgroupSize: 32, textureOk: true };

describe('matmul kernel selection', () => {
  it('uses the texture kernel for large float products on a software adapter with fixed subgroups', () => {
    expect(chooseMatmulKernel(lavapipe, 1024, 1024, 1024, 'f32')).toBe('texture');
    expect(chooseMatmulKernel(lavapipe, 4096, 8, 768, 'f16')).toBe('texture');
    expect(chooseMatmulKernel({ ...lavapipe, subgroupSize: 0 }, 1024, 1024, 1024, 'f32')).toBe('register');
    expect(chooseMatmulKernel({ ...lavapipe, textureOk: false }, 1024, 1024, 1024, 'f32')).toBe('register');
  });

  it('uses the workgroup-tiled kernel for large products on hardware GPUs', () => {
    expect(chooseMatmulKernel(gpu, 1024, 1024, 1024, 'f32')).toBe('tiled');
    expect(chooseMatmulKernel(gpu, 4096, 768, 768, 'f16')).toBe('tiled');
  });

  it('keeps the register kernel for integers and tiny products', () => {
    for (const p of [lavapipe, gpu]) {
      expect(chooseMatmulKernel(p, 1024, 1024, 1024, 'i32')).toBe('register');
      expect(chooseMatmulKernel(p, 32, 32, 32, 'f32')).toBe('register');
    }
    expect(chooseMatmulKernel(lavapipe, 64, 64, 64, 'f32')).toBe('register');
  });

  it('counts the whole batch on software adapters, as long as each product is not tiny', () => {
    expect(chooseMatmulKernel(lavapipe, 64, 64, 32, 'f32', 32)).toBe('texture');
    expect(chooseMatmulKernel(lavapipe, 64, 64, 32, 'f32', 2)).toBe('register');
    expect(chooseMatmulKernel(lavapipe, 16, 16, 16, 'f32', 4096)).toBe('register');
    expect(chooseMatmulKernel(gpu, 64, 64, 32, 'f32', 32)).toBe('register');
  });

  it('sends thin products to the texture kernel on software adapters but not to the tiled one on GPUs', () => {
    expect(chooseMatmulKernel(lavapipe, 4096, 768, 8, 'f32')).toBe('texture');
    expect(chooseMatmulKernel(lavapipe, 1, 4096, 4096, 'f32')).toBe('texture');
    expect(chooseMatmulKernel(lavapipe, 4096, 768, 1, 'f32')).toBe('register');
    expect(chooseMatmulKernel(gpu, 4096, 768, 8, 'f32')).toBe('register');
    expect(chooseMatmulKernel(gpu, 4096, 8, 768, 'f32')).toBe('register');
  });

  it('widens the texture tile for wide outputs, narrows it for narrow or short ones and lengthens it for tall narrow ones', () => {
    expect(textureTile(8, 512, 1024)).toEqual({ tm: 32, tn: 8, sg: 8 });
    expect(textureTile(8, 4096, 768)).toEqual({ tm: 32, tn: 8, sg: 8 });
    expect(textureTile(8, 512, 64)).toEqual({ tm: 32, tn: 4, sg: 8 });
    expect(textureTile(8, 4096, 64)).toEqual({ tm: 64, tn: 4, sg: 8 });
    expect(textureTile(8, 4096, 8)).toEqual({ tm: 64, tn: 1, sg: 8 });
    expect(textureTile(8, 100, 16)).toEqual({ tm: 32, tn: 2, sg: 8 });
    expect(textureTile(8, 12, 1024)).toEqual({ tm: 16, tn: 8, sg: 8 });
  });
});

describe('texture operand planning', () => {
  const view = (shape: number[], strides: number[], offset = 0) => ({ buffer: { byteLength: 0 }, dtype: 'f32' as const, shape, strides, offset });

  it('copies the buffer texels of operands that are unit-stride along k, or along m / n', () => {
    const a = planTextureOperand(view([128, 36], [36, 1], 8), 'a', [], 1 << 20);
    expect(a).toEqual({ format: 'k4', texel: 'f32', texture: 'rgba32float', texels: (127 * 36 + 36) / 4, copyFrom: 2, pack: null, rowStride: 9, batchStrides: [] });
    // B stored [k, n] row-major: four columns to a texel, one texel row per k
    const b = planTextureOperand(view([7, 12], [12, 1]), 'b', [], 7 * 12 * 4);
    expect(b).toMatchObject({ format: 'mn4', texels: 21, copyFrom: 0, rowStride: 3 });
    // B used as the transpose of a [n, k] weight: k is unit-stride
    expect(planTextureOperand(view([8, 5], [1, 8]), 'b', [], 5 * 8 * 4)).toMatchObject({ format: 'k4', rowStride: 2 });
  });

  it('copies 16-bit operands into textures of 16-bit texels: f16 as rgba16float, bf16 as two words', () => {
    const f16 = planTextureOperand({ ...view([64, 64], [64, 1]), dtype: 'f16' }, 'a', [], 64 * 64 * 2);
    expect(f16).toMatchObject({ format: 'k4', texel: 'f16', texture: 'rgba16float', copyFrom: 0, texels: 1024 });
    // a bf16 weight [n, k] used transposed, at offset 8 (texel 2)
    const bf16 = planTextureOperand({ ...view([64, 32], [1, 64], 8), dtype: 'bf16' }, 'b', [], (8 + 32 * 64) * 2);
    expect(bf16).toMatchObject({ format: 'k4', texel: 'bf16', texture: 'rg32uint', copyFrom: 2, rowStride: 16 });
    // the buffer's byte length is counted in 2-byte elements
    expect(planTextureOperand({ ...view([64, 64], [64, 1]), dtype: 'bf16' }, 'a', [], 64 * 64 * 2 - 4)?.copyFrom).toBeNull();
  });

  it('packs what a copy cannot lay out: odd lengths, steps, unaligned offsets, short buffers', () => {
    expect(planTextureOperand(view([10, 30], [30, 1]), 'a', [], 1200)?.pack).toMatchObject({ rows: 10, q: 30 });
    expect(planTextureOperand(view([10, 64], [128, 2]), 'a', [], 10 * 128 * 4)?.copyFrom).toBeNull();
    expect(planTextureOperand(view([8, 8], [8, 1], 2), 'a', [], 1024)?.copyFrom).toBeNull();
    expect(planTextureOperand({ ...view([10, 30], [30, 1]), dtype: 'bf16' }, 'a', [], 600)).toMatchObject({ texel: 'f32', texture: 'rgba32float', pack: { rows: 10, q: 30 } });
    expect(texelCopyPlan({ rows: 4, q: 64, rowStride: 64, qStride: 1, offset: 4, batchSizes: [], batchStrides: [] }, 4 * 64 * 4)).toBeNull();
  });

  it('packs a very short k along m instead, so texels are not mostly padding', () => {
    expect(planTextureOperand(view([100, 2], [1, 100]), 'a', [], 100 * 2 * 4)).toMatchObject({ format: 'mn4', copyFrom: 0 });
    expect(planTextureOperand(view([99, 3], [3, 1]), 'a', [], 99 * 3 * 4)).toMatchObject({ format: 'mn4', pack: { rows: 3, q: 99 } });
  });

  it('addresses batches through texel strides, stride 0 for broadcast operands', () => {
    const shared = planTextureOperand(view([2, 3, 8, 64], [0, 0, 64, 1]), 'b', [2, 3], 8 * 64 * 4);
    expect(shared).toMatchObject({ copyFrom: 0, texels: 128, batchStrides: [0, 0] });
    const batched = planTextureOperand(view([2, 3, 8, 64], [1536, 512, 64, 1]), 'a', [2, 3], 6 * 512 * 4);
    expect(batched).toMatchObject({ texels: 768, batchStrides: [384, 128] });
    const packed = planTextureOperand(view([2, 3, 5, 6], [90, 30, 6, 1]), 'a', [2, 3], 180 * 4);
    expect(packed).toMatchObject({ rowStride: 2, texels: 60, batchStrides: [30, 10] });
  });

  it('writes batch sizes and strides outermost first into the packing parameters', () => {
    const w = texturePackWords({ rows: 5, q: 6, rowStride: 7, qStride: 1, offset: 3, batchSizes: [2, 4], batchStrides: [100, 0] });
    expect(w).toEqual([2, 5, 6, 7, 1, 3, 0, 0, 1, 0, 2, 100, 4, 0, 0, 0]);
  });
});

describe('texture kernel source', () => {
  it('rejects tiles that do not match the subgroup', () => {
    expect(() => validTextureConfig({ tm: 12, tn: 4, sg: 8, aFormat: 'k4', bFormat: 'k4', storageTextures: false, wShift: 12, out: 'f32' })).toThrow(RangeError);
    expect(() => validTextureConfig({ tm: 16, tn: 4, sg: 8, aFormat: 'mn4', bFormat: 'k4', storageTextures: false, wShift: 12, out: 'f32' })).toThrow(RangeError);
    expect(() => validTextureConfig({ tm: 32, tn: 2, sg: 8, aFormat: 'k4', bFormat: 'mn4', storageTextures: false, wShift: 12, out: 'f32' })).toThrow(RangeError);
  });

  it('declares subgroups first and one accumulator per output of the tile', () => {
    const src = textureMatmulSource({ tm: 16, tn: 2, sg: 8, aFormat: 'k4', bFormat: 'k4', storageTextures: true, wShift: 12, out: 'f16' }, { rank: 0, kinds: ['c', 'c'] });
    expect(src.startsWith('enable subgroups;')).toBe(true);
    expect(src).toContain('enable f16;');
    expect(src).toContain('texture_storage_2d<rgba32float, read>');
    expect(src.match(/var c\d+_\d+ = 0\.0;/g)?.length).toBe(32);
  });
});
