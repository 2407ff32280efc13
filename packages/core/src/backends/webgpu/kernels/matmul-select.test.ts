import { describe, expect, it } from 'vitest';
import { chooseMatmulKernel, textureTile } from './matmul-select.js';
import { planTextureOperand } from './matmul-texture-encode.js';
import { texelCopyPlan, texturePackWords } from './matmul-texture-pack.js';
import { textureMatmulSource, validTextureConfig } from './matmul-texture.js';

const lavapipe = { software: true, subgroupSize: 8, textureOk: true };
const gpu = { software: false, subgroupSize: 32, textureOk: true };
const limits = { maxTextureDimension2D: 8192, maxTextureArrayLayers: 256 };

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

  it('keeps the register kernel for integers, tiny and skinny products', () => {
    for (const p of [lavapipe, gpu]) {
      expect(chooseMatmulKernel(p, 1024, 1024, 1024, 'i32')).toBe('register');
      expect(chooseMatmulKernel(p, 16, 16, 16, 'f32')).toBe('register');
      expect(chooseMatmulKernel(p, 4096, 768, 8, 'f32')).toBe('register');
    }
    expect(chooseMatmulKernel(gpu, 4096, 8, 768, 'f32')).toBe('register');
  });

  it('narrows the texture tile for narrow or short outputs', () => {
    expect(textureTile(8, 1024, 1024)).toEqual({ tm: 32, tn: 4, sg: 8 });
    expect(textureTile(8, 4096, 8)).toEqual({ tm: 32, tn: 1, sg: 8 });
    expect(textureTile(8, 4096, 16)).toEqual({ tm: 32, tn: 2, sg: 8 });
    expect(textureTile(8, 12, 1024)).toEqual({ tm: 16, tn: 4, sg: 8 });
  });
});

describe('texture operand planning', () => {
  const view = (shape: number[], strides: number[], offset = 0) => ({ buffer: { byteLength: 0 }, dtype: 'f32' as const, shape, strides, offset });

  it('copies row-major operands whose rows are 256-byte aligned', () => {
    const a = planTextureOperand(view([128, 64], [64, 1]), 'a', [], 128 * 64 * 4, limits);
    expect(a).toMatchObject({ format: 'k4', width: 16, height: 128, layers: 1, layerStep: 0 });
    expect(a?.copy).toEqual({ offsetBytes: 0, bytesPerRow: 256, rowsPerImage: 128, layers: 1 });
    // B stored [k, n] row-major: packed along n, one texture row per k
    const b = planTextureOperand(view([64, 128], [128, 1]), 'b', [], 64 * 128 * 4, limits);
    expect(b).toMatchObject({ format: 'mn4', width: 32, height: 64 });
    expect(b?.copy).not.toBeNull();
  });

  it('packs what a copy cannot lay out: unaligned rows, steps, f16, short buffers', () => {
    expect(planTextureOperand(view([10, 30], [30, 1]), 'a', [], 1200, limits)?.copy).toBeNull();
    expect(planTextureOperand(view([10, 64], [128, 2]), 'a', [], 10 * 128 * 4, limits)?.copy).toBeNull();
    expect(planTextureOperand({ ...view([64, 64], [64, 1]), dtype: 'f16' }, 'a', [], 64 * 64 * 2, limits)?.copy).toBeNull();
    expect(texelCopyPlan({ rows: 4, q: 64, rowStride: 64, qStride: 1, offset: 4, batchSizes: [], batchStrides: [] }, 4 * 64 * 4)).toBeNull();
  });

  it('gives broadcast batch operands a single layer and batched ones a layer per batch', () => {
    const shared = planTextureOperand(view([2, 3, 8, 64], [0, 0, 64, 1]), 'b', [2, 3], 8 * 64 * 4, limits);
    expect(shared).toMatchObject({ layers: 1, layerStep: 0 });
    const batched = planTextureOperand(view([2, 3, 8, 64], [1536, 512, 64, 1]), 'a', [2, 3], 6 * 512 * 4, limits);
    expect(batched).toMatchObject({ layers: 6, layerStep: 1 });
    expect(batched?.copy?.layers).toBe(6);
  });

  it('declines operands beyond the texture limits', () => {
    // too many rows for one format is fine while the other fits; both too large is not
    expect(planTextureOperand(view([9000, 16], [16, 1]), 'a', [], 9000 * 16 * 4, limits)?.format).toBe('mn4');
    expect(planTextureOperand(view([9000, 33000], [33000, 1]), 'a', [], 9000 * 33000 * 4, limits)).toBeNull();
    expect(planTextureOperand(view([300, 4, 4], [16, 4, 1]), 'a', [300], 300 * 16 * 4, limits)).toBeNull();
  });

  it('writes batch sizes and strides innermost last into the packing parameters', () => {
    const w = texturePackWords({ rows: 5, q: 6, rowStride: 7, qStride: 1, offset: 3, batchSizes: [2, 4], batchStrides: [100, 0] });
    expect(w).toEqual([2, 5, 6, 7, 1, 3, 0, 0, 1, 0, 2, 100, 4, 0, 0, 0]);
  });
});

describe('texture kernel source', () => {
  it('rejects tiles that do not match the subgroup', () => {
    expect(() => validTextureConfig({ tm: 12, tn: 4, sg: 8, aFormat: 'k4', bFormat: 'k4', storageTextures: false, out: 'f32' })).toThrow(RangeError);
    expect(() => validTextureConfig({ tm: 16, tn: 4, sg: 8, aFormat: 'mn4', bFormat: 'k4', storageTextures: false, out: 'f32' })).toThrow(RangeError);
    expect(() => validTextureConfig({ tm: 32, tn: 2, sg: 8, aFormat: 'k4', bFormat: 'mn4', storageTextures: false, out: 'f32' })).toThrow(RangeError);
  });

  it('declares subgroups first and one accumulator per output of the tile', () => {
    const src = textureMatmulSource({ tm: 16, tn: 2, sg: 8, aFormat: 'k4', bFormat: 'k4', storageTextures: true, out: 'f16' });
    expect(src.startsWith('enable subgroups;')).toBe(true);
    expect(src).toContain('enable f16;');
    expect(src).toContain('texture_storage_2d_array<rgba32float, read>');
    expect(src.match(/var c\d+_\d+ = 0\.0;/g)?.length).toBe(32);
  });
});
