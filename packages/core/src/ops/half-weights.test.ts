import { describe, expect, it } from 'vitest';
import { tidy } from '../scope.js';
import { computeDType, f32ToBF16Bits, f32ToF16Bits, roundToBF16, roundToF16 } from '../dtype.js';
import type { DType } from '../dtype.js';
import { testOpBackends } from '../test-support/backends.js';
import { Storage } from '../storage.js';
import { fromArray } from './creation.js';
import { add, cast, mul } from './elementwise.js';
import { embedding, gather } from './indexing.js';
import { linearCrossEntropy } from './linear-cross-entropy.js';
import { linear, matmul } from './matmul.js';
import { sum } from './reduce.js';
import { narrow, transpose } from './views.js';
import { Tensor } from '../tensor.js';

const backends = await testOpBackends();

/** Values that exercise rounding: ties, tiny and huge magnitudes, signed zeros, infinities, NaN. */
function awkward(n: number, seed: number): number[] {
  const special = [0, -0, 1, -1, 1 + 2 ** -8, 1 + 3 * 2 ** -9, 65504, 1e-40, -3e38, Infinity, -Infinity, NaN];
  let s = seed;
  return Array.from({ length: n }, (_, i) => {
    if (i < special.length) return special[i];
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return ((s / 2 ** 31) * 2 - 1) * 2 ** ((i % 9) - 4);
  });
}

/** Finite values (for products). */
function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  });
}

const HALVES: { dtype: DType; round: (v: number) => number; bits: (v: number) => number }[] = [
  { dtype: 'bf16', round: roundToBF16, bits: f32ToBF16Bits },
  { dtype: 'f16', round: roundToF16, bits: f32ToF16Bits },
];

