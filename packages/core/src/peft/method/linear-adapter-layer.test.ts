import { describe, expect, it } from 'vitest';
import { withBackend } from '../../backend-registry.js';
import { ArgumentError } from '../../errors.js';
import { Conv1D } from '../../nn/conv1d.js';
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { type LinearLike, isLinearLike } from '../../nn/linear-like.js';
import type { Module } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import { fromArray } from '../../ops/creation.js';
import { Generator } from '../../random.js';
import type { Tensor } from '../../tensor.js';
import { testBackends } from '../../test-support/backends.js';
import { readF64 } from '../../test-support/numeric.js';
import type { PeftConfig } from './config-schema.js';
import { LinearAdapterLayer } from './linear-adapter-layer.js';

/** The least a method has to write: no parameters, the base output unchanged. */
class PassLinear extends LinearAdapterLayer<PeftConfig> {
  protected createAdapter(): { entries: Record<string, never>; settings: null } {
    return { entries: {}, settings: null };
  }
  adapterState(): Map<string, Parameter> {
    return new Map();
  }
  protected applyAdapter(_name: string, _x: Tensor, baseResult: Tensor): Tensor {
    return baseResult;
  }
  /** Exposes the protected helpers to the tests. */
  typedBase(): Module & LinearLike {
    return this.base;
  }
  layout(delta: Tensor): Tensor {
    return this.inBaseLayout(delta);
  }
}

describe.each(await testBackends())('LinearAdapterLayer on $name', ({ backend }) => {
  const on = <T>(fn: () => T): T => withBackend(backend, fn);

  it('reports the sizes, weight, bias and layout of a wrapped Linear', () => {
    const base = on(() => new Linear(6, 4, { generator: new Generator(1) }));
    const layer = new PassLinear(base);
    expect([layer.inFeatures, layer.outFeatures, layer.fanInFanOut]).toEqual([6, 4, false]);
    expect(layer.weight).toBe(base.weight);
    expect(layer.bias).toBe(base.bias);
    expect(layer.typedBase()).toBe(base);
    expect(layer.baseLayer).toBe(base);
    expect(isLinearLike(layer)).toBe(true);
  });

  it('reports the sizes, weight, bias and layout of a wrapped GPT-2 Conv1D', () => {
    const base = on(() => new Conv1D(4, 6, { generator: new Generator(2) })); // nf = out 4, nx = in 6
    const layer = new PassLinear(base);
    expect([layer.inFeatures, layer.outFeatures, layer.fanInFanOut]).toEqual([6, 4, true]);
    expect(layer.weight).toBe(base.weight);
    expect(layer.weight.shape).toEqual([6, 4]);
    expect(layer.bias).toBe(base.bias);
    expect(isLinearLike(layer)).toBe(true);
  });

  it('reports a null bias when the base Linear has none', () => {
    const layer = new PassLinear(on(() => new Linear(3, 2, { bias: false })));
    expect(layer.bias).toBeNull();
  });

  it('registers the base as base_layer so its parameters keep their names under the wrapper', () => {
    const layer = new PassLinear(on(() => new Conv1D(4, 6)));
    expect([...layer.namedParameters()].map(([k]) => k)).toEqual(['base_layer.weight', 'base_layer.bias']);
  });

  it('refuses a base module that is not a dense layer, naming the subclass and the module', () => {
    const emb = on(() => new Embedding(10, 4));
    expect(() => new PassLinear(emb as unknown as Module & LinearLike)).toThrow(ArgumentError);
    expect(() => new PassLinear(emb as unknown as Module & LinearLike)).toThrow(/^PassLinear: expected a dense base layer .* got Embedding$/);
  });

  it('leaves an [out, in] change as it is for a Linear and transposes it for a Conv1D', async () => {
    const delta = on(() => fromArray([1, 2, 3, 4, 5, 6], [2, 3])); // [out 2, in 3]
    const lin = new PassLinear(on(() => new Linear(3, 2)));
    const conv = new PassLinear(on(() => new Conv1D(2, 3)));
    expect(lin.layout(delta)).toBe(delta);
    const t = conv.layout(delta);
    expect(t.shape).toEqual([3, 2]);
    expect([...(await readF64(t))]).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
