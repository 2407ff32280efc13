import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, Generator, Linear, MethodRegistry, PeftModel, type Tensor, noGrad, randn, tidy } from '@peft/core';
import { add } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { createTinyModel } from '@peft/testing';
import { BitFitLayer, bitfit, bitfitConfig } from './index.js';

const backends = await testBackends();

describe.each(backends)('BitFitLayer on $name', ({ backend }) => {
  const made: { dispose(): void }[] = [];
  afterEach(() => {
    for (const m of made.splice(0)) m.dispose();
  });
  const keepAll = <T extends { dispose(): void }>(t: T): T => {
    made.push(t);
    return t;
  };
  const ctx = (name: string): Parameters<BitFitLayer['addAdapter']>[1] => ({ adapterName: name, config: bitfitConfig(), path: 'proj', targetKey: 'proj' });
  const shift = (layer: BitFitLayer, name: string, seed: number): void =>
    noGrad(() => tidy(() => void layer.adapterState(name).get('bias')!.assign(add(layer.adapterState(name).get('bias')!, randn([6], { backend, generator: new Generator(seed) })))));

  it('computes the module with its bias replaced by the adapter bias', async () => {
    const base = new Linear(4, 6, { backend, generator: new Generator(0) });
    const layer = keepAll(new BitFitLayer(base));
    layer.addAdapter('default', ctx('default'));
    layer.activeAdapters = ['default'];
    shift(layer, 'default', 1);
    const x = keepAll(randn([3, 4], { backend, generator: new Generator(2) }));
    const plain = keepAll(new Linear(4, 6, { backend }));
    noGrad(() => {
      plain.weight.assign(base.weight);
      plain.bias!.assign(layer.adapterState('default').get('bias')!);
    });
    expectClose(await readF64(keepAll(noGrad(() => layer.forward(x)))), await readF64(keepAll(noGrad(() => plain.forward(x)))), { atol: 1e-6, rtol: 0 }, 'output');
  });

  it('merges two adapters into the base bias as the forward adds them, and unmerging restores it exactly', async () => {
    const base = new Linear(4, 6, { backend, generator: new Generator(0) });
    const layer = keepAll(new BitFitLayer(base));
    for (const [i, n] of ['a', 'b'].entries()) {
      layer.addAdapter(n, ctx(n));
      shift(layer, n, 10 + i);
    }
    layer.activeAdapters = ['a', 'b'];
    const x = keepAll(randn([3, 4], { backend, generator: new Generator(2) }));
    const original = await readF64(base.bias!);
    const out = (): Promise<Float64Array> => readF64(keepAll(noGrad((): Tensor => layer.forward(x))));
    const unmerged = await out();
    layer.merge();
    expect(layer.mergedAdapters).toEqual(['a', 'b']);
    expectClose(await out(), unmerged, { atol: 1e-5, rtol: 0 }, 'merged output');
    const a = await readF64(layer.adapterState('a').get('bias')!);
    const b = await readF64(layer.adapterState('b').get('bias')!);
    expectClose(await readF64(base.bias!), original.map((o, i) => a[i] + b[i] - o), { atol: 1e-6, rtol: 0 }, 'merged bias');
    layer.unmerge();
    expectClose(await readF64(base.bias!), original, { atol: 1e-6, rtol: 0 }, 'bias after unmerge');
  });

  it('refuses a module without a bias with a ConfigError', () => {
    expect(() => new BitFitLayer(keepAll(new Linear(4, 6, { backend, bias: false })))).toThrow(ConfigError);
  });

  it('asks for target_modules on LLaMA, which has no biases', async () => {
    const registry = new MethodRegistry();
    registry.register(bitfit);
    const peft = keepAll(new PeftModel(createTinyModel('llama', backend, 0), { registry, warn: () => {} }));
    await expect(peft.addAdapter('default', bitfitConfig())).rejects.toThrow(/target_modules is required for model type "llama"/);
    await expect(peft.addAdapter('default', bitfitConfig({ targetModules: ['q_proj'] }))).rejects.toThrow(/cannot wrap/);
  });
});
