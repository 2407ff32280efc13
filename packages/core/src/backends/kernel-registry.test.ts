import { describe, expect, it } from 'vitest';
import type { BufferHandle, View } from '../backend-interface.js';
import { PeftError } from '../errors.js';
import { createCpuBackend } from './cpu/cpu-backend.js';
import { defineKernel, findKernel, registerKernel, runKernel } from './kernel-registry.js';

const view = (buffer: BufferHandle, n: number): View => ({ buffer, dtype: 'f32', shape: [n], strides: [1], offset: 0 });

describe('the kernel registry', () => {
  it('finds the implementation registered for a backend by its name, and none for other backends', async () => {
    const cpu = createCpuBackend();
    const DOUBLE = defineKernel<[x: View], BufferHandle>('double', { cpu: (b: typeof cpu, x) => b.binary('add', x, x, x.shape) });
    const x = view(cpu.upload(new Float32Array([1, 2, 3]), 'f32'), 3);
    const out = runKernel(cpu, DOUBLE, x);
    expect(Array.from(await cpu.read(view(out, 3)))).toEqual([2, 4, 6]);
    const other = new Proxy(cpu, { get: (t, k) => (k === 'name' ? 'elsewhere' : Reflect.get(t, k)) });
    expect(findKernel(other, DOUBLE)).toBeUndefined();
  });

  it('names the kernel and the backends that have it when a backend has none', () => {
    const K = defineKernel<[], number>('answer', { webgpu: () => 42 });
    const cpu = createCpuBackend();
    expect(() => runKernel(cpu, K)).toThrow(PeftError);
    expect(() => runKernel(cpu, K)).toThrow('answer: the cpu backend has no implementation of this kernel (registered for: webgpu)');
  });

  it('lets a later registration replace an implementation, and undoes it', () => {
    const cpu = createCpuBackend();
    const K = defineKernel<[v: number], number>('plusOne', { cpu: (_b, v) => v + 1 });
    const undo = registerKernel(K, 'cpu', (_b, v) => v + 100);
    expect(runKernel(cpu, K, 1)).toBe(101);
    undo();
    expect(runKernel(cpu, K, 1)).toBe(2);
    const undoNew = registerKernel(K, 'third-party', (_b, v) => v);
    undoNew();
    expect(K.impls.has('third-party')).toBe(false);
  });

  it('rejects a kernel without a name and an implementation that is not a function', () => {
    expect(() => defineKernel('')).toThrow('defineKernel: expected a non-empty name');
    expect(() => registerKernel(defineKernel('k'), 'cpu', 3 as never)).toThrow('registerKernel(k, cpu): expected a function, got number');
  });
});
