import { describe, expect, it } from 'vitest';
import type { BinaryOp, CompareOp, UnaryOp } from '../../../backend-interface.js';
import type { DType } from '../../../dtype.js';
import { UNARY } from '../../../kernels/unary.js';
import { dropoutKeep } from '../../../kernels/random-hash.js';
import { BINARY, COMPARE } from '../../../kernels/binary.js';
import { testWebGPU } from '../../../test-support/backends.js';
import { createCpuBackend } from '../../cpu/cpu-backend.js';
import { type HostView, dense, maxError, onBoth, out, permuted, randomData } from '../../../test-support/webgpu.js';

const gpu = await testWebGPU();
const cpu = createCpuBackend();
const gpus = gpu ? [{ name: 'webgpu', gpu }] : [];

/** Shapes that are not multiples of anything, plus empty and scalar ones. */
const SHAPES: number[][] = [[], [1], [3], [17], [127], [2, 3], [5, 0, 2], [3, 1, 4, 2]];

describe.each(gpus)('elementwise kernels on $name', ({ gpu }) => {
  const floats: DType[] = gpu.dtypes.has('f16') ? ['f32', 'f16'] : ['f32'];

  it('lists f16 exactly when the device has shader-f16', () => {
    expect(gpu.dtypes.has('f16')).toBe((gpu as { device?: GPUDevice }).device?.features.has('shader-f16'));
  });

  it.each(Object.keys(UNARY) as UnaryOp[])('unary %s matches the CPU on every float dtype, shape and layout', async (op) => {
    for (const dtype of floats) {
      const inputs: HostView[] = [
        ...SHAPES.map((s) => dense(dtype, s, 3)),
        permuted(dtype, [4, 5, 3], [2, 0, 1]),
        { ...dense(dtype, [40]), shape: [3, 4], strides: [9, 2], offset: 5 },
      ];
      for (const hv of inputs) {
        const data = op === 'log' || op === 'sqrt' || op === 'rsqrt' ? hv.data.map((v) => Math.abs(v) + 0.1) : hv.data;
        const [g, c] = await onBoth(gpu, cpu, [{ ...hv, data }], (b, [x]) => out(b.unary(op, x), x.shape, dtype));
        expect(maxError(g, c), `${op} ${dtype} ${hv.shape}`).toBeLessThan(dtype === 'f16' ? 2e-3 : 2e-6);
      }
    }
  });

  it.each(Object.keys(BINARY) as BinaryOp[])('binary %s matches the CPU with broadcast, transposed and offset operands', async (op) => {
    const dtypes: DType[] = BINARY[op].int ? [...floats, 'i32', 'u32'] : floats;
    for (const dtype of dtypes) {
      const cases: [HostView, HostView, number[]][] = [
        [dense(dtype, [17], 1), dense(dtype, [17], 2), [17]],
        [dense(dtype, [], 1), dense(dtype, [], 2), []],
        [dense(dtype, [0, 3], 1), dense(dtype, [0, 3], 2), [0, 3]],
        // [3, 4, 5] + [5] broadcast (stride 0 on the leading axes)
        [dense(dtype, [3, 4, 5], 1), { ...dense(dtype, [5], 2), shape: [3, 4, 5], strides: [0, 0, 1] }, [3, 4, 5]],
        // transposed lhs, column-broadcast rhs
        [permuted(dtype, [5, 3], [1, 0], 4), { ...dense(dtype, [3], 5), shape: [3, 5], strides: [1, 0] }, [3, 5]],
        // an offset strided window into a larger buffer
        [{ ...dense(dtype, [50], 6), shape: [2, 3, 2], strides: [20, 5, 2], offset: 3 }, dense(dtype, [2, 3, 2], 7), [2, 3, 2]],
        // a scalar broadcast to everything
        [dense(dtype, [127], 8), { ...dense(dtype, [1], 9), shape: [127], strides: [0] }, [127]],
      ];
      // every layout for f32; the other dtypes share the indexing code, so two layouts suffice there
      for (const [ha, hb, shape] of dtype === 'f32' ? cases : cases.slice(3, 5)) {
        const [g, c] = await onBoth(gpu, cpu, [ha, hb], (b, [x, y]) => out(b.binary(op, x, y, shape), shape, dtype));
        const tol = dtype === 'f16' ? 4e-3 : dtype === 'f32' ? (op === 'pow' ? 1e-5 : 1e-6) : 0;
        expect(maxError(g, c), `${op} ${dtype} ${shape}`).toBeLessThanOrEqual(tol);
      }
    }
  });

  it('walks rank-8 views with arbitrary permutations and broadcasts', async () => {
    const base = [2, 3, 1, 2, 3, 2, 1, 2];
    const perm = [7, 2, 0, 5, 1, 6, 3, 4];
    const a = permuted('f32', base, perm, 31);
    const shape = a.shape as number[];
    // b broadcasts over axes 1, 3 and 6 of the same shape
    const bStrides = [1, 0, 2, 0, 4, 8, 0, 16];
    const b: HostView = { data: dense('f32', [64], 32).data, dtype: 'f32', shape, strides: bStrides };
    const [g, c] = await onBoth(gpu, cpu, [a, b], (be, [x, y]) => out(be.binary('mul', x, y, shape), shape, 'f32'));
    expect(maxError(g, c)).toBe(0);
    const [g2, c2] = await onBoth(gpu, cpu, [a], (be, [x]) => out(be.reduce('sum', x, [0, 3, 5]), [shape[1], shape[2], shape[4], shape[6], shape[7]], 'f32'));
    expect(maxError(g2, c2)).toBeLessThan(1e-6);
  });

  it('integer division by zero returns the dividend, as WGSL and the reference define it', async () => {
    for (const dtype of ['i32', 'u32'] as const) {
      const a: HostView = { data: [7, 9, 0, 5], dtype, shape: [4] };
      const b: HostView = { data: [0, 2, 0, 5], dtype, shape: [4] };
      const [g, c] = await onBoth(gpu, cpu, [a, b], (be, [x, y]) => out(be.binary('div', x, y, [4]), [4], dtype));
      expect(Array.from(g)).toEqual(Array.from(c));
    }
  });

  it('pow follows C at zero and negative bases: 0^-1 is inf, (-2)^3 is -8, (-2)^0.5 is NaN', async () => {
    const a: HostView = { data: [0, 0, -2, -2, -0.5, 2, 0], dtype: 'f32', shape: [7] };
    const b: HostView = { data: [-1, -2, 3, 0.5, -2, 0.5, 0], dtype: 'f32', shape: [7] };
    const [g, c] = await onBoth(gpu, cpu, [a, b], (be, [x, y]) => out(be.binary('pow', x, y, [7]), [7], 'f32'));
    expect(maxError(g, c)).toBeLessThan(1e-6);
  });

  it('exp (and sigmoid, tanh, erf built on it) stays within a few ulp over the whole f32 range', async () => {
    const xs = Array.from({ length: 4001 }, (_, i) => Math.fround(-100 + 0.047 * i));
    for (const op of ['exp', 'sigmoid'] as const) {
      const [g, c] = await onBoth(gpu, cpu, [{ data: xs, dtype: 'f32', shape: [xs.length] }], (be, [x]) => out(be.unary(op, x), x.shape, 'f32'));
      let worst = 0;
      for (let i = 0; i < xs.length; i++) if (c[i] > 1e-37 && Number.isFinite(c[i])) worst = Math.max(worst, Math.abs(g[i] - c[i]) / c[i]);
      expect(worst, op).toBeLessThan(6e-7);
    }
  });

  it('maximum and minimum propagate NaN like the reference', async () => {
    const a: HostView = { data: [NaN, 1, 2, NaN], dtype: 'f32', shape: [4] };
    const b: HostView = { data: [1, NaN, 3, NaN], dtype: 'f32', shape: [4] };
    for (const op of ['maximum', 'minimum'] as const) {
      const [g, c] = await onBoth(gpu, cpu, [a, b], (be, [x, y]) => out(be.binary(op, x, y, [4]), [4], 'f32'));
      expect(Array.from(g)).toEqual(Array.from(c));
    }
  });

  it.each(Object.keys(COMPARE) as CompareOp[])('compare %s produces 0/1 bools that match the CPU for every dtype', async (op) => {
    for (const dtype of [...floats, 'i32', 'u32', 'bool'] as DType[]) {
      const a = dense(dtype, [6, 7], 11);
      // half of b equals a, so eq/ne/le/ge see ties
      const bData = a.data.map((v, i) => (i % 2 ? v : randomData(dtype, 1, i)[0]));
      const b: HostView = { data: bData, dtype, shape: [7, 6], strides: [1, 7] };
      const bt: HostView = { ...b, shape: [6, 7], strides: [7, 1] };
      for (const rhs of [b, bt]) {
        const shape = [rhs.shape[0], rhs.shape[1]];
        const lhs = rhs === b ? { ...a, shape, strides: [1, 7] } : a;
        const [g, c] = await onBoth(gpu, cpu, [lhs, rhs], (be, [x, y]) => out(be.compare(op, x, y, shape), shape, 'bool'));
        expect(g).toBeInstanceOf(Uint8Array);
        expect(Array.from(g), `${op} ${dtype}`).toEqual(Array.from(c));
      }
    }
  });

  it('compare treats NaN as unordered (only ne is true) and -0 as equal to 0', async () => {
    const a: HostView = { data: [NaN, 1, NaN, -0, 0, 2], dtype: 'f32', shape: [6] };
    const b: HostView = { data: [1, NaN, NaN, 0, -0, 2], dtype: 'f32', shape: [6] };
    for (const op of Object.keys(COMPARE) as CompareOp[]) {
      const [g, c] = await onBoth(gpu, cpu, [a, b], (be, [x, y]) => out(be.compare(op, x, y, [6]), [6], 'bool'));
      expect(Array.from(g), op).toEqual(Array.from(c));
    }
  });

  it('where selects per element with broadcast condition and operands of every dtype', async () => {
    for (const dtype of [...floats, 'i32', 'u32', 'bool'] as DType[]) {
      const cond: HostView = { ...dense('bool', [5], 3), shape: [4, 5], strides: [0, 1] };
      const a = permuted(dtype, [5, 4], [1, 0], 4);
      const b: HostView = { ...dense(dtype, [4], 5), shape: [4, 5], strides: [1, 0] };
      const [g, c] = await onBoth(gpu, cpu, [cond, a, b], (be, [cv, x, y]) => out(be.where(cv, x, y, [4, 5]), [4, 5], dtype));
      expect(Array.from(g), dtype).toEqual(Array.from(c));
    }
  });

  it('copy converts between every pair of dtypes like the reference (saturating float-to-int, NaN to 0)', async () => {
    const all: DType[] = [...floats, 'i32', 'u32', 'bool'];
    for (const from of all) {
      const base: HostView = {
        data:
          from === 'f32' || from === 'f16'
            ? [0, -0, 1.5, -1.5, 2.75, -7.25, 100.5, NaN, 3e9, -3e9, 5e9, -Infinity]
            : randomData(from, 12, 9),
        dtype: from,
        shape: [3, 4],
      };
      for (const hv of [base, { ...base, shape: [4, 3], strides: [1, 4] }]) {
        for (const to of all) {
          const [g, c] = await onBoth(gpu, cpu, [hv], (b, [x]) => out(b.copy(x, to), x.shape, to));
          expect(Array.from(g), `${from} -> ${to}`).toEqual(Array.from(c));
        }
      }
    }
  });

  it('f32 to f16 rounds to nearest even and overflows to infinity like the reference', async () => {
    if (!gpu.dtypes.has('f16')) return;
    const hv: HostView = { data: [65504, 65519, 65520, -70000, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -24, 2 ** -26, Infinity, NaN], dtype: 'f32', shape: [10] };
    const [g, c] = await onBoth(gpu, cpu, [hv], (b, [x]) => out(b.copy(x, 'f16'), [10], 'f16'));
    expect(Array.from(g)).toEqual(Array.from(c));
  });

  it('fill writes the value converted to every dtype, for odd f16 lengths too', async () => {
    const cases: [DType, number][] = [
      ['f32', 0.1],
      ['f32', -Infinity],
      ['i32', -7.9],
      ['u32', 3],
      ['bool', 2],
      ['bool', 0],
      ...(gpu.dtypes.has('f16') ? ([['f16', 0.1], ['f16', 1e6]] as [DType, number][]) : []),
    ];
    for (const [dtype, value] of cases) {
      for (const n of [0, 1, 3, 17]) {
        const [g, c] = await onBoth(gpu, cpu, [], (b) => out(b.fill(n, dtype, value), [n], dtype));
        expect(Array.from(g), `${dtype} ${value} x${n}`).toEqual(Array.from(c));
      }
    }
  });

  it('dropout keeps exactly the elements the CPU keeps, bit for bit, on strided views', async () => {
    for (const dtype of floats) {
      for (const p of [0.1, 0.5, 0.9]) {
        const hv = permuted(dtype, [33, 31], [1, 0], 12);
        const [g, c] = await onBoth(gpu, cpu, [hv], (b, [x]) => out(b.dropout(x, p, 0xdeadbeef), x.shape, dtype));
        expect(Array.from(g), `${dtype} p=${p}`).toEqual(Array.from(c));
      }
    }
  });

  it('handles more elements than one grid dimension can cover (2-D dispatch)', async () => {
    // 65535 workgroups x 64 invocations = 4,194,240 < n
    const n = 65535 * 64 + 1000;
    const x = gpu.fill(n, 'f32', 1.5);
    const v = { buffer: x, dtype: 'f32', shape: [n], strides: [1], offset: 0 } as const;
    const y = gpu.binary('add', v, { ...v, shape: [n] }, [n]);
    const z = gpu.dropout({ ...v, buffer: y }, 0.5, 99);
    const [ry, rz] = await Promise.all([gpu.read({ ...v, buffer: y }), gpu.read({ ...v, buffer: z })]);
    let bad = 0;
    for (let i = 0; i < n; i++) if (ry[i] !== 3) bad++;
    expect(bad).toBe(0);
    // the tail past the first grid row is masked by the same hash as on the CPU
    for (const i of [0, 65535 * 64 - 1, 65535 * 64, n - 1]) expect(rz[i]).toBe(dropoutKeep(99, i, 0.5) ? 6 : 0);
    for (const b of [x, y, z]) gpu.release(b);
  });
});
