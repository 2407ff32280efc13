import { liveBuffers } from '../test-support/numeric.js';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend-interface.js';
import { withBackend } from '../backend-registry.js';
import { createCpuBackend } from '../backends/cpu/cpu-backend.js';
import { ShapeError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { Parameter } from '../nn/parameter.js';
import { Tensor } from '../tensor.js';
import { testOpBackends } from '../test-support/backends.js';
import { AdamW } from './adamw.js';
import type { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';
import { clipGradNorm } from './clip-grad-norm.js';

/** Gradients that change from step to step (a fixed pseudo-random pattern). */
function gradFor(step: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(1.7 * step + 0.9 * i) * (1 + i / n));
}

/** A backend that counts reads, to prove a code path never waits on the device. */
function countingReads(inner: Backend): { backend: Backend; reads: () => number } {
  let reads = 0;
  const backend = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'read' || key === 'sync') {
        return (...args: unknown[]) => {
          reads++;
          return (target[key] as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { backend, reads: () => reads };
}

describe.each(await testOpBackends())('Optimizer on $name', ({ backend }) => {
  const param = (values: number[]) => withBackend(backend, () => new Parameter(tensor(values)));
  const setGrad = (p: Parameter, g: number[]) => {
    p.grad?.dispose();
    p.grad = withBackend(backend, () => tensor(g));
  };
  const makers: [string, (ps: Parameter[]) => Optimizer][] = [
    ['AdamW', (ps) => new AdamW(ps, { lr: 0.05, weightDecay: 0.1, amsgrad: true })],
    ['SGD', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 })],
  ];

  it.each(makers)('%s: a restored state continues with identical updates', async (_name, make) => {
    const init = [0.3, -1.2, 2.5, 0.01];
    const a = param(init);
    const optA = make([a]);
    for (let s = 0; s < 3; s++) {
      setGrad(a, gradFor(s, 4));
      optA.step();
    }
    const saved = optA.stateDict({ snapshot: true });
    const b = param([...(await a.data())]);
    const optB = make([b]);
    optB.loadStateDict(saved);
    for (let s = 3; s < 6; s++) {
      setGrad(a, gradFor(s, 4));
      setGrad(b, gradFor(s, 4));
      optA.step();
      optB.step();
      expect(await b.data()).toEqual(await a.data());
    }
    // the snapshot was not changed by the later steps: restoring it again replays them exactly
    const c = param([...(await param(init).data())]);
    const optC = make([c]);
    for (let s = 0; s < 3; s++) {
      setGrad(c, gradFor(s, 4));
      optC.step();
    }
    const d = param([...(await c.data())]);
    const optD = make([d]);
    optD.loadStateDict(saved);
    for (let s = 3; s < 6; s++) {
      setGrad(d, gradFor(s, 4));
      optD.step();
    }
    expect(await d.data()).toEqual(await a.data());
    for (const st of saved.state.values()) for (const v of Object.values(st)) if (v instanceof Tensor) v.dispose();
  });

  it('saves step counts and moments by parameter position, and group hyperparameters', () => {
    const a = param([1, 2]);
    const b = param([3]);
    const frozen = param([4]);
    const opt = new AdamW([{ params: [a, frozen] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    frozen.requiresGrad = false;
    setGrad(a, [0.1, 0.2]);
    setGrad(b, [0.3]);
    setGrad(frozen, [1]);
    opt.step();
    opt.step();
    const sd = opt.stateDict();
    expect([...sd.state.keys()]).toEqual([0, 2]);
    expect(sd.state.get(0)?.step).toBe(2);
    expect((sd.state.get(2)?.expAvg as Tensor).shape).toEqual([1]);
    expect(sd.paramGroups.map((g) => [g.params, g.lr])).toEqual([
      [[0, 1], 0.1],
      [[2], 0.5],
    ]);
  });

  it('rejects a state whose tensors do not fit the parameters', () => {
    const a = param([1, 2]);
    const opt = new AdamW([a]);
    setGrad(a, [0.1, 0.2]);
    opt.step();
    const other = new AdamW([param([1, 2, 3])]);
    expect(() => other.loadStateDict(opt.stateDict())).toThrow(ShapeError);
    expect(() => other.loadStateDict(opt.stateDict())).toThrow(/state 0\.expAvg expected shape \[3\], got \[2\]/);
    expect(() => new AdamW([param([1]), param([2])]).loadStateDict(opt.stateDict())).toThrow(/expected 2 parameters, got 1/);
  });

  it('skips frozen parameters and parameters without a gradient', async () => {
    const a = param([1, 2]);
    const frozen = param([3, 4]);
    const noGrad = param([5, 6]);
    frozen.requiresGrad = false;
    const opt = new SGD([a, frozen, noGrad], { lr: 0.5 });
    setGrad(a, [1, 1]);
    setGrad(frozen, [1, 1]);
    opt.step();
    expect([...(await a.data())]).toEqual([0.5, 1.5]);
    expect([...(await frozen.data())]).toEqual([3, 4]);
    expect([...(await noGrad.data())]).toEqual([5, 6]);
    expect(opt.state.has(frozen)).toBe(false);
  });

  it('zeroGrad frees every gradient', () => {
    const a = param([1, 2]);
    const opt = new SGD([a], { lr: 0.1 });
    setGrad(a, [1, 1]);
    const g = a.grad!;
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    expect(g.isDisposed).toBe(true);
  });

  it('rejects a parameter listed in two groups', () => {
    const a = param([1]);
    expect(() => new SGD([{ params: [a] }, { params: [a] }])).toThrow(/more than one group/);
  });

  it.each(makers)('%s: steps leave the live-buffer count flat', (_name, make) => {
    const ps = [param([1, 2, 3]), param([4, 5])];
    const opt = make(ps);
    const stepOnce = (s: number) => {
      ps.forEach((p) => setGrad(p, gradFor(s, p.size)));
      clipGradNorm(ps, 1).dispose();
      opt.step();
      opt.zeroGrad();
    };
    stepOnce(0);
    stepOnce(1);
    const before = liveBuffers(backend);
    for (let s = 2; s < 12; s++) stepOnce(s);
    expect(liveBuffers(backend)).toBe(before);
    opt.dispose();
    for (const p of ps) p.dispose();
  });
});

describe('Optimizer step and clipGradNorm', () => {
  it('never read values back from the device', () => {
    const { backend, reads } = countingReads(createCpuBackend());
    withBackend(backend, () => {
      const p = new Parameter(tensor([1, 2, 3]));
      const q = new Parameter(tensor([4]));
      const opts = [new AdamW([p], { amsgrad: true }), new SGD([q], { momentum: 0.9, nesterov: true })];
      for (let s = 0; s < 3; s++) {
        p.grad = tensor(gradFor(s, 3));
        q.grad = tensor([0.5]);
        const n = clipGradNorm([p, q], 0.5);
        for (const o of opts) o.step();
        for (const o of opts) o.zeroGrad();
        n.dispose();
      }
    });
    expect(reads()).toBe(0);
  });

  it('matches the float64 reference exactly (to the final float32 read) on a float64 CPU backend', async () => {
    const cpu = createCpuBackend({ precision: 'f64' });
    const p0 = [1, -2, 0.25, 3];
    const lr = 0.01;
    const [b1, b2] = [0.9, 0.999];
    const wd = 0.05;
    const p = withBackend(cpu, () => new Parameter(tensor(p0)));
    const opt = new AdamW([p], { lr, weightDecay: wd });
    const ref = [...p0];
    const m = ref.map(() => 0);
    const v = ref.map(() => 0);
    for (let t = 1; t <= 4; t++) {
      const g = gradFor(t, 4);
      p.grad?.dispose();
      p.grad = withBackend(cpu, () => tensor(g));
      opt.step();
      for (let i = 0; i < 4; i++) {
        ref[i] *= 1 - lr * wd;
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        ref[i] -= (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + 1e-8);
      }
    }
    // the backend keeps float64 between kernels; only the read rounds to float32
    expect([...(await p.data())]).toEqual(ref.map(Math.fround));
  });
});
