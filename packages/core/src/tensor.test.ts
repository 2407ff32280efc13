import { describe, expect, it } from 'vitest';
import { ShapeError } from './errors.js';
import { tidy } from './scope.js';
import { testOpBackends } from './test-support/backends.js';
import { fromArray, tensor } from './ops/creation.js';
import * as ops from './ops/index.js';

const backends = await testOpBackends();

describe.each(backends)('Tensor on $name', ({ backend }) => {
  const on = { backend };

  it('reports shape, size, rank, dtype, strides and contiguity', () => {
    const t = fromArray(new Float32Array(24), [2, 3, 4], on);
    expect([t.shape, t.size, t.rank, t.dtype, t.strides, t.isContiguous]).toEqual([[2, 3, 4], 24, 3, 'f32', [12, 4, 1], true]);
    const v = t.transpose();
    expect([v.shape, v.strides, v.isContiguous]).toEqual([[2, 4, 3], [12, 1, 4], false]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    t.dispose();
    v.dispose();
  });

  it('counts the bytes its elements take on a device (nbytes): 4 for f32, 2 for bf16', () => {
    const t = fromArray(new Float32Array(24), [2, 3, 4], on);
    const h = fromArray(new Float32Array(24), [2, 3, 4], { ...on, dtype: 'bf16' });
    expect([t.nbytes, h.nbytes, t.transpose().nbytes]).toEqual([96, 48, 96]);
    t.dispose();
    h.dispose();
  });

  it('reads back as typed arrays, nested arrays and single items', async () => {
    const t = tensor([[1, 2], [3, 4]], on);
    expect(await t.data()).toBeInstanceOf(Float32Array);
    expect(await t.array()).toEqual([[1, 2], [3, 4]]);
    expect(await t.transpose().array()).toEqual([[1, 3], [2, 4]]);
    const i = tensor([7], { ...on, dtype: 'i32' });
    expect(await i.data()).toBeInstanceOf(Int32Array);
    expect(await i.item()).toBe(7);
    const b = ops.gt(t, 2);
    expect(await b.data()).toBeInstanceOf(Uint8Array);
    expect(await b.array()).toEqual([[0, 0], [1, 1]]);
    expect(await tensor(3, on).array()).toBe(3);
    await expect(t.item()).rejects.toThrow(ShapeError);
    await expect(t.item()).rejects.toThrow('item: expected a tensor with one element, got shape [2, 2]');
    for (const x of [t, i, b]) x.dispose();
  });

  it('chainable methods compute the same as the functions', async () => {
    const a = tensor([[1, -2], [3, 0.5]], on);
    const pairs = tidy(() => [
      [a.add(2), ops.add(a, 2)],
      [a.sub(a), ops.sub(a, a)],
      [a.mul(3), ops.mul(a, 3)],
      [a.div(2), ops.div(a, 2)],
      [a.abs().pow(2), ops.pow(ops.abs(a), 2)],
      [a.neg(), ops.neg(a)],
      [a.exp().log(), ops.log(ops.exp(a))],
      [a.abs().sqrt().rsqrt(), ops.rsqrt(ops.sqrt(ops.abs(a)))],
      [a.tanh().sigmoid().relu(), ops.relu(ops.sigmoid(ops.tanh(a)))],
      [a.matmul(a.transpose()), ops.matmul(a, ops.transpose(a))],
      [a.sum(-1, true), ops.sum(a, -1, true)],
      [a.mean(), ops.mean(a)],
      [a.max(0), ops.max(a, 0)],
      [a.min(1), ops.min(a, 1)],
      [a.argmax(1), ops.argmax(a, 1)],
      [a.reshape([-1]), ops.reshape(a, [4])],
      [a.permute([1, 0]), ops.transpose(a)],
      [a.reshape([2, 1, 2]).expand([2, 3, 2]), ops.expand(ops.reshape(a, [2, 1, 2]), [2, 3, 2])],
      [a.slice([1], [2]), ops.narrow(a, 0, 1, 1)],
      [a.cast('i32'), ops.cast(a, 'i32')],
      [a.transpose().contiguous(), ops.contiguous(ops.transpose(a))],
    ]);
    for (const [x, y] of pairs) {
      expect(x.shape).toEqual(y.shape);
      expect(x.dtype).toBe(y.dtype);
      expect(await x.array()).toEqual(await y.array());
      x.dispose();
      y.dispose();
    }
    a.dispose();
  });

  it('detach shares memory but records no graph', async () => {
    const w = fromArray([1, 2], [2], { ...on, requiresGrad: true });
    const y = w.mul(2);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.node).toBeNull();
    expect(await d.data()).toEqual(await y.data());
    const loss = d.mul(w).sum();
    loss.backward();
    expect(Array.from(await w.grad!.data())).toEqual([2, 4]); // d is a constant
    for (const t of [w, y, d, loss]) t.dispose();
  });

  it('requireGrad marks a float leaf and can unmark it; integer tensors refuse', () => {
    const w = fromArray([1], [1], on).requireGrad();
    expect(w.requiresGrad).toBe(true);
    expect(w.requireGrad(false).requiresGrad).toBe(false);
    const i = fromArray([1], [1], { ...on, dtype: 'i32' });
    expect(() => i.requireGrad()).toThrow('requireGrad: only floating-point tensors carry gradients, got i32');
    expect(i.requireGrad(false).requiresGrad).toBe(false);
    w.dispose();
    i.dispose();
  });

  it('dispose frees the gradient with the tensor', () => {
    backend.flush();
    const start = backend.memory().liveBuffers;
    const w = fromArray([1, 2, 3], [3], { ...on, requiresGrad: true });
    tidy(() => w.mul(w).sum().backward());
    expect(w.grad).not.toBeNull();
    expect(backend.memory().liveBuffers).toBe(start + 2);
    const g = w.grad!;
    w.dispose();
    expect(g.isDisposed).toBe(true);
    expect(w.grad).toBeNull();
    expect(backend.memory().liveBuffers).toBe(start);
  });

  it('describes itself in toString', () => {
    const t = fromArray([1, 2, 3, 4, 5, 6], [2, 3], { ...on, dtype: 'i32' });
    expect(String(t)).toBe(`Tensor(i32 [2, 3], ${backend.name})`);
    t.dispose();
    expect(String(t)).toBe('Tensor(i32 [2, 3], disposed)');
  });

  it('gives each tensor its own id', () => {
    const a = fromArray([1], [1], on);
    const b = fromArray([1], [1], on);
    expect(a.id).not.toBe(b.id);
    a.dispose();
    b.dispose();
  });

  it('runs the doc example of the class', async () => {
    const x = tensor([[1, 2], [3, 4]], on);
    const y = tidy(() => x.matmul(x.transpose()).sum());
    expect(await y.item()).toBe(52);
    x.dispose();
    y.dispose();
  });
});
