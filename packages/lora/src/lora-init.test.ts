import { Conv1D, Generator, Linear, type Module } from '@peft/core';
import { expectClose, rand, readF64, testBackends, toTensor } from '@peft/core/testing';
import { describe, expect, it } from 'vitest';
import { type LoraConfig, loraConfig } from './config.js';
import { oloraFactors, pissaFactors, transposeHost } from './lora-init.js';
import { LoraLinear } from './lora-linear.js';

const backends = await testBackends();

function mm(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let t = 0; t < k; t++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * k + t] * b[t * n + j];
  return out;
}

const [rows, cols] = [6, 9];
const w = rand([rows, cols], { seed: 11 }).values;

describe('pissaFactors and oloraFactors', () => {
  it.each([
    ['pissa', pissaFactors],
    ['olora', oloraFactors],
  ] as const)('%s: residual + scaling·B·A gives back W', (_, factors) => {
    const s = 1.7;
    const f = factors(w, rows, cols, 3, s);
    const ba = mm(f.b, f.a, rows, 3, cols);
    expectClose(f.residual.map((v, i) => v + s * ba[i]), w, { atol: 1e-12 });
  });

  it('at full rank pissa leaves no residual, and olora (B·A = Q·R = W, unscaled) leaves (1 − scaling)·W', () => {
    const s = 1.7;
    expect(Math.max(...pissaFactors(w, rows, cols, rows, s).residual.map(Math.abs))).toBeLessThan(1e-12);
    expectClose(oloraFactors(w, rows, cols, rows, s).residual, w.map((v) => (1 - s) * v), { atol: 1e-12 });
  });

  it('pissa splits the top singular values evenly: AAᵀ = BᵀB = diag(S/scaling)', () => {
    const s = 2;
    const f = pissaFactors(w, rows, cols, 2, s);
    const aat = mm(f.a, transposeHost(f.a, 2, cols), 2, cols, 2);
    const btb = mm(transposeHost(f.b, rows, 2), f.b, 2, rows, 2);
    expectClose(aat, btb, { atol: 1e-10 });
    expect(Math.abs(aat[1])).toBeLessThan(1e-10);
    expect(aat[0]).toBeGreaterThanOrEqual(aat[3]);
  });

  it('olora takes the first r columns of Q (orthonormal) and rows of R', () => {
    const f = oloraFactors(w, rows, cols, 3, 1);
    const btb = mm(transposeHost(f.b, rows, 3), f.b, 3, rows, 3);
    expectClose(btb, [1, 0, 0, 0, 1, 0, 0, 0, 1], { atol: 1e-12 });
    expect(Math.abs(f.a[1 * cols + 0])).toBe(0); // R is upper triangular
  });

  it('refuses a rank above min(out, in)', () => {
    expect(() => pissaFactors(w, rows, cols, 7, 1)).toThrow(/needs r ≤ min\(out, in\) = 6/);
  });
});

describe.each(backends)('PiSSA and OLoRA on a layer on $name', ({ backend }) => {
  async function initialised(base: Module & { setRequiresGrad(f: boolean): unknown }, config: LoraConfig): Promise<{ layer: LoraLinear; before: Float64Array; w0: Float64Array; x: ReturnType<typeof toTensor> }> {
    base.setRequiresGrad(false);
    const layer = new LoraLinear(base as Linear);
    const x = toTensor(rand([3, layer.inFeatures], { seed: 2 }), backend);
    const before = await readF64((base as Linear).forward(x));
    const w0 = await readF64(layer.weight);
    layer.addAdapter('default', { adapterName: 'default', config, path: 'proj', targetKey: 'proj', generator: new Generator(1) });
    expect(layer.needsInitialization('default')).toBe(true);
    await layer.initializeAdapter('default');
    expect(layer.needsInitialization('default')).toBe(false);
    layer.activeAdapters = ['default'];
    return { layer, before, w0, x };
  }

  it.each([
    ['pissa', 'Linear'],
    ['olora', 'Linear'],
    ['pissa_niter_2', 'Conv1D'],
    ['olora', 'Conv1D'],
  ] as const)('%s on %s: new base + delta equals the old base, and the output is unchanged', async (init, kind) => {
    const base = kind === 'Linear' ? new Linear(8, 6, { backend, generator: new Generator(3) }) : new Conv1D(6, 8, { backend, generator: new Generator(3) });
    const { layer, before, w0, x } = await initialised(base, loraConfig({ r: 3, loraAlpha: 6, initLoraWeights: init }));
    const [w1, delta] = await Promise.all([readF64(layer.weight), readF64(layer.deltaWeight('default'))]);
    expect(Math.max(...w1.map((v, i) => Math.abs(v - w0[i])))).toBeGreaterThan(1e-3);
    expectClose(w1.map((v, i) => v + delta[i]), w0, { atol: 1e-5 });
    expectClose(await readF64(layer.forward(x)), before, { atol: 1e-5 });
  });

  it('pissa at full rank leaves a zero base weight', async () => {
    const { layer } = await initialised(new Linear(5, 4, { backend, generator: new Generator(4) }), loraConfig({ r: 4, loraAlpha: 4, initLoraWeights: 'pissa' }));
    expect(Math.max(...(await readF64(layer.weight)).map(Math.abs))).toBeLessThan(1e-5);
  });

  it('recomputes the DoRA magnitude after the base weight changes', async () => {
    const { layer, before, x } = await initialised(new Linear(8, 6, { backend, generator: new Generator(3) }), loraConfig({ r: 2, initLoraWeights: 'olora', useDora: true }));
    expectClose(await readF64(layer.forward(x)), before, { atol: 1e-5 });
  });
});
