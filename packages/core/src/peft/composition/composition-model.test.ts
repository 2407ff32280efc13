import { describe, expect, it } from 'vitest';
import { testBackends } from '../../test-support/backends.js';
import { expectClose, readF64 } from '../../test-support/numeric.js';
import { Generator } from '../../random.js';
import { Linear } from '../../nn/linear.js';
import { Embedding } from '../../nn/embedding.js';
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import { ParameterDict } from '../../nn/parameter-dict.js';
import { fromArray, zeros } from '../../ops/creation.js';
import { add } from '../../ops/elementwise.js';
import { noGrad } from '../../autograd/graph.js';
import type { Backend } from '../../backend-interface.js';
import type { ModelInfo, ModelInputs, ModelOutput, PretrainedModel } from '../../models/pretrained-model.js';
import type { Tensor } from '../../tensor.js';
import { AdapterLayer } from '../method/adapter-layer.js';
import { configField } from '../method/config-field.js';
import { defineConfig } from '../method/config-schema.js';
import { MethodRegistry } from '../method/method-registry.js';
import type { PeftMethod } from '../method/peft-method.js';
import { PeftModel } from '../model/peft-model.js';
import { TARGET_FIELDS } from '../targeting/targeted-config.js';
import { BatchSplit, Parallel, Stack } from './composition-block.js';

/** Two toy methods: each adapter adds a learned vector (filled with `value`) to a Linear's output. */
function offsetMethod(type: string) {
  const schema = defineConfig(type, type.toLowerCase(), { ...TARGET_FIELDS, value: configField.float('value', 0) });
  class OffsetLayer extends AdapterLayer<ReturnType<typeof schema.create>> {
    private readonly params = this.adapterTable('offset', new ParameterDict());
    protected createAdapter(_name: string, ctx: { config: ReturnType<typeof schema.create> }): { entries: { offset: Parameter }; settings: null } {
      const base = this.baseLayer as Linear;
      return { entries: { offset: new Parameter(add(zeros([base.outFeatures], { backend: base.weight.backend }), ctx.config.value)) }, settings: null };
    }
    adapterState(name: string): Map<string, Parameter> {
      return new Map([['offset', this.params.get(name)]]);
    }
    protected applyAdapter(name: string, _x: Tensor, y: Tensor): Tensor {
      return add(y, this.params.get(name));
    }
  }
  const method = {
    peftType: type,
    packageName: `@example/${type.toLowerCase()}`,
    schema,
    canWrap: (m: Module) => m instanceof Linear,
    createLayer: (base: Module, ctx: { adapterName: string }) => {
      const l = new OffsetLayer(base);
      l.addAdapter(ctx.adapterName, ctx as never);
      return l;
    },
  } as unknown as PeftMethod;
  return { method, schema };
}
const { method: A, schema: A_SCHEMA } = offsetMethod('OFFSET_A');
const { method: B, schema: B_SCHEMA } = offsetMethod('OFFSET_B');

/** A toy model: embedding, two Linears with a ReLU between, a head. */
class Toy extends Module implements PretrainedModel {
  readonly config = {};
  readonly info: ModelInfo;
  readonly emb: Embedding;
  readonly up: Linear;
  readonly down: Linear;
  constructor(backend: Backend) {
    super();
    const gen = new Generator(3);
    this.emb = this.registerModule('emb', new Embedding(10, 4, { generator: gen, backend }));
    this.up = this.registerModule('up', new Linear(4, 8, { generator: gen, backend }));
    this.down = this.registerModule('down', new Linear(8, 10, { generator: gen, backend }));
    this.info = { modelType: 'toy', task: 'causal-lm', vocabSize: 10, hiddenSize: 4, numLayers: 1, numAttentionHeads: 1, numKeyValueHeads: 1, headDim: 4, maxPositions: 8, learnedPositions: false, isDecoder: true, eosTokenIds: [], embeddingPath: 'emb', outputHeadPath: 'down' };
  }
  forward(inputs: ModelInputs): ModelOutput {
    return { logits: this.down.forward(this.up.forward(this.emb.forward(inputs.inputIds!)).relu()) };
  }
  getInputEmbeddings(): Embedding {
    return this.emb;
  }
}

const backends = await testBackends();

