import { describe, expect, it } from 'vitest';
import { withBackend } from '../backend-registry.js';
import { ShapeError } from '../errors.js';
import { randn, tensor } from '../ops/creation.js';
import { Generator } from '../random.js';
import { tidy } from '../scope.js';
import { testBackends } from '../test-support/backends.js';
import { gelu64, matmul64 } from '../test-support/reference-math.js';
import { GELU } from './activations.js';
import { Conv1D } from './conv1d.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { isLinearLike } from './linear-like.js';
import { RMSNorm } from './rms-norm.js';

/** Row-major host matrix product of [m, k] and [k, n]. */
const hostMatmul = (a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] => [...matmul64(a, b, 1, m, k, n)];

function hostTranspose(a: ArrayLike<number>, rows: number, cols: number): number[] {
  const out = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i])));
}

describe.each(await testBackends())('layers on $name', ({ backend }) => {
  const on = <T>(fn: () => T): T => withBackend(backend, fn);

  it('Linear initialises weight and bias in U(−1/√in, 1/√in) like torch.nn.Linear', async () => {
    const lin = on(() => new Linear(16, 64, { generator: new Generator(3) }));
    expect(lin.weight.shape).toEqual([64, 16]);
    expect(lin.bias!.shape).toEqual([64]);
    const w = await lin.weight.data();
    const b = await lin.bias!.data();
    const bound = 1 / Math.sqrt(16);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound); // the full range is used
    expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...b.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    const again = on(() => new Linear(16, 64, { generator: new Generator(3) }));
    expect(await again.weight.data()).toEqual(w);
  });

  it('Linear computes x·Wᵀ + b', async () => {
    const lin = on(() => new Linear(3, 2, { generator: new Generator(1) }));
    const x = on(() => randn([4, 3], { generator: new Generator(2) }));
    const [xs, w, b] = await Promise.all([x.data(), lin.weight.data(), lin.bias!.data()]);
    const want = hostMatmul(xs, hostTranspose(w, 2, 3), 4, 3, 2).map((v, i) => v + b[i % 2]);
    expectClose(await tidy(() => lin.forward(x)).data(), want);
    expect(on(() => new Linear(3, 2, { bias: false })).bias).toBeNull();
  });

  it('Conv1D stores its weight [in, out] and computes x·W + b on batched input', async () => {
    const conv = on(() => new Conv1D(5, 3, { generator: new Generator(4) }));
    expect(conv.weight.shape).toEqual([3, 5]);
    expect([conv.inFeatures, conv.outFeatures, conv.fanInFanOut]).toEqual([3, 5, true]);
    tidy(() => conv.bias.assign(on(() => tensor([0.1, -0.2, 0.3, 0, 1]))));
    const x = on(() => randn([2, 2, 3], { generator: new Generator(5) }));
    const [xs, w, b] = await Promise.all([x.data(), conv.weight.data(), conv.bias.data()]);
    const want = hostMatmul(xs, w, 4, 3, 5).map((v, i) => v + b[i % 5]);
    const y = tidy(() => conv.forward(x));
    expect(y.shape).toEqual([2, 2, 5]);
    expectClose(await y.data(), want);
    expect(() => conv.forward(on(() => randn([2, 5])))).toThrow(ShapeError);
  });

  it('Conv1D initialises weight N(0, 0.02) and bias zeros as transformers', async () => {
    const conv = on(() => new Conv1D(128, 64, { generator: new Generator(6) }));
    const w = await conv.weight.data();
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.019);
    expect(std).toBeLessThan(0.021);
    expect([...(await conv.bias.data())].every((v) => v === 0)).toBe(true);
  });

  it('recognises Linear and Conv1D as linear-like, and other layers not', () => {
    expect(isLinearLike(on(() => new Linear(2, 3)))).toBe(true);
    expect(isLinearLike(on(() => new Conv1D(3, 2)))).toBe(true);
    expect(isLinearLike(on(() => new Embedding(3, 2)))).toBe(false);
    expect(isLinearLike(on(() => new LayerNorm(2)))).toBe(false);
    expect(isLinearLike({ inFeatures: 1, outFeatures: 1, fanInFanOut: false, weight: null, bias: null })).toBe(false);
  });

  it('Embedding looks up rows; the padding row starts at zero and gets no gradient', async () => {
    const emb = on(() => new Embedding(5, 3, { paddingIdx: -1, generator: new Generator(7) }));
    expect(emb.paddingIdx).toBe(4);
    const w = await emb.weight.data();
    expect([...w.slice(12, 15)]).toEqual([0, 0, 0]);
    const ids = on(() => tensor([[1, 4], [1, 0]], { dtype: 'i32' }));
    const out = tidy(() => emb.forward(ids));
    expect(out.shape).toEqual([2, 2, 3]);
    const rows = [1, 4, 1, 0].flatMap((r) => [...w.slice(3 * r, 3 * r + 3)]);
    expect([...(await out.data())]).toEqual(rows);
    tidy(() => emb.forward(ids).sum().backward());
    const g = await emb.weight.grad!.data();
    expect([...g]).toEqual([1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('LayerNorm starts as weight ones, bias zeros and normalises the last axis', async () => {
    const ln = on(() => new LayerNorm(4, { eps: 1e-5 }));
    expect([...(await ln.weight!.data())]).toEqual([1, 1, 1, 1]);
    expect([...(await ln.bias!.data())]).toEqual([0, 0, 0, 0]);
    const x = [1, 2, 3, 6];
    const mean = 3;
    const variance = (4 + 1 + 0 + 9) / 4;
    const want = x.map((v) => (v - mean) / Math.sqrt(variance + 1e-5));
    expectClose(await tidy(() => ln.forward(on(() => tensor([x])))).data(), want);
    expect(on(() => new LayerNorm(4, { elementwiseAffine: false })).numParameters()).toBe(0);
  });

  it('RMSNorm starts as weight ones and divides by the root mean square', async () => {
    const norm = on(() => new RMSNorm(3, { eps: 1e-6 }));
    expect([...(await norm.weight.data())]).toEqual([1, 1, 1]);
    const x = [1, -2, 2];
    const rms = Math.sqrt(3 + 1e-6);
    expectClose(await tidy(() => norm.forward(on(() => tensor(x)))).data(), x.map((v) => v / rms));
  });

  it('GELU offers the exact and the tanh forms', async () => {
    const x = [-1.5, 0.3, 2];
    const exact = (v: number) => gelu64(v, 'none');
    const approx = (v: number) => gelu64(v, 'tanh');
    const t = on(() => tensor(x));
    expectClose(await tidy(() => new GELU().forward(t)).data(), x.map(exact), 1e-5);
    expectClose(await tidy(() => new GELU({ approximate: 'tanh' }).forward(t)).data(), x.map(approx), 1e-5);
  });

  it('Dropout is the identity in eval mode and rejects probabilities outside [0, 1]', async () => {
    const drop = new Dropout(0.5).eval();
    const x = on(() => tensor([1, 2, 3]));
    expect([...(await tidy(() => drop.forward(x)).data())]).toEqual([1, 2, 3]);
    expect(() => new Dropout(1.5)).toThrow(/\[0, 1\]/);
  });

  it('skipInit allocates zeros for weights that a checkpoint fills next', async () => {
    const lin = on(() => new Linear(3, 2, { skipInit: true }));
    expect([...(await lin.weight.data())].every((v) => v === 0)).toBe(true);
  });
});
