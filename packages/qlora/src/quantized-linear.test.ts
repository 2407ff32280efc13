import { Conv1D, Linear, createCpuBackend, manualSeed, tensor } from '@peft/core';
import { linear, matmul } from '@peft/core/plugin';
import { expectClose, testBackends } from '@peft/core/testing';
import { describe, expect, it } from 'vitest';
import { QuantizedLinear } from './quantized-linear.js';

const backends = await testBackends();
const input = (n: number, k: number): Float32Array => Float32Array.from({ length: n * k }, (_, i) => Math.sin(i * 0.61) * 2);

describe.each(backends)('QuantizedLinear on $name', ({ backend }) => {
  it.each(['nf4', 'fp4'] as const)('matches dequantise-then-linear on the cpu reference for a Linear (%s)', async (quantType) => {
    manualSeed(1);
    const layer = new Linear(96, 40, { backend });
    const q = await QuantizedLinear.fromLinear(layer, { quantType, doubleQuant: true });
    const cpu = createCpuBackend();
    const x = input(5, 96);
    const got = await q.forward(tensor(x, { backend }).reshape([5, 96])).data();
    const w = tensor(Float32Array.from(await q.dequantize().data()), { backend: cpu }).reshape([40, 96]);
    const bias = tensor(Float32Array.from(await layer.bias!.data()), { backend: cpu });
    const want = await linear(tensor(x, { backend: cpu }).reshape([5, 96]), w, bias).data();
    expectClose(got, want, backend.name === 'cpu' ? { atol: 0, rtol: 0 } : { atol: 1e-4, rtol: 1e-5 });
  });

  it('matches dequantise-then-matmul for a GPT-2 Conv1D ([in, out] weight)', async () => {
    manualSeed(2);
    const layer = new Conv1D(48, 64, { backend });
    const q = await QuantizedLinear.fromLinear(layer, { blocksize: 32 });
    const cpu = createCpuBackend();
    const x = input(3, 64);
    const got = await q.forward(tensor(x, { backend }).reshape([3, 64])).data();
    const w = tensor(Float32Array.from(await q.dequantize().data()), { backend: cpu }).reshape([64, 48]);
    const b = tensor(Float32Array.from(await layer.bias.data()), { backend: cpu });
    const want = await matmul(tensor(x, { backend: cpu }).reshape([3, 64]), w).add(b).data();
    expectClose(got, want, backend.name === 'cpu' ? { atol: 0, rtol: 0 } : { atol: 1e-4, rtol: 1e-5 });
  });

  it('holds only the 4-bit codes and the block scales, no float copy of the weight', async () => {
    const q = await QuantizedLinear.fromLinear(new Linear(256, 128, { backend }));
    const numel = 256 * 128;
    expect(q.weightBytes()).toBe(numel / 2 + (numel / 64) * 4);
    for (const t of [...q.parameters(), ...q.buffers()]) expect(t.dtype === 'f32' ? t.size : 0).toBeLessThan(numel / 8);
    expect([...q.parameters()].every((p) => !p.requiresGrad)).toBe(true);
    // double quantisation keeps the scales as 8-bit codes on the backend (and one outer scale per 256 blocks)
    const dq = await QuantizedLinear.fromLinear(new Linear(256, 128, { backend }), { doubleQuant: true });
    expect(dq.absmax.dtype).toBe('u32');
    expect(dq.weightBytes()).toBe(numel / 2 + numel / 64 + 2 * 4);
  });

  it('passes the gradient to its input', async () => {
    const q = await QuantizedLinear.fromLinear(new Linear(64, 16, { backend }));
    const x = tensor(input(2, 64), { backend }).reshape([2, 64]);
    x.requiresGrad = true;
    q.forward(x).sum().backward();
    const w = Float32Array.from(await q.dequantize().data());
    const want = Array.from({ length: 64 }, (_, i) => w.reduce((s, v, e) => (e % 64 === i ? s + v : s), 0));
    expectClose(await x.grad!.data(), [...want, ...want], { atol: 1e-4, rtol: 1e-4 });
  });
});
