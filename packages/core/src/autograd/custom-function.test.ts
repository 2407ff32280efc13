import { describe, expect, it } from 'vitest';
import { ArgumentError, AutogradError, ShapeError } from '../errors.js';
import * as ops from '../ops/index.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { expectClose, liveBuffers, rand, readF64, toTensor } from '../test-support/numeric.js';
import { type CustomBackward, customFunction } from './custom-function.js';
import { noGrad } from './graph.js';

/** s·(a·b) ⊙ (c·d), the shape of LoHa's weight, with a backward that recomputes both products. */
const hadamardBackward =
  (s: number): CustomBackward =>
  (g, [a, b, c, d]) => {
    const gs = ops.mul(g, s);
    const left = ops.mul(gs, ops.matmul(c, d));
    const right = ops.mul(gs, ops.matmul(a, b));
    return [
      a.requiresGrad ? ops.matmul(left, ops.transpose(b)) : null,
      b.requiresGrad ? ops.matmul(ops.transpose(a), left) : null,
      c.requiresGrad ? ops.matmul(right, ops.transpose(d)) : null,
      d.requiresGrad ? ops.matmul(ops.transpose(c), right) : null,
    ];
  };
const hadamardForward = (s: number) => (a: Tensor, b: Tensor, c: Tensor, d: Tensor): Tensor => ops.mul(ops.mul(ops.matmul(a, b), ops.matmul(c, d)), s);
const hadamard =
  (s: number) =>
  (...xs: Tensor[]): Tensor =>
    customFunction('hadamard_product', xs, (a, b, c, d) => hadamardForward(s)(a, b, c, d), hadamardBackward(s));

const shapes = [[5, 3], [3, 4], [5, 3], [3, 4]];
const hostInputs = () => shapes.map((s, i) => rand(s, { seed: 10 + i }));

const backends = await testOpBackends();

describe.each(backends)('customFunction on $name', ({ backend }) => {
  it('matches finite differences', async () => {
    await checkGradients(backend, hadamard(0.75), hostInputs());
  });

  it('gives the same gradients as the composed ops it replaces', async () => {
    const grads = (fn: (...xs: Tensor[]) => Tensor) =>
      tidy(() => {
        const xs = hostInputs().map((h) => toTensor(h, backend, true));
        const w = toTensor(rand([5, 4], { seed: 3 }), backend);
        ops.sum(ops.mul(fn(...xs), w)).backward();
        return xs.map((x) => x.grad!.detach());
      });
    const ours = grads(hadamard(2));
    const composed = grads((a, b, c, d) => hadamardForward(2)(a, b, c, d));
    for (let k = 0; k < 4; k++) expectClose(await readF64(ours[k]), await readF64(composed[k]), { atol: 1e-6, rtol: 1e-5 }, `input ${k}`);
    for (const t of [...ours, ...composed]) t.dispose();
  });

  it('records one graph node, and frees what the forward made besides its result', () => {
    tidy(() => {
      const xs = hostInputs().map((h) => toTensor(h, backend, true));
      const before = liveBuffers(backend);
      const y = hadamard(1)(...xs);
      expect(y.node?.op).toBe('custom');
      expect(y.node?.inputs).toEqual(xs);
      expect((y.node?.attrs as { name: string }).name).toBe('hadamard_product');
      // the two products and the unscaled result are gone: only the output's buffer is new
      expect(liveBuffers(backend) - before).toBe(1);
    });
  });

  it('records nothing under noGrad or when no input requires a gradient', () => {
    tidy(() => {
      const grad = hostInputs().map((h) => toTensor(h, backend, true));
      const frozen = hostInputs().map((h) => toTensor(h, backend, false));
      const a = noGrad(() => hadamard(1)(...grad));
      const b = hadamard(1)(...frozen);
      for (const y of [a, b]) {
        expect(y.node).toBeNull();
        expect(y.requiresGrad).toBe(false);
      }
    });
  });

  it('leaves no gradient on inputs whose backward result is null', async () => {
    const xs = hostInputs().map((h, i) => toTensor(h, backend, i !== 1));
    tidy(() => ops.sum(hadamard(1)(...xs)).backward());
    expect(xs[1].grad).toBeNull();
    expect(xs[0].grad?.shape).toEqual([5, 3]);
    for (const x of xs) x.dispose();
  });

  it('never attaches its node to an input when the forward returns one', () => {
    tidy(() => {
      const x = toTensor(rand([3], { seed: 1 }), backend, true);
      const y = customFunction('identity', [x], (t) => t, (g) => [g]);
      expect(y).not.toBe(x);
      expect(x.node).toBeNull();
      ops.sum(ops.mul(y, 3)).backward();
      return x;
    }).dispose();
  });

  it('passes through a gradient the backward returns unchanged without freeing it twice', async () => {
    const x = toTensor(rand([4], { seed: 2 }), backend, true);
    tidy(() => ops.sum(ops.mul(customFunction('identity', [x], (t) => ops.mul(t, 1), (g) => [g]), 2)).backward());
    expect(Array.from(await readF64(x.grad!))).toEqual([2, 2, 2, 2]);
    x.dispose();
  });

  it('rejects a backward that returns the wrong number of gradients or a wrong shape', () => {
    tidy(() => {
      const x = toTensor(rand([2, 3], { seed: 4 }), backend, true);
      const tooFew = customFunction('too_few', [x, x], (a) => ops.mul(a, 2), () => [null]);
      expect(() => ops.sum(tooFew).backward()).toThrow(AutogradError);
      expect(() => ops.sum(tooFew).backward()).toThrow(/customFunction\(too_few\): backward must return one gradient \(or null\) per input, expected 2, got 1/);
      const wrongShape = customFunction('wrong_shape', [x], (a) => ops.mul(a, 2), (g) => [ops.transpose(g)]);
      expect(() => ops.sum(wrongShape).backward()).toThrow(ShapeError);
      expect(() => ops.sum(wrongShape).backward()).toThrow('customFunction(wrong_shape): backward returned a gradient of shape [3, 2] for input 0 of shape [2, 3]');
    });
  });

  it('rejects a missing name, no inputs, or a forward that returns no tensor', () => {
    tidy(() => {
      const x = toTensor(rand([2], { seed: 5 }), backend, true);
      expect(() => customFunction('', [x], (a) => a, (g) => [g])).toThrow(ArgumentError);
      expect(() => customFunction('f', [], () => x, () => [])).toThrow('customFunction(f): expected a non-empty array of input tensors');
      expect(() => customFunction('f', [x], () => 3 as unknown as Tensor, (g) => [g])).toThrow('customFunction(f): forward must return a tensor, got number');
    });
  });
});
