import { ConfigError, Conv1D, Embedding, Generator, LayerNorm, Linear, MethodRegistry, PeftModel, type ModelInfo } from '@peft/core';
import { formatPythonJson } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { TINY_MODEL_CONFIGS, createTinyModel } from '@peft/testing';
import { describe, expect, it } from 'vitest';
import { IA3_SCHEMA, type IA3Config, ia3Config } from './config.js';
import { Ia3Linear } from './layer.js';
import { adjustIa3Config, ia3, prepareIa3Config } from './method.js';

const backends = await testBackends();
const registry = new MethodRegistry();
registry.register(ia3);

describe('the ia3 method', () => {
  it("knows Hugging Face's default targets and feed-forward modules", () => {
    expect(ia3.defaultTargets?.('gpt2')).toEqual(['c_attn', 'mlp.c_proj']);
    expect(ia3.defaultTargets?.('llama')).toEqual(['k_proj', 'v_proj', 'down_proj']);
    expect(ia3.defaultTargets?.('bert')).toEqual(['key', 'value', 'output.dense']);
    expect(ia3.defaultTargets?.('toString')).toBeUndefined();
  });

  it('wraps Linear and Conv1D layers, nothing else', () => {
    expect([new Linear(2, 3), new Conv1D(3, 2)].map((m) => ia3.canWrap?.(m))).toEqual([true, true]);
    expect([new Embedding(4, 2), new LayerNorm(3)].map((m) => ia3.canWrap?.(m))).toEqual([false, false]);
    const ctx = { adapterName: 'default', config: ia3Config(), path: 'm', targetKey: 'm', generator: new Generator(0) };
    expect(ia3.createLayer?.(new Conv1D(3, 2), ctx)).toBeInstanceOf(Ia3Linear);
    expect(() => ia3.createLayer?.(new LayerNorm(3), ctx)).toThrow(/ia3: cannot wrap m, a LayerNorm/);
  });

  it('sets fan_in_fan_out as PEFT does for Conv1D and Linear targets, with a warning', () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    expect(adjustIa3Config(ia3Config(), [new Conv1D(3, 2)], warn).fanInFanOut).toBe(true);
    expect(adjustIa3Config(ia3Config({ fanInFanOut: true }), [new Linear(2, 3)], warn).fanInFanOut).toBe(false);
    const same = ia3Config({ fanInFanOut: true });
    expect(adjustIa3Config(same, [new Conv1D(3, 2)], warn)).toBe(same);
    expect(warnings).toEqual([
      'ia3: fan_in_fan_out is false but a target module is a Conv1D (weight stored [in, out]); setting fan_in_fan_out to true',
      'ia3: fan_in_fan_out is true but a target module is a Linear (weight stored [out, in]); setting fan_in_fan_out to false',
    ]);
  });

  it('asks for feed-forward modules on a model type PEFT has no default for, and fills them in for a known one', () => {
    const info = (modelType: string) => ({ modelType }) as ModelInfo;
    expect(() => prepareIa3Config(ia3Config({ targetModules: ['in_proj'] }), info('mamba'))).toThrow(ConfigError);
    expect(() => prepareIa3Config(ia3Config({ targetModules: ['in_proj'] }), info('mamba'))).toThrow(/feedforward_modules is required for model type "mamba"/);
    expect(prepareIa3Config(ia3Config({ targetModules: ['c_attn', 'mlp.c_proj'] }), info('gpt2')).feedforwardModules).toEqual(['mlp.c_proj']);
    const given = ia3Config({ targetModules: ['q'], feedforwardModules: [] });
    expect(prepareIa3Config(given, info('mamba'))).toBe(given);
  });
});

