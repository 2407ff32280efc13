import { describe, expect, it } from 'vitest';
import { withBackend } from '../backend-registry.js';
import { ConfigError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { Parameter } from '../nn/parameter.js';
import { testOpBackends } from '../test-support/backends.js';
import { SGD, type SGDOptions } from './sgd.js';
import { expectClose as closeTo } from '../test-support/numeric.js';

/** SGD as PyTorch documents it, in float64 over plain arrays. */
function sgdReference(p0: number[], grads: number[][], o: Omit<SGDOptions, 'maximize'>): number[][] {
  const p = [...p0];
  let buf: number[] | null = null;
  const out: number[][] = [];
  for (const g of grads) {
    let d = g.map((gi, i) => gi + o.weightDecay * p[i]);
    if (o.momentum !== 0) {
      buf = buf ? buf.map((b, i) => o.momentum * b + (1 - o.dampening) * d[i]) : [...d];
      const b = buf;
      d = o.nesterov ? d.map((di, i) => di + o.momentum * b[i]) : [...b];
    }
    for (let i = 0; i < p.length; i++) p[i] -= o.lr * d[i];
    out.push([...p]);
  }
  return out;
}

function expectClose(got: ArrayLike<number>, want: readonly number[], tol = 1e-6): void {
  closeTo(got, want, { rtol: tol, atol: tol });
}

const GRADS = [
  [0.5, -0.2, 0.03],
  [-0.25, -0.1, 0.07],
  [0.4, 0.3, -0.01],
  [0.1, -0.6, 0.2],
];
const P0 = [1, -2, 0.25];

describe.each(await testOpBackends())('SGD on $name', ({ backend }) => {
  const param = (values: number[]) => withBackend(backend, () => new Parameter(tensor(values)));
  const run = async (opt: SGD, p: Parameter, grads: number[][]): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for (const g of grads) {
      p.grad?.dispose();
      p.grad = withBackend(backend, () => tensor(g));
      opt.step();
      out.push(await p.data());
    }
    return out;
  };

  it('matches hand-computed steps with momentum, dampening, nesterov, weight decay and maximize', async () => {
    // momentum 0.9, g = 0.5 twice: b = 0.5 → 0.95, p = 1 − 0.05 = 0.95 → 0.95 − 0.095 = 0.855
    let p = param([1]);
    expectClose((await run(new SGD([p], { lr: 0.1, momentum: 0.9 }), p, [[0.5], [0.5]])).map((a) => a[0]), [0.95, 0.855]);
    // nesterov: d = g + 0.9·b: 1 − 0.1·0.95 = 0.905; b = 0.95, d = 1.355: 0.905 − 0.1355 = 0.7695
    p = param([1]);
    expectClose((await run(new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true }), p, [[0.5], [0.5]])).map((a) => a[0]), [0.905, 0.7695]);
    // dampening 0.5 (not applied on the first step): b = 0.5 → 0.45 + 0.25 = 0.7: 0.95 → 0.88
    p = param([1]);
    expectClose((await run(new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5 }), p, [[0.5], [0.5]])).map((a) => a[0]), [0.95, 0.88]);
    // weight decay 0.1 adds 0.1·p to the gradient: 1 − 0.1·0.6 = 0.94
    p = param([1]);
    expectClose((await run(new SGD([p], { lr: 0.1, weightDecay: 0.1 }), p, [[0.5]]))[0], [0.94]);
    // maximize ascends: 1 + 0.05
    p = param([1]);
    expectClose((await run(new SGD([p], { lr: 0.1, maximize: true }), p, [[0.5]]))[0], [1.05]);
  });

  it.each([
    { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
    { momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0.01 },
    { momentum: 0.8, dampening: 0.3, nesterov: false, weightDecay: 0 },
    { momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0.05 },
  ])('matches the reference over four steps with %o', async (o) => {
    const opts = { lr: 0.05, ...o };
    const p = param(P0);
    const want = sgdReference(P0, GRADS, opts);
    (await run(new SGD([p], opts), p, GRADS)).forEach((g, k) => expectClose(g, want[k]));
  });

  it('rejects nesterov without momentum or with dampening', () => {
    expect(() => new SGD([param([1])], { nesterov: true })).toThrow(ConfigError);
    expect(() => new SGD([param([1])], { nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(/nesterov needs momentum > 0 and dampening 0/);
  });
});
