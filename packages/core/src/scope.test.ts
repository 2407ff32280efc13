import { liveBuffers } from './test-support/numeric.js';
import { describe, expect, it } from 'vitest';
import type { Backend } from './backend-interface.js';
import { DisposedTensorError, ArgumentError } from './errors.js';
import { composite, keep, scopeDepth, tidy } from './scope.js';
import type { Tensor } from './tensor.js';
import { testOpBackends } from './test-support/backends.js';
import { fromArray, ones, zeros } from './ops/creation.js';
import { add, exp, mul } from './ops/elementwise.js';
import { matmul } from './ops/matmul.js';
import { crossEntropy } from './ops/loss.js';
import { gelu, softmax } from './ops/activation.js';

const backends = await testOpBackends();

const live = (b: Backend): number => {
  b.flush();
  return liveBuffers(b);
};

describe.each(backends)('ownership on $name', ({ backend }) => {
  const on = { backend };

  it('tidy frees every tensor made inside except the ones it returns', async () => {
    const start = live(backend);
    let inner: Tensor[] = [];
    const out = tidy(() => {
      const a = ones([3], on);
      const b = add(a, 1);
      inner = [a, b];
      return add(b, b);
    });
    expect(inner.every((t) => t.isDisposed)).toBe(true);
    expect(Array.from(await out.data())).toEqual([4, 4, 4]);
    expect(live(backend)).toBe(start + 1);
    out.dispose();
    expect(live(backend)).toBe(start);
  });

  it('tidy keeps tensors returned inside arrays, plain objects and maps', () => {
    const start = live(backend);
    const res = tidy(() => {
      const a = zeros([1], on);
      const b = zeros([2], on);
      const c = zeros([3], on);
      zeros([4], on);
      return { list: [a], nested: { b }, map: new Map([['c', c]]) };
    });
    expect(live(backend)).toBe(start + 3);
    for (const t of [res.list[0], res.nested.b, res.map.get('c')!]) expect(t.isDisposed).toBe(false);
    res.list[0].dispose();
    res.nested.b.dispose();
    res.map.get('c')!.dispose();
    expect(live(backend)).toBe(start);
  });

  it('nested tidy hands its result to the enclosing scope, which frees it unless returned', () => {
    const start = live(backend);
    let fromInner: Tensor | null = null;
    const out = tidy(() => {
      expect(scopeDepth()).toBe(1);
      fromInner = tidy(() => {
        expect(scopeDepth()).toBe(2);
        return ones([2], on);
      });
      expect(fromInner.isDisposed).toBe(false);
      return add(fromInner, 1);
    });
    expect(scopeDepth()).toBe(0);
    expect(fromInner!.isDisposed).toBe(true);
    out.dispose();
    expect(live(backend)).toBe(start);
  });

  it('keep lets a tensor outlive every scope until it is disposed', () => {
    const start = live(backend);
    let cache: Tensor | null = null;
    tidy(() => tidy(() => void (cache = keep(ones([4], on)))));
    expect(cache!.isDisposed).toBe(false);
    expect(live(backend)).toBe(start + 1);
    cache!.dispose();
    cache!.dispose(); // a second dispose is harmless
    expect(live(backend)).toBe(start);
  });

  it('tidy frees everything and rethrows when its function throws', () => {
    const start = live(backend);
    expect(() =>
      tidy(() => {
        ones([3], on);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(live(backend)).toBe(start);
    expect(scopeDepth()).toBe(0);
  });

  it('tidy refuses an async function and frees what it made', () => {
    const start = live(backend);
    expect(() =>
      tidy(() => {
        ones([3], on);
        return Promise.resolve(1);
      }),
    ).toThrow(ArgumentError);
    expect(live(backend)).toBe(start);
  });

  it('composite ops own their intermediates: freed with the result, alive while it is', async () => {
    const start = live(backend);
    const x = fromArray([0.5, -1], [2], { ...on, requiresGrad: true });
    const column = x.reshape([2, 1]);
    const y = softmax(column, 0); // not the last axis: the composite form, several intermediates inside
    expect(live(backend)).toBeGreaterThan(start + 2);
    const s = y.sum();
    s.backward(); // the graph through y still works outside any tidy
    expect(x.grad).not.toBeNull();
    s.dispose();
    y.dispose();
    column.dispose();
    x.dispose();
    expect(live(backend)).toBe(start);
  });

  it('composite returning an existing tensor frees what it made', () => {
    const start = live(backend);
    const x = ones([2], on);
    const y = composite(() => {
      zeros([5], on);
      return x;
    });
    expect(y).toBe(x);
    x.dispose();
    expect(live(backend)).toBe(start);
  });

  it('a view keeps the memory alive after its base is disposed', async () => {
    const start = live(backend);
    const base = fromArray([1, 2, 3, 4], [2, 2], on);
    const view = base.transpose();
    base.dispose();
    expect(base.isDisposed).toBe(true);
    expect(Array.from(await view.data())).toEqual([1, 3, 2, 4]);
    expect(live(backend)).toBe(start + 1);
    view.dispose();
    expect(live(backend)).toBe(start);
  });

  it('using a disposed tensor throws DisposedTensorError naming the op, id and shape', async () => {
    const t = fromArray([1, 2, 3], [3], on);
    t.name = 'bias';
    t.dispose();
    expect(() => add(t, 1)).toThrow(DisposedTensorError);
    expect(() => add(t, 1)).toThrow(`add: tensor #${t.id} (bias) of shape [3] was already disposed`);
    expect(() => exp(t)).toThrow(/^exp: tensor/);
    expect(() => t.reshape([3, 1])).toThrow(/^reshape: tensor/);
    expect(() => t.sum()).toThrow(/^sum: tensor/);
    await expect(t.data()).rejects.toThrow(/^data: tensor/);
  });

  it('backward after tidy freed the graph fails with a clear error and changes no gradient', () => {
    const w = fromArray([1, 2], [2], { ...on, requiresGrad: true });
    const loss = tidy(() => mul(exp(w), w).sum());
    expect(() => loss.backward()).toThrow(DisposedTensorError);
    expect(() => loss.backward()).toThrow(/backward: the graph was freed before backward: .*Call backward\(\) inside the tidy\(\)/);
    expect(w.grad).toBeNull();
    loss.dispose();
    w.dispose();
  });

  it('a disposed loss cannot be back-propagated', () => {
    const w = fromArray([1, 2], [2], { ...on, requiresGrad: true });
    const loss = w.sum();
    loss.dispose();
    expect(() => loss.backward()).toThrow(DisposedTensorError);
    w.dispose();
  });

  it('a training step inside tidy leaks nothing: live buffers return to parameters plus gradients', () => {
    const w = keep(fromArray(Array.from({ length: 12 }, (_, i) => (i - 6) / 10), [4, 3], { ...on, requiresGrad: true }));
    const b = keep(zeros([3], { ...on, requiresGrad: true }));
    const start = live(backend);
    for (let step = 0; step < 3; step++) {
      const loss = tidy(() => {
        const x = fromArray(Array.from({ length: 20 }, (_, i) => Math.sin(i)), [5, 4], on);
        const labels = fromArray([0, 2, 1, 1, -100], [5], { ...on, dtype: 'i32' });
        const l = crossEntropy(gelu(add(matmul(x, w), b)), labels);
        l.backward();
        return l;
      });
      loss.dispose();
      // the first step creates the two gradients; later steps accumulate into new buffers, freeing the old
      expect(live(backend)).toBe(start + 2);
    }
    w.dispose(); // frees its gradient too
    b.dispose();
    expect(live(backend)).toBe(start - 2);
  });
});