describe.each(backends)('ia3 on a PeftModel on $name', ({ backend }) => {
  const wrap = async (base: 'gpt2' | 'llama' | 'bert-seq-cls', config: IA3Config): Promise<PeftModel> => {
    const peft = new PeftModel(createTinyModel(base, backend, 0), { registry, warn: () => {} });
    await peft.addAdapter('default', config);
    return peft;
  };
  const shapes = (peft: PeftModel): Record<string, number[]> =>
    Object.fromEntries(peft.layers().map(([path, l]) => [path, [...(l as Ia3Linear).ia3L.get('default').shape]]));

  it("takes PEFT's default targets and feed-forward modules for GPT-2, and saves them with fan_in_fan_out", async () => {
    const peft = await wrap('gpt2', ia3Config());
    const stored = peft.peftConfig.get('default') as IA3Config;
    expect(stored.targetModules).toEqual(['c_attn', 'mlp.c_proj']);
    expect(stored.feedforwardModules).toEqual(['mlp.c_proj']);
    expect(stored.fanInFanOut).toBe(true);
    const d = TINY_MODEL_CONFIGS.gpt2.n_embd as number;
    expect(shapes(peft)).toEqual({
      'transformer.h.0.attn.c_attn': [3 * d, 1],
      'transformer.h.0.mlp.c_proj': [1, 4 * d],
      'transformer.h.1.attn.c_attn': [3 * d, 1],
      'transformer.h.1.mlp.c_proj': [1, 4 * d],
    });
    const json = JSON.parse(formatPythonJson(IA3_SCHEMA.toJson(stored))) as Record<string, unknown>;
    expect(json).toMatchObject({ feedforward_modules: ['mlp.c_proj'], fan_in_fan_out: true, peft_type: 'IA3', init_ia3_weights: true });
    peft.dispose();
  });

  it('fills in the default feed-forward modules when only the targets are given, as PEFT does', async () => {
    const peft = await wrap('llama', ia3Config({ targetModules: ['k_proj', 'down_proj'] }));
    expect((peft.peftConfig.get('default') as IA3Config).feedforwardModules).toEqual(['down_proj']);
    const layers = peft.layers() as [string, Ia3Linear][];
    const down = layers.find(([p]) => p.endsWith('mlp.down_proj'))![1];
    const k = layers.find(([p]) => p.endsWith('self_attn.k_proj'))![1];
    expect(down.ia3L.get('default').shape).toEqual([1, down.inFeatures]);
    expect(k.ia3L.get('default').shape).toEqual([k.outFeatures, 1]);
    expect(down.ia3L.get('default').requiresGrad).toBe(true);
    expect([...(await readF64(down.ia3L.get('default')))].every((v) => v === 1)).toBe(true);
    peft.dispose();
  });

  it('keeps an explicit empty feed-forward list: every target scales its output', async () => {
    const peft = await wrap('llama', ia3Config({ targetModules: ['down_proj'], feedforwardModules: [] }));
    for (const [, l] of peft.layers() as [string, Ia3Linear][]) expect(l.isFeedforward('default')).toBe(false);
    peft.dispose();
  });

  it('trains and saves the classifier of a SEQ_CLS model next to the vectors', async () => {
    const peft = await wrap('bert-seq-cls', ia3Config({ taskType: 'SEQ_CLS' }));
    const stored = peft.peftConfig.get('default') as IA3Config;
    expect(stored.modulesToSave).toEqual(['classifier', 'score']);
    const keys = [...peft.namedParameters()].filter(([, p]) => p.requiresGrad).map(([k]) => k);
    expect(keys.filter((k) => k.includes('classifier'))).toEqual(['base_model.model.classifier.modules_to_save.default.weight', 'base_model.model.classifier.modules_to_save.default.bias']);
    expect(keys.filter((k) => k.endsWith('output.dense.ia3_l.default')).length).toBe(4); // attention.output.dense and output.dense, 2 layers
    peft.dispose();
  });
});

describe.each(backends)('ia3 addWeightedAdapter on $name', ({ backend }) => {
  it('sums the weighted vectors of the adapters each module holds, over the union of their targets', async () => {
    const peft = new PeftModel(createTinyModel('gpt2', backend, 0), { registry, generator: new Generator(3), warn: () => {} });
    await peft.addAdapter('a', ia3Config({ targetModules: ['c_attn', 'mlp.c_proj'], feedforwardModules: ['mlp.c_proj'], initIa3Weights: false }));
    await peft.addAdapter('b', ia3Config({ targetModules: ['c_attn'], feedforwardModules: [], initIa3Weights: false }));
    await peft.addWeightedAdapter(['a', 'b'], [0.7, 0.3], 'mix');
    const stored = peft.peftConfig.get('mix') as IA3Config;
    expect(stored.targetModules).toEqual(['c_attn', 'mlp.c_proj']);
    expect(stored.feedforwardModules).toEqual(['mlp.c_proj']);
    const layers = new Map(peft.layers() as [string, Ia3Linear][]);
    const vec = (path: string, name: string) => readF64(layers.get(path)!.ia3L.get(name));
    const attn = 'transformer.h.0.attn.c_attn';
    const [la, lb, mix] = await Promise.all([vec(attn, 'a'), vec(attn, 'b'), vec(attn, 'mix')]);
    expectClose(mix, la.map((v, i) => 0.7 * v + 0.3 * lb[i]), { atol: 1e-6 });
    const proj = 'transformer.h.1.mlp.c_proj';
    expectClose(await vec(proj, 'mix'), (await vec(proj, 'a')).map((v) => 0.7 * v), { atol: 1e-6 }, 'module only "a" targets');
    expect(layers.get(proj)!.ia3L.get('mix').shape).toEqual(layers.get(proj)!.ia3L.get('a').shape);
    expect(layers.get(attn)!.ia3L.get('mix').requiresGrad).toBe(false);
    await peft.addWeightedAdapter(['a'], [2], 'mix'); // an existing name: nothing happens, as in PEFT
    expectClose(await vec(attn, 'mix'), mix, { atol: 0, rtol: 0 });
    peft.dispose();
  });

  it('refuses adapters that give their targets in different ways', async () => {
    const peft = new PeftModel(createTinyModel('gpt2', backend, 0), { registry, warn: () => {} });
    await peft.addAdapter('a', ia3Config({ targetModules: ['c_attn'], feedforwardModules: [] }));
    await peft.addAdapter('b', ia3Config({ targetModules: '.*c_attn', feedforwardModules: [] }));
    await expect(peft.addWeightedAdapter(['a', 'b'], [0.5, 0.5], 'mix')).rejects.toThrow(/target_modules the same way/);
    expect([...peft.peftConfig.keys()]).toEqual(['a', 'b']);
    peft.dispose();
  });
});
