import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { Parameter } from '../nn/parameter.js';
import { withBackend } from '../backend-registry.js';
import { findKernel, registerKernel } from '../backends/kernel-registry.js';
import { ADAMW_KERNEL } from '../kernels/adamw-kernel.js';
import { testOpBackends } from '../test-support/backends.js';
import { AdamW } from './adamw.js';
import { expectClose as closeTo } from '../test-support/numeric.js';

interface RefOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad?: boolean;
}

/** AdamW as published (decoupled decay first, bias-corrected moments), in float64 over plain arrays. */
function adamwReference(p0: number[], grads: number[][], o: RefOptions): number[][] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const vMax = p.map(() => 0);
  const out: number[][] = [];
  grads.forEach((g, k) => {
    const t = k + 1;
    const [b1, b2] = o.betas;
    for (let i = 0; i < p.length; i++) {
      p[i] *= 1 - o.lr * o.weightDecay;
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      vMax[i] = Math.max(vMax[i], v[i]);
      const mHat = m[i] / (1 - b1 ** t);
      const vHat = (o.amsgrad ? vMax[i] : v[i]) / (1 - b2 ** t);
      p[i] -= (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
    }
    out.push([...p]);
  });
  return out;
}

function expectClose(got: ArrayLike<number>, want: readonly number[], tol = 1e-6): void {
  closeTo(got, want, { rtol: tol, atol: tol });
}

const GRADS = [
  [0.5, -0.2, 0.03, 1.5],
  [-0.25, -0.1, 0.07, -2],
  [0.4, 0.3, -0.01, 0.5],
];
const P0 = [1, -2, 0.25, 3];

