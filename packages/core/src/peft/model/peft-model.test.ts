import { describe, expect, it } from 'vitest';
import { testBackends } from '../../test-support/backends.js';
import { expectClose, readF64 } from '../../test-support/numeric.js';
import { Generator } from '../../random.js';
import { Linear } from '../../nn/linear.js';
import { Embedding } from '../../nn/embedding.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module-list.js';
import { Parameter, isParameter } from '../../nn/parameter.js';
import { ParameterDict } from '../../nn/parameter-dict.js';
import { isLinearLike } from '../../nn/linear-like.js';
import { fromArray, ones } from '../../ops/creation.js';
import { div, mul, sub } from '../../ops/elementwise.js';
import { tidy } from '../../scope.js';
import { reshape } from '../../ops/views.js';
import { linear } from '../../ops/matmul.js';
import { noGrad } from '../../autograd/graph.js';
import type { Backend } from '../../backend-interface.js';
import type { ModelInfo, ModelInputs, ModelOutput, PretrainedModel } from '../../models/pretrained-model.js';
import type { Tensor } from '../../tensor.js';
import { memorySource } from '../../io/checkpoint-source.js';
import { parseStrictJson } from '../../io/strict-json.js';
import { AdapterLayer } from '../method/adapter-layer.js';
import { configField } from '../method/config-field.js';
import { defineConfig } from '../method/config-schema.js';
import { MethodRegistry } from '../method/method-registry.js';
import type { PeftMethod } from '../method/peft-method.js';
import { PeftModel } from './peft-model.js';
import { getPeftModel } from './get-peft-model.js';
import { TARGET_FIELDS } from '../targeting/targeted-config.js';

/** A tiny method for testing core alone: each targeted Linear's output is scaled per feature by (1 + s). */
const SCALE_SCHEMA = defineConfig('SCALE', 'scale', { ...TARGET_FIELDS, init: configField.float('init', 0) });
type ScaleConfig = ReturnType<typeof SCALE_SCHEMA.create>;

class ScaleLayer extends AdapterLayer<ScaleConfig> {
  private readonly params = this.adapterTable('scale_s', new ParameterDict());
  constructor(base: Module & { outFeatures: number }) {
    super(base);
  }
  protected createAdapter(_name: string, ctx: { config: ScaleConfig }): { entries: { scale_s: Parameter }; settings: null } {
    const out = (this.baseLayer as unknown as Linear).outFeatures;
    return { entries: { scale_s: new Parameter(ones([out], { backend: (this.baseLayer as Linear).weight.backend }).mul(ctx.config.init)) }, settings: null };
  }
  adapterState(name: string): Map<string, Parameter> {
    return new Map([['scale_s', this.params.get(name)]]);
  }
  protected applyAdapter(name: string, x: Tensor, y: Tensor): Tensor {
    return y.add(mul(linear(x, (this.baseLayer as Linear).weight, null), this.params.get(name)));
  }
  /** Scaling is multiplicative, so unmerging divides by (1 + s) instead of subtracting. */
  override unmergeAdapter(name: string): void {
    const w = this.baseWeight();
    noGrad(() => tidy(() => void w.assign(div(w, reshape(this.params.get(name).add(1), [-1, 1])))));
  }
  override deltaWeight(name: string): Tensor {
    const w = (this.baseLayer as Linear).weight;
    return mul(w, reshape(this.params.get(name), [-1, 1]));
  }
}

const scale: PeftMethod<ScaleConfig> = {
  peftType: 'SCALE',
  packageName: '@example/scale',
  schema: SCALE_SCHEMA,
  defaultTargets: (t) => (t === 'toy' ? ['up'] : undefined),
  canWrap: (m) => isLinearLike(m),
  createLayer: (base, ctx) => {
    const l = new ScaleLayer(base as Linear);
    l.addAdapter(ctx.adapterName, ctx);
    return l;
  },
};

