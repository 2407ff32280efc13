import { describe, expect, it } from 'vitest';
import { DTYPES, roundToF16 } from '../dtype.js';
import { Generator, manualSeed } from '../random.js';
import { withBackend } from '../backend-registry.js';
import type { Tensor } from '../tensor.js';
import { testOpBackends } from '../test-support/backends.js';
import * as c from './creation.js';

const backends = await testOpBackends();

describe.each(backends)('creation on $name', ({ backend }) => {
  const on = { backend };

  it('tensor infers the shape of nested arrays, scalars and booleans', async () => {
    const t = c.tensor([[1, 2, 3], [4, 5, 6]], on);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('f32');
    expect(await t.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const s = c.tensor(2.5, on);
    expect(s.shape).toEqual([]);
    expect(await s.item()).toBe(2.5);
    const b = c.tensor([true, false, true], { ...on, dtype: 'bool' });
    expect(Array.from(await b.data<Uint8Array>())).toEqual([1, 0, 1]);
    const nb = c.fromArray([2, 0, -0.5, NaN], [4], { ...on, dtype: 'bool' }); // stored as 0/1 like a cast
    expect(Array.from(await nb.data<Uint8Array>())).toEqual([1, 0, 1, 1]);
    expect(Array.from(await nb.cast('f32').data())).toEqual([1, 0, 1, 1]);
    nb.dispose();
    const e = c.tensor([[], []], on);
    expect(e.shape).toEqual([2, 0]);
    for (const x of [t, s, b, e]) x.dispose();
  });

  it('tensor takes the dtype of a typed array (Int32Array → i32, Uint32Array → u32, others f32)', async () => {
    const i = c.tensor(new Int32Array([-1, 2]), on);
    const u = c.tensor(new Uint32Array([4294967295]), on);
    const f = c.tensor(new Float32Array([0.5]), on);
    expect([i.dtype, u.dtype, f.dtype]).toEqual(['i32', 'u32', 'f32']);
    expect(Array.from(await i.data<Int32Array>())).toEqual([-1, 2]);
    expect(Array.from(await u.data<Uint32Array>())).toEqual([4294967295]);
    for (const x of [i, u, f]) x.dispose();
  });

  it('tensor rejects ragged arrays and fromArray a wrong value count, naming the problem', () => {
    expect(() => c.tensor([[1, 2], [3]], on)).toThrow('tensor: ragged nested array at depth 1: expected 2 entries');
    expect(() => c.fromArray([1, 2, 3], [2, 2], on)).toThrow('fromArray: shape [2, 2] needs 4 values, got 3');
    expect(() => c.zeros([2, -1], on)).toThrow('full: expected non-negative integer sizes, got [2, -1]');
  });

  it.each(DTYPES.filter((d) => backend.dtypes.has(d)))('full, zeros and ones fill %s tensors', async (dtype) => {
    const f = c.full([2, 3], 7, { ...on, dtype });
    const z = c.zeros([5], { ...on, dtype });
    const o = c.ones([], { ...on, dtype });
    expect(f.dtype).toBe(dtype);
    expect(Array.from(await f.data())).toEqual(new Array(6).fill(dtype === 'bool' ? 1 : 7));
    expect(Array.from(await z.data())).toEqual([0, 0, 0, 0, 0]);
    expect(await o.item()).toBe(1);
    for (const x of [f, z, o]) x.dispose();
  });

  it('rounds values stored as f16 to half precision', async () => {
    if (!backend.dtypes.has('f16')) {
      expect(() => c.full([1], 0.1, { ...on, dtype: 'f16' })).toThrow(/cannot hold f16/);
      return;
    }
    const f = c.full([1], 0.1, { ...on, dtype: 'f16' });
    const a = c.fromArray([0.1, 70000, 1e-8], [3], { ...on, dtype: 'f16' });
    expect(await f.item()).toBe(roundToF16(0.1));
    expect(Array.from(await a.data())).toEqual([roundToF16(0.1), Infinity, 0]);
    f.dispose();
    a.dispose();
  });

  it('zerosLike and onesLike copy shape, dtype and backend', async () => {
    const x = c.fromArray([1, 2, 3, 4], [2, 2], { ...on, dtype: 'i32' });
    const z = c.zerosLike(x);
    const o = c.onesLike(x);
    expect([z.shape, z.dtype, z.backend]).toEqual([[2, 2], 'i32', backend]);
    expect(Array.from(await o.data())).toEqual([1, 1, 1, 1]);
    for (const t of [x, z, o]) t.dispose();
  });

  it('arange counts like Python’s range, with fractional and negative steps', async () => {
    const cases: [Tensor, number[]][] = [
      [c.arange(5, undefined, 1, on), [0, 1, 2, 3, 4]],
      [c.arange(1, 2, 0.25, on), [1, 1.25, 1.5, 1.75]],
      [c.arange(5, 0, -2, on), [5, 3, 1]],
      [c.arange(3, 3, 1, on), []],
      [c.arange(0, 0.3, 0.1, on), [0, Math.fround(0.1), Math.fround(0.2)]],
      [c.arange(-2, 2, 1, { ...on, dtype: 'i32' }), [-2, -1, 0, 1]],
    ];
    for (const [t, want] of cases) {
      expect(Array.from(await t.data())).toEqual(want);
      t.dispose();
    }
    expect(() => c.arange(0, 1, 0, on)).toThrow('arange: expected a finite non-zero step, got 0');
  });

  it('only floating-point tensors may require gradients', () => {
    expect(() => c.zeros([2], { ...on, dtype: 'i32', requiresGrad: true })).toThrow('requiresGrad: only floating-point tensors carry gradients, got i32');
    const w = c.zeros([2], { ...on, requiresGrad: true });
    expect(w.requiresGrad).toBe(true);
    w.dispose();
  });

  it('uses the default backend when none is given', () => {
    const t = withBackend(backend, () => c.zeros([1]));
    expect(t.backend).toBe(backend);
    t.dispose();
  });

  describe('random tensors', () => {
    it('randn and uniform give the generator’s numbers bit for bit (the same on every backend and run)', async () => {
      const r = c.randn([3, 5], { ...on, generator: new Generator(42), mean: 1, std: 0.5 });
      const u = c.uniform([127], { ...on, generator: new Generator(42), low: -3, high: 2 });
      const n = new Generator(42).normal(15);
      const v = new Generator(42).uniform(127);
      expect(Array.from(await r.data())).toEqual(Array.from(n, (x) => Math.fround(1 + 0.5 * x)));
      expect(Array.from(await u.data())).toEqual(Array.from(v, (x) => Math.fround(-3 + 5 * x)));
      r.dispose();
      u.dispose();
    });

    it('pins the first values for seed 42, so a change of the stream is noticed', async () => {
      const u = c.uniform([4], { ...on, generator: new Generator(42) });
      const r = c.randn([3], { ...on, generator: new Generator(42) });
      expect(Array.from(await u.data())).toEqual([0.8706315159797668, 0.9254326224327087, 0.7875402569770813, 0.6814100742340088].map(Math.fround));
      const rv = await r.data();
      [0.46965320230552365, -0.2887231591259355, 1.9762999418501632].forEach((e, i) => expect(rv[i]).toBe(Math.fround(e)));
      u.dispose();
      r.dispose();
    });

    it('manualSeed makes the default generator repeatable', async () => {
      manualSeed(1234);
      const a = c.randn([6], on);
      manualSeed(1234);
      const b = c.randn([6], on);
      const d = c.randn([6], on);
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      expect(Array.from(await a.data())).not.toEqual(Array.from(await d.data()));
      for (const t of [a, b, d]) t.dispose();
    });

    it('randn has mean 0 and standard deviation 1; uniform covers [low, high)', async () => {
      const r = c.randn([20000], { ...on, generator: new Generator(7) });
      const u = c.uniform([20000], { ...on, generator: new Generator(8), low: 2, high: 3 });
      const rv = await r.data();
      const uv = await u.data();
      const mean = rv.reduce((a, b) => a + b, 0) / rv.length;
      const sd = Math.sqrt(rv.reduce((a, b) => a + (b - mean) ** 2, 0) / rv.length);
      expect(Math.abs(mean)).toBeLessThan(0.03);
      expect(Math.abs(sd - 1)).toBeLessThan(0.03);
      expect(Math.min(...uv)).toBeGreaterThanOrEqual(2);
      expect(Math.max(...uv)).toBeLessThan(3);
      expect(Math.abs(uv.reduce((a, b) => a + b, 0) / uv.length - 2.5)).toBeLessThan(0.01);
      r.dispose();
      u.dispose();
    });

    it('kaimingUniform uses PyTorch’s bound: 1/sqrt(fan_in) for nn.Linear, gain·sqrt(3/fan) otherwise', async () => {
      const cases = [
        { shape: [64, 100], opts: {}, bound: 1 / Math.sqrt(100) },
        { shape: [8, 4, 3, 3], opts: { nonlinearity: 'relu' as const }, bound: Math.SQRT2 * Math.sqrt(3 / 36) },
        { shape: [50, 10], opts: { mode: 'fan_out' as const, a: 0 }, bound: Math.sqrt(2) * Math.sqrt(3 / 50) },
      ];
      for (const k of cases) {
        const w = c.kaimingUniform(k.shape, { ...on, ...k.opts, generator: new Generator(3) });
        const v = await w.data();
        const maxAbs = Math.max(...Array.from(v, Math.abs));
        expect(maxAbs).toBeLessThanOrEqual(Math.fround(k.bound));
        expect(maxAbs).toBeGreaterThan(0.95 * k.bound);
        const first = new Generator(3).uniform(1)[0];
        expect(v[0]).toBe(Math.fround(-k.bound + 2 * k.bound * first));
        w.dispose();
      }
      expect(() => c.kaimingUniform([5], on)).toThrow('kaimingUniform: expected at least 2 axes, got [5]');
    });
  });
});