describe.each(await testOpBackends())('AdamW on $name', ({ backend }) => {
  const param = (values: number[]) => withBackend(backend, () => new Parameter(tensor(values)));
  const setGrad = (p: Parameter, g: number[]) => {
    p.grad?.dispose();
    p.grad = withBackend(backend, () => tensor(g));
  };
  /** Steps through `grads`, reading the parameter after each step. */
  const run = async (opt: AdamW, p: Parameter, grads: number[][]): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for (const g of grads) {
      setGrad(p, g);
      opt.step();
      out.push(await p.data());
    }
    return out;
  };

  it('takes one fused kernel where the backend has one, with the numbers of the op-by-op update', async () => {
    // the same backend, counting fused updates; and under another name, which has no fused kernel (the composite update)
    let fusedCalls = 0;
    const fusedImpl = findKernel(backend, ADAMW_KERNEL)!;
    const undo = registerKernel(ADAMW_KERNEL, backend.name, (b, ...args) => (fusedCalls++, fusedImpl(b, ...args)));
    const counting = backend;
    const composite = new Proxy(backend, { get: (t, k) => (k === 'name' ? `${t.name} without fused kernels` : Reflect.get(t, k)) });
    const runOn = async (b: typeof backend, opts: RefOptions & { maximize?: boolean }) => {
      const p = withBackend(b, () => new Parameter(tensor(P0)));
      const opt = new AdamW([p], opts);
      const out: Float32Array[] = [];
      for (const g of GRADS) {
        p.grad?.dispose();
        // a strided gradient exercises the copy to a contiguous one
        p.grad = withBackend(b, () => tensor(g.flatMap((x) => [x, 0])).slice([0], [8], [2]));
        opt.step();
        out.push(await p.data());
      }
      const m = await (opt.state.get(p)?.expAvg as Parameter).data();
      p.dispose();
      opt.dispose();
      return { out, m };
    };
    for (const opts of [{ lr: 0.1, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0.1 }, { lr: 0.05, betas: [0.8, 0.99] as [number, number], eps: 1e-3, weightDecay: 0, maximize: true }]) {
      fusedCalls = 0;
      const fused = await runOn(counting, opts);
      expect(fusedCalls).toBe(GRADS.length);
      const plain = await runOn(composite, opts);
      if (backend.name === 'cpu') {
        expect(fused.out).toEqual(plain.out); // the CPU reference rounds at the same places: identical bits
        expect(fused.m).toEqual(plain.m);
      } else {
        fused.out.forEach((g, k) => expectClose(g, Array.from(plain.out[k]), 1e-6));
        expectClose(fused.m, Array.from(plain.m), 1e-6);
      }
    }
    undo();
  });

  it('matches the published algorithm with weight decay over three steps', async () => {
    const opts: RefOptions = { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1 };
    const p = param(P0);
    const opt = new AdamW([p], opts);
    const want = adamwReference(P0, GRADS, opts);
    const got = await run(opt, p, GRADS);
    got.forEach((g, k) => expectClose(g, want[k]));
    expect(opt.state.get(p)?.step).toBe(3);
  });

  it('moves each weight by lr at step 1 and matches hand-computed values at step 2', async () => {
    // step 1: m̂ = g and v̂ = g², so every weight moves by lr·g/(|g| + eps) after the decay.
    // p = 1, g = 0.5, lr = 0.1, wd = 0.1: 1·0.99 − 0.1 = 0.89; p = −2, g = −0.2: −1.98 + 0.1 = −1.88.
    const p = param([1, -2]);
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.1 });
    setGrad(p, [0.5, -0.2]);
    opt.step();
    expectClose(await p.data(), [0.89, -1.88]);
    // without decay, g = 0.5 then −0.25: m = 0.05 → 0.02, v = 2.5e-4 → 3.1225e-4,
    // p₂ = 0.9 − 0.1·(0.02/0.19)/(√(3.1225e-4/0.001999) + 1e-8) = 0.873366298…
    const q = param([1]);
    const plain = new AdamW([q], { lr: 0.1, weightDecay: 0 });
    setGrad(q, [0.5]);
    plain.step();
    expectClose(await q.data(), [0.9]);
    setGrad(q, [-0.25]);
    plain.step();
    expectClose(await q.data(), [0.8733663]);
  });

  it('adds eps after the square root of the corrected second moment', async () => {
    // g = 1e-6: p₁ = 1 − 0.1·1e-6/(1e-6 + 1e-8) = 0.9009901 (eps inside the root would give 0.999)
    const p = param([1]);
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0 });
    setGrad(p, [1e-6]);
    opt.step();
    expectClose(await p.data(), [0.9009901]);
  });

  it('keeps the running maximum of the second moment with amsgrad', async () => {
    // beta2 = 0.5, g = 1 then 0.1: v = 0.5 → 0.255 but v_max stays 0.5, so
    // p₂ = 0.9 − 0.1·(0.1/0.19)/√(0.5/0.75) = 0.835539745… (0.8097375… without amsgrad)
    const opts: RefOptions = { lr: 0.1, betas: [0.9, 0.5], eps: 1e-8, weightDecay: 0, amsgrad: true };
    const p = param([1]);
    const opt = new AdamW([p], opts);
    const got = await run(opt, p, [[1], [0.1]]);
    expectClose(got[1], [0.8355397]);
    const q = param([1]);
    const noAms = new AdamW([q], { ...opts, amsgrad: false });
    expectClose((await run(noAms, q, [[1], [0.1]]))[1], [0.8097375]);

    const r = param(P0);
    const ams = new AdamW([r], { ...opts, weightDecay: 0.05 });
    const want = adamwReference(P0, GRADS, { ...opts, weightDecay: 0.05 });
    (await run(ams, r, GRADS)).forEach((g, k) => expectClose(g, want[k]));
  });

  it('uses the defaults lr 1e-3, betas (0.9, 0.999), eps 1e-8 and weight decay 1e-2', async () => {
    const p = param(P0);
    const opt = new AdamW([p]);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false });
    const want = adamwReference(P0, GRADS, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2 });
    (await run(opt, p, GRADS)).forEach((g, k) => expectClose(g, want[k]));
  });

  it('applies each group its own learning rate', async () => {
    const a = param([1, 2]);
    const b = param([1, 2]);
    const opt = new AdamW([{ params: [a] }, { params: [b], lr: 0.01 }], { lr: 0.1, weightDecay: 0 });
    setGrad(a, [0.3, -0.4]);
    setGrad(b, [0.3, -0.4]);
    opt.step();
    expectClose(await a.data(), [0.9, 2.1]);
    expectClose(await b.data(), [0.99, 2.01]);
  });

  it('follows a learning rate set between steps', async () => {
    const p = param(P0);
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.1 });
    setGrad(p, GRADS[0]);
    opt.step();
    opt.lr = 0.02;
    setGrad(p, GRADS[1]);
    opt.step();
    const opts: RefOptions = { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1 };
    // reference: step 1 at lr 0.1, step 2 at 0.02 (same moments)
    const p1 = adamwReference(P0, [GRADS[0]], opts)[0];
    const m = GRADS[0].map((g) => 0.1 * g);
    const v = GRADS[0].map((g) => 0.001 * g * g);
    const want = p1.map((x, i) => {
      const g = GRADS[1][i];
      const m2 = 0.9 * m[i] + 0.1 * g;
      const v2 = 0.999 * v[i] + 0.001 * g * g;
      return x * (1 - 0.02 * 0.1) - (0.02 * m2) / 0.19 / (Math.sqrt(v2 / (1 - 0.999 ** 2)) + 1e-8);
    });
    expectClose(await p.data(), want);
  });

  it('rejects hyperparameters out of range, naming the field', () => {
    const p = param([1]);
    expect(() => new AdamW([p], { betas: [0.9, 1] })).toThrow(ConfigError);
    expect(() => new AdamW([p], { betas: [0.9, 1] })).toThrow(/betas\[1\]/);
    expect(() => new AdamW([p], { lr: -1 })).toThrow(/lr must be >= 0/);
    expect(() => new AdamW([p], { weightDecay: -0.1 })).toThrow(/weightDecay/);
    expect(() => new AdamW([])).toThrow(/empty/);
  });
});