class Block extends Module {
  readonly up: Linear;
  readonly down: Linear;
  constructor(d: number, gen: Generator, backend: Backend) {
    super();
    this.up = this.registerModule('up', new Linear(d, 2 * d, { generator: gen, backend }));
    this.down = this.registerModule('down', new Linear(2 * d, d, { generator: gen, backend }));
  }
  forward(x: Tensor): Tensor {
    return this.down.forward(this.up.forward(x).relu());
  }
}

class Body extends Module {
  readonly layers: ModuleList<Block>;
  constructor(gen: Generator, backend: Backend) {
    super();
    this.layers = this.registerModule('layers', new ModuleList([new Block(4, gen, backend), new Block(4, gen, backend)]));
  }
}

/** A toy PretrainedModel: embedding, two blocks, a norm and a head. */
class Toy extends Module implements PretrainedModel {
  readonly config = {};
  readonly info: ModelInfo;
  readonly emb: Embedding;
  readonly body: Body;
  readonly norm: LayerNorm;
  readonly head: Linear;
  constructor(backend: Backend) {
    super();
    const gen = new Generator(7);
    this.emb = this.registerModule('emb', new Embedding(10, 4, { generator: gen, backend }));
    this.body = this.registerModule('body', new Body(gen, backend));
    this.norm = this.registerModule('norm', new LayerNorm(4, { backend }));
    this.head = this.registerModule('head', new Linear(4, 10, { generator: gen, backend }));
    this.info = { modelType: 'toy', task: 'causal-lm', vocabSize: 10, hiddenSize: 4, numLayers: 2, numAttentionHeads: 1, numKeyValueHeads: 1, headDim: 4, maxPositions: 8, learnedPositions: false, isDecoder: true, eosTokenIds: [], embeddingPath: 'emb', outputHeadPath: 'head' };
  }
  forward(inputs: ModelInputs): ModelOutput {
    let h = this.emb.forward(inputs.inputIds!);
    for (const b of this.body.layers) h = b.forward(h);
    return { logits: this.head.forward(this.norm.forward(h)) };
  }
  getInputEmbeddings(): Embedding {
    return this.emb;
  }
}

const backends = await testBackends();