describe.each(backends)('PeftModel compositions with two toy methods on $name', ({ backend }) => {
  const registry = new MethodRegistry().register(A).register(B);
  const ids = (): Tensor => fromArray([1, 2, 3, 4, 5, 6], [3, 2], { dtype: 'i32', backend });
  const make = async (warnings: string[] = []): Promise<PeftModel> => {
    const peft = new PeftModel(new Toy(backend), { registry, warn: (m) => void warnings.push(m) });
    await peft.addAdapter('a', A_SCHEMA.create({ targetModules: ['up'], value: 0.5 }));
    await peft.addAdapter('b', B_SCHEMA.create({ targetModules: ['down'], value: -0.25 }));
    await peft.addAdapter('a2', A_SCHEMA.create({ targetModules: ['up'], value: 0.125 }));
    return peft;
  };
  const logits = (peft: PeftModel): Promise<Float64Array> => readF64(noGrad(() => peft.forward({ inputIds: ids() }).logits));

  it('refuses a second method on a module another method already wraps, naming both', async () => {
    const peft = await make();
    await expect(peft.addAdapter('b2', B_SCHEMA.create({ targetModules: ['up'] }))).rejects.toThrow(
      'offset_b: target module "up" already holds adapters of another method (OffsetLayer: "a", "a2"); two methods cannot wrap the same module yet',
    );
    expect([...peft.peftConfig.keys()]).toEqual(['a', 'b', 'a2']);
  });

  it('makes the composition\'s adapters active and trainable and hands non-stack blocks to the layers', async () => {
    const peft = await make();
    peft.setComposition(Parallel('a', 'a2'));
    expect(peft.activeAdapters).toEqual(['a', 'a2']);
    expect(JSON.parse(JSON.stringify(peft.activeComposition))).toEqual({ type: 'parallel', children: ['a', 'a2'] });
    expect(peft.layers().map(([p, l]) => [p, l.composition === undefined])).toEqual([['up', false], ['down', false]]);
    const trainable = [...peft.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    expect(trainable).toEqual(['base_model.model.up.offset.a', 'base_model.model.up.offset.a2']);
    // offsets add up, so the parallel sum equals the stack
    const par = await logits(peft);
    peft.setComposition(Stack('a', 'a2'));
    expect(peft.layers().every(([, l]) => l.composition === undefined)).toBe(true);
    expectClose(par, await logits(peft), { atol: 1e-6, rtol: 0 }, 'parallel vs stack of offsets');
  });

  it('batchSplit runs each row range through its own adapters', async () => {
    const peft = await make();
    peft.setComposition(BatchSplit([Stack('a', 'b'), 'a2'], [2, 1]));
    const split = await logits(peft);
    peft.setComposition(Stack('a', 'b'));
    const ab = await logits(peft);
    peft.setComposition('a2');
    const a2 = await logits(peft);
    expectClose(split.subarray(0, 40), ab.subarray(0, 40), { atol: 1e-6, rtol: 0 }, 'rows 0–1');
    expectClose(split.subarray(40), a2.subarray(40), { atol: 1e-6, rtol: 0 }, 'row 2');
  });

  it('setAdapter and deleting a used adapter forget the composition; a new layer gets the current one', async () => {
    const warnings: string[] = [];
    const peft = await make(warnings);
    peft.setComposition(Parallel('a', 'b'));
    peft.setAdapter('a');
    expect(peft.activeComposition).toBeUndefined();
    expect(peft.layers().every(([, l]) => l.composition === undefined)).toBe(true);
    peft.setComposition(Parallel('a', 'b'));
    peft.deleteAdapter('b');
    expect(warnings).toEqual(['deleteAdapter: "b" is part of the composition; the composition is forgotten']);
    expect(peft.activeComposition).toBeUndefined();
    peft.setComposition(Parallel('a', 'a2'));
    await peft.addAdapter('b3', B_SCHEMA.create({ targetModules: ['down'] }));
    expect(peft.layers().find(([p]) => p === 'down')![1].composition).toEqual(peft.activeComposition);
  });

  it('switches adapters off and on alone, and says why it refuses', async () => {
    const peft = await make();
    expect(() => peft.disableAdapters(['a'])).toThrow('disableAdapters: no composition is set; call setComposition first');
    expect(() => peft.setComposition(Stack('a', 'nope'))).toThrow('setComposition: composition.children[1] names unknown adapter "nope" (adapters: "a", "b", "a2")');
    peft.setComposition(Stack('a', 'b'));
    expect(() => peft.disableAdapters(['a2'])).toThrow('disableAdapters: "a2" is not in the composition (it uses "a", "b")');
    peft.disableAdapters(['b']);
    expect(peft.activeAdapters).toEqual(['a']);
    expect(() => peft.disableAdapters(['a'])).toThrow(/every adapter of the composition is switched off/);
    peft.enableAdapters(['b']);
    expect(peft.activeAdapters).toEqual(['a', 'b']);
    expect(peft.switchedOffAdapters).toEqual([]);
  });

  it('refuses to merge a composition that is not a plain stack', async () => {
    const peft = await make();
    peft.setComposition(Parallel('a', 'a2'));
    expect(() => peft.merge()).toThrow('merge: the composition is not a plain stack (parallel, average or batchSplit)');
  });
});
