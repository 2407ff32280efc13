import { describe, expect, it } from 'vitest';
import { describeAdapter, isSoftwareAdapter } from './open-device.js';

const info = (fields: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }): GPUAdapterInfo =>
  ({ vendor: '', architecture: '', device: '', description: '', ...fields }) as GPUAdapterInfo;

describe('adapter descriptions', () => {
  it('name the adapter from its description, adding vendor and architecture when they add something', () => {
    expect(describeAdapter(info({ vendor: 'mesa', architecture: 'software', description: 'llvmpipe (LLVM 19.1.7, 256 bits)' }))).toBe(
      'llvmpipe (LLVM 19.1.7, 256 bits) (mesa, software)',
    );
    expect(describeAdapter(info({ vendor: 'nvidia', device: 'NVIDIA H100' }))).toBe('NVIDIA H100 (nvidia)');
    expect(describeAdapter(undefined)).toBe('webgpu (unknown adapter)');
  });

  it('recognise CPU adapters by name or by the fallback flag, and not GPUs', () => {
    expect(isSoftwareAdapter(info({ vendor: 'mesa', architecture: 'software', description: 'llvmpipe (LLVM 15)' }))).toBe(true);
    expect(isSoftwareAdapter(info({ vendor: 'google', description: 'SwiftShader Device (Subzero)' }))).toBe(true);
    expect(isSoftwareAdapter(info({ vendor: 'x', isFallbackAdapter: true }))).toBe(true);
    expect(isSoftwareAdapter(info({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3' }))).toBe(false);
    expect(isSoftwareAdapter(info({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M2' }))).toBe(false);
  });
});
