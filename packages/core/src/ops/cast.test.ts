import { describe, expect, it } from 'vitest';
import { type DType, DTYPES, roundToF16 } from '../dtype.js';
import { testOpBackends } from '../test-support/backends.js';
import { host, roundTo } from '../test-support/numeric.js';
import { checkOp } from '../test-support/op-check.js';
import { fromArray } from './creation.js';
import { cast } from './elementwise.js';

const backends = await testOpBackends();

/** Values every dtype can hold exactly (so each pair's expected result is the source value). */
const SMALL = [0, 1, 2, 7, 100, 0, 3, 1];

/** What a value of `from` becomes in `to`, written out independently of the backends. */
function converted(v: number, from: DType, to: DType): number {
  if (to === 'bool') return v !== 0 ? 1 : 0;
  if ((from === 'f32' || from === 'f16') && (to === 'i32' || to === 'u32')) {
    if (Number.isNaN(v)) return 0;
    const t = Math.trunc(v);
    return to === 'u32' ? Math.min(Math.max(t, 0), 4294967295) : Math.min(Math.max(t, -2147483648), 2147483647);
  }
  return roundTo(to, v);
}

describe.each(backends)('cast on $name', ({ backend }) => {
  const dtypes = DTYPES.filter((d) => backend.dtypes.has(d));
  const pairs = dtypes.flatMap((from) => dtypes.map((to) => [from, to] as const));

  it.each(pairs)('converts %s to %s', async (from, to) => {
    const x = host(SMALL, [2, 4], from);
    await checkOp(backend, (t) => cast(t, to), [x], {
      expected: ([v]) => v.map((e) => converted(e, from, to)),
      shape: [2, 4],
      dtype: to,
    });
  });

  it('truncates floats toward zero and saturates at the integer range (negative to u32 gives 0)', async () => {
    const x = host([-2.7, -0.5, 0.5, 2.7, 1e6 + 0.5, -3e9], [6]);
    await checkOp(backend, (t) => cast(t, 'i32'), [x], { expected: [-2, 0, 0, 2, 1000000, -2147483648], dtype: 'i32' });
    await checkOp(backend, (t) => cast(t, 'u32'), [x], { expected: [0, 0, 0, 2, 1000000, 0], dtype: 'u32' });
  });

  it('keeps the bits between i32 and u32 (wrapping modulo 2^32)', async () => {
    await checkOp(backend, (t) => cast(t, 'u32'), [host([-1, -2147483648, 5], [3], 'i32')], {
      expected: [4294967295, 2147483648, 5],
      dtype: 'u32',
    });
    await checkOp(backend, (t) => cast(t, 'i32'), [host([4294967295, 2147483648, 5], [3], 'u32')], {
      expected: [-1, -2147483648, 5],
      dtype: 'i32',
    });
  });

  it('maps non-zero and NaN to true when casting to bool', async () => {
    await checkOp(backend, (t) => cast(t, 'bool'), [host([0, -0, 0.25, -3, NaN, Infinity], [6])], {
      expected: [0, 0, 1, 1, 1, 1],
      dtype: 'bool',
    });
  });

  it('reads strided views', async () => {
    await checkOp(backend, (t) => cast(t.transpose(), 'i32'), [host([1.5, 2.5, 3.5, 4.5, 5.5, 6.5], [2, 3])], {
      expected: [1, 4, 2, 5, 3, 6],
      shape: [3, 2],
      dtype: 'i32',
    });
  });

  if (backend.dtypes.has('f16')) {
    it('rounds to nearest even when narrowing f32 to f16 (overflow to infinity)', async () => {
      const values = [0.1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65520, 1e-8, 2 ** -24, -1 / 3];
      await checkOp(backend, (t) => cast(t, 'f16'), [host(values, [8])], {
        expected: [roundToF16(0.1), 1, 1 + 2 ** -9, 65504, Infinity, 0, 2 ** -24, roundToF16(-1 / 3)],
        dtype: 'f16',
        rtol: 0,
        atol: 0,
      });
    });

    it('passes gradients between float types and converts them back to the source dtype', async () => {
      const x = fromArray([0.5, -1.25, 3], [3], { backend, requiresGrad: true });
      const y = cast(x, 'f16');
      expect(y.requiresGrad).toBe(true);
      y.backward(fromArray([1, 2, 0.25], [3], { backend, dtype: 'f16' }));
      expect(x.grad!.dtype).toBe('f32');
      expect(Array.from(await x.grad!.data())).toEqual([1, 2, 0.25]);
      x.dispose();
    });
  } else {
    it('refuses f16 with a DTypeError naming the backend', () => {
      const x = fromArray([1], [1], { backend });
      expect(() => cast(x, 'f16')).toThrow(/cast: the .* backend .* cannot hold f16/);
      x.dispose();
    });
  }

  it('records no gradient through integer results, and a same-dtype cast is a view', () => {
    const x = fromArray([0.5, 2.5], [2], { backend, requiresGrad: true });
    const i = cast(x, 'i32');
    expect(i.requiresGrad).toBe(false);
    const same = cast(x, 'f32');
    expect(same.requiresGrad).toBe(true);
    expect(same.node?.op).toBe('contiguous');
    for (const t of [x, i, same]) t.dispose();
  });
});