describe.each(backends)('16-bit weights on $name', ({ backend }) => {
  const on = <T>(f: () => T): T => tidy(() => f());
  const supported = HALVES.filter((h) => backend.dtypes.has(h.dtype));

  describe.each(supported)('$dtype', ({ dtype, round, bits }) => {
    it('stores values rounded to nearest even and reads them back widened', async () => {
      const v = awkward(37, 1);
      const t = on(() => fromArray(v, [37], { dtype, backend }));
      expect(t.dtype).toBe(dtype);
      const got = await t.data();
      expect(got).toBeInstanceOf(Float32Array);
      expect(Array.from(got)).toEqual(v.map(round));
      t.dispose();
    });

    it('takes a Uint16Array as the bits themselves (a checkpoint’s bytes, never widened on the host)', async () => {
      const v = awkward(13, 2);
      const t = new Tensor(new Storage(backend, backend.upload(Uint16Array.from(v, bits), dtype)), [13], dtype);
      expect(Array.from(await t.data())).toEqual(v.map(round));
      t.dispose();
    });

    it('casts from f32 with the same rounding, strided views included', async () => {
      const v = awkward(6 * 7, 3);
      const [direct, viaView] = on(() => {
        const x = fromArray(v, [6, 7], { backend });
        return [cast(x, dtype), cast(transpose(x, 0, 1), dtype)];
      });
      expect(Array.from(await direct.data())).toEqual(v.map(round));
      const t = Array.from({ length: 42 }, (_, i) => round(v[(i % 6) * 7 + Math.floor(i / 6)]));
      expect(Array.from(await viaView.data())).toEqual(t);
      direct.dispose();
      viaView.dispose();
    });

    it('casts a tensor larger than one binding (packed in chunks), strided, with the same rounding', async () => {
      const v = awkward(61 * 53, 4);
      const t = on(() => cast(transpose(fromArray(v, [61, 53], { backend }), 0, 1), dtype));
      const want = Array.from({ length: 61 * 53 }, (_, i) => round(v[(i % 61) * 53 + Math.floor(i / 61)]));
      expect(Array.from(await t.data())).toEqual(want);
      t.dispose();
    });

    it.each([
      [1, 5, 3],
      [7, 33, 9],
      [16, 64, 48],
      [5, 130, 67],
    ])('x @ W with W [%i×%i→%i] in 16 bits equals widening W first, bit for bit', async (m, k, n) => {
      const [half, wide] = on(() => {
        const x = fromArray(values(m * k, m), [m, k], { backend });
        const w = fromArray(values(n * k, n + 7), [n, k], { dtype, backend });
        // linear reads the weight transposed, as every Linear and the tied LM head do
        return [linear(x, w), linear(x, cast(w, 'f32'))];
      });
      expect(half.dtype).toBe('f32');
      expect(Array.from(await half.data())).toEqual(Array.from(await wide.data()));
      half.dispose();
      wide.dispose();
    });

    it('reads a weight slice at an odd offset and a 16-bit left operand', async () => {
      const [half, wide] = on(() => {
        const w = fromArray(values(9 * 11, 5), [9, 11], { dtype, backend });
        const part = narrow(narrow(w, 0, 1, 7), 1, 3, 7); // offset 14: the high half of a word
        const x = fromArray(values(7 * 4, 6), [7, 4], { backend });
        const y = fromArray(values(5 * 7, 8), [5, 7], { backend });
        const w32 = cast(part, 'f32');
        return [
          [matmul(part, x), matmul(y, transpose(part, 0, 1))],
          [matmul(w32, x), matmul(y, transpose(w32, 0, 1))],
        ];
      });
      for (let i = 0; i < 2; i++) {
        expect(Array.from(await half[i].data())).toEqual(Array.from(await wide[i].data()));
        half[i].dispose();
        wide[i].dispose();
      }
    });

    it('looks up embedding rows widened to f32', async () => {
      const [half, wide] = on(() => {
        const table = fromArray(awkward(50 * 6, 9), [50, 6], { dtype, backend });
        const ids = fromArray([3, 0, 49, 7, 7, 12], [2, 3], { dtype: 'i32', backend });
        return [embedding(table, ids), gather(cast(table, 'f32'), ids, 0)];
      });
      expect(half.dtype).toBe('f32');
      expect(Array.from(await half.data())).toEqual(Array.from(await wide.data()));
      half.dispose();
      wide.dispose();
    });

    it('computes elementwise in f32 beside f32 operands, and bf16 alone in f32 too', async () => {
      const [s, r, ws, wr] = on(() => {
        const w = fromArray(values(24, 11), [4, 6], { dtype, backend });
        const x = fromArray(values(24, 12), [4, 6], { backend });
        const w32 = cast(w, 'f32');
        return [mul(add(w, x), transpose(fromArray(values(24, 13), [6, 4], { backend }), 0, 1)), sum(w, 1), mul(add(w32, x), transpose(fromArray(values(24, 13), [6, 4], { backend }), 0, 1)), sum(w32, 1)];
      });
      expect(s.dtype).toBe('f32');
      expect(r.dtype).toBe(computeDType(dtype));
      expect(Array.from(await s.data())).toEqual(Array.from(await ws.data()));
      if (dtype === 'bf16') expect(Array.from(await r.data())).toEqual(Array.from(await wr.data()));
      for (const t of [s, r, ws, wr]) t.dispose();
    });

    it('backpropagates through a frozen 16-bit weight as through its f32 widening', async () => {
      const run = async (widen: boolean): Promise<Float32Array> => {
        const x = on(() => fromArray(values(6 * 10, 21), [6, 10], { backend }));
        x.requiresGrad = true;
        on(() => {
          const w = fromArray(values(12 * 10, 22), [12, 10], { dtype, backend });
          const y = linear(x, widen ? cast(w, 'f32') : w);
          sum(mul(y, y)).backward();
        });
        const dx = await x.grad!.data();
        x.dispose();
        return dx;
      };
      expect(Array.from(await run(false))).toEqual(Array.from(await run(true)));
    });

    it('feeds the chunked LM-head loss as the head weight', async () => {
      const run = (widen: boolean): Promise<Float32Array> => {
        const l = on(() => {
          const h = fromArray(values(9 * 8, 31), [9, 8], { backend });
          const w = fromArray(values(40 * 8, 32), [40, 8], { dtype, backend });
          const t = fromArray([1, 5, 39, 0, 7, 7, 2, 3, 11], [9], { dtype: 'i32', backend });
          return linearCrossEntropy(h, widen ? cast(w, 'f32') : w, t, null, { chunkSize: 4 });
        });
        return l.data().finally(() => l.dispose());
      };
      expect(Array.from(await run(false))).toEqual(Array.from(await run(true)));
    });

    it('holds half the bytes of f32 on the device (the CPU reference keeps f32 numbers)', () => {
      const before = backend.memory().liveBytes;
      const t = on(() => fromArray(values(1024, 1), [1024], { dtype, backend }));
      const bytes = backend.memory().liveBytes - before;
      t.dispose();
      expect(bytes).toBe(backend.name === 'cpu' ? 4096 : 2048);
    });
  });
});