describe.each(backends)('PeftModel with a custom method on $name', ({ backend }) => {
  const registry = new MethodRegistry().register(scale);
  const ids = () => fromArray([1, 2, 3, 4, 5, 6], [2, 3], { dtype: 'i32', backend });
  const make = (init = 0.5, extra: object = {}) => getPeftModel(new Toy(backend), SCALE_SCHEMA.create({ init, ...extra }), { registry, warn: () => {} });

  it('wraps the default targets, names parameters as PEFT does and trains only the adapter', async () => {
    const peft = await make();
    const names = [...peft.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    expect(names).toEqual(['base_model.model.body.layers.0.up.scale_s.default', 'base_model.model.body.layers.1.up.scale_s.default']);
    expect(peft.trainableParameters()).toEqual({ trainable: 16, all: 40 + 2 * (32 + 8 + 32 + 4) + 8 + 50 + 16 });
    expect(peft.printTrainableParameters(() => {})).toMatch(/^trainable params: 16 \|\| all params: 2[0-9]{2} \|\| trainable%: \d+\.\d{4}$/);
  });

  it('gives base logits when disabled, restores the adapter afterwards, and merges to the same logits', async () => {
    const peft = await make();
    const base = noGrad(() => peft.disableAdapter(() => peft.forward({ inputIds: ids() }).logits));
    const adapted = noGrad(() => peft.forward({ inputIds: ids() }).logits);
    const plain = noGrad(() => new Toy(backend).forward({ inputIds: ids() }).logits);
    expectClose(await readF64(base), await readF64(plain), { atol: 0 }, 'disabled = base');
    expect(Math.max(...(await readF64(sub(adapted, base))).map(Math.abs))).toBeGreaterThan(1e-3);
    peft.merge();
    expectClose(await readF64(noGrad(() => peft.forward({ inputIds: ids() }).logits)), await readF64(adapted), { atol: 1e-5 }, 'merged');
    peft.unmerge();
    const w = peft.getParameter('base_model.model.body.layers.0.up.base_layer.weight');
    const original = new Toy(backend).getParameter('body.layers.0.up.weight');
    expectClose(await readF64(w), await readF64(original), { atol: 1e-6 }, 'unmerged weight');
  });

  it('keeps the adapters off for the whole of an asynchronous function, and on again after', async () => {
    const peft = await make();
    const plain = await readF64(noGrad(() => new Toy(backend).forward({ inputIds: ids() }).logits));
    const adapted = await readF64(noGrad(() => peft.forward({ inputIds: ids() }).logits));
    const inside = await peft.disableAdapter(async () => {
      await Promise.resolve();
      return readF64(noGrad(() => peft.forward({ inputIds: ids() }).logits));
    });
    expectClose(inside, plain, { atol: 0 }, 'disabled across an await');
    expectClose(await readF64(noGrad(() => peft.forward({ inputIds: ids() }).logits)), adapted, { atol: 0 }, 'enabled again');
    await expect(peft.disableAdapter(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expectClose(await readF64(noGrad(() => peft.forward({ inputIds: ids() }).logits)), adapted, { atol: 0 }, 'enabled after a rejection');
  });

  it('runs one adapter per row in a mixed batch', async () => {
    const peft = await make(0.5);
    await peft.addAdapter('other', SCALE_SCHEMA.create({ init: -0.25 }));
    peft.eval();
    const one = (name: string) => noGrad(() => { peft.setAdapter(name); return peft.forward({ inputIds: ids() }).logits; });
    const a = await readF64(one('default'));
    const b = await readF64(one('other'));
    const base = await readF64(noGrad(() => peft.disableAdapter(() => peft.forward({ inputIds: ids() }).logits)));
    const mixed = await readF64(noGrad(() => peft.forward({ inputIds: ids(), adapterNames: ['other', '__base__'] }).logits));
    expectClose(mixed.slice(0, 30), b.slice(0, 30), { atol: 1e-6 }, 'row 0 uses other');
    expectClose(mixed.slice(30), base.slice(30), { atol: 1e-6 }, 'row 1 uses the base');
    expect(a[0]).not.toBeCloseTo(b[0], 4);
    expect(() => peft.forward({ inputIds: ids(), adapterNames: ['nope', 'default'] })).toThrow(/unknown adapter "nope"/);
  });

  it('saves and loads an adapter through the Hugging Face file layout', async () => {
    const peft = await make(0.3);
    const files = await peft.adapterFiles();
    const config = parseStrictJson(files.config, 'config') as Map<string, unknown>;
    expect([...config.keys()]).toEqual([...config.keys()].sort());
    expect(config.get('peft_type')).toBe('SCALE');
    expect(config.get('inference_mode')).toBe(true);
    expect(config.get('target_modules')).toEqual(['up']);
    const loaded = await PeftModel.fromPretrained(new Toy(backend), memorySource({ 'adapter_config.json': files.config, 'adapter_model.safetensors': files.weights }), { registry, warn: () => {} });
    expect(loaded.trainableParameters().trainable).toBe(0);
    const x = await readF64(noGrad(() => loaded.forward({ inputIds: ids() }).logits));
    expectClose(x, await readF64(noGrad(() => peft.forward({ inputIds: ids() }).logits)), { atol: 0 }, 'reloaded');
    expect(await loaded.adapterFiles().then((f) => Buffer.from(f.weights).equals(Buffer.from(files.weights)))).toBe(true);
  });

  it('names the package to install for an unregistered method and shows existing modules when nothing matches', async () => {
    await expect(PeftModel.fromPretrained(new Toy(backend), memorySource({ 'adapter_config.json': '{"peft_type": "LOHA"}', 'adapter_model.safetensors': new Uint8Array() }), { registry })).rejects.toThrow(
      /no method is registered for peft_type "LOHA": install @peft\/loha/,
    );
    await expect(make(0.5, { targetModules: ['q_proj'] })).rejects.toThrow(/q_proj[\s\S]*up/);
  });

  it('explains which modules a config would touch without changing the model', async () => {
    const peft = await make();
    const verdicts = peft.explainTargets(SCALE_SCHEMA.create({ targetModules: ['down'], layersToTransform: [1] }));
    expect(verdicts.filter((v) => v.matched).map((v) => v.path)).toEqual(['body.layers.1.down']);
    expect(verdicts.find((v) => v.path === 'body.layers.0.down')?.reason).toBe('layer not transformed');
    expect(peft.layers().map(([p]) => p)).toEqual(['body.layers.0.up', 'body.layers.1.up']);
  });

  it('deletes adapters, putting back the base module where none is left, and unloads to the base model', async () => {
    const peft = await make();
    await peft.addAdapter('other', SCALE_SCHEMA.create({ init: 1, targetModules: ['down'] }));
    peft.deleteAdapter('other');
    expect(peft.layers().map(([p]) => p)).toEqual(['body.layers.0.up', 'body.layers.1.up']);
    expect(peft.model.getModule('body.layers.0.down')).toBeInstanceOf(Linear);
    const base = peft.unload();
    expect(base.getModule('body.layers.0.up')).toBeInstanceOf(Linear);
    expect([...base.namedParameters()].every(([, p]) => isParameter(p) && !p.isDisposed)).toBe(true);
    expect(() => peft.merge()).toThrow(/unloaded/);
  });

  it('refuses malformed adapter files with errors that name the file and what was expected, and keeps the model usable', async () => {
    const peft = await make(0.3);
    const files = await peft.adapterFiles();
    const load = (over: Record<string, string | Uint8Array>, warn: (m: string) => void = () => {}) =>
      PeftModel.fromPretrained(new Toy(backend), memorySource({ 'adapter_config.json': files.config, 'adapter_model.safetensors': files.weights, ...over }), { registry, warn });
    await expect(load({ 'adapter_config.json': '{"peft_type": "SCALE",' })).rejects.toThrow(/adapter_config.json/);
    await expect(load({ 'adapter_config.json': '[1]' })).rejects.toThrow(/expected a JSON object, got an array/);
    await expect(load({ 'adapter_config.json': '{"r": 4}' })).rejects.toThrow(/memory\/adapter_config.json: missing field "peft_type" \(expected string\); peft_type names the method/);
    await expect(load({ 'adapter_config.json': files.config.replace('"init": 0.3', '"init": "big"') })).rejects.toThrow(/memory\/adapter_config.json: init must be a number, got "big"/);
    await expect(load({ 'adapter_model.safetensors': files.weights.subarray(0, 20) })).rejects.toThrow(/safetensors/);
    const warnings: string[] = [];
    await load({ 'adapter_config.json': files.config.replace('{', '{\n  "future_option": 1,') }, (m) => warnings.push(m));
    expect(warnings.join()).toMatch(/ignoring unknown config keys "future_option"/);
    const other = await getPeftModel(new Toy(backend), SCALE_SCHEMA.create({ init: 0.3, targetModules: ['down'] }), { registry });
    const wrongWeights = (await other.adapterFiles()).weights;
    await expect(load({ 'adapter_model.safetensors': wrongWeights })).rejects.toThrow(/missing, e\.g\. "base_model\.model\.body\.layers\.0\.up\.scale_s"/);
    // a failed load into an existing model leaves it as it was
    await expect(peft.loadAdapter(memorySource({ 'adapter_config.json': files.config, 'adapter_model.safetensors': wrongWeights }), 'broken')).rejects.toThrow(/missing/);
    expect([...peft.peftConfig.keys()]).toEqual(['default']);
    expect(peft.layers().every(([, l]) => !l.hasAdapter('broken'))).toBe(true);
  });
});
