import { liveBuffers } from '../test-support/numeric.js';
import { describe, expect, it } from 'vitest';
import { withBackend } from '../backend-registry.js';
import { ArgumentError, DTypeError, ShapeError } from '../errors.js';
import { ones, randn, tensor, zeros } from '../ops/creation.js';
import { Generator } from '../random.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { testBackends } from '../test-support/backends.js';
import { GELU, ReLU } from './activations.js';
import { Conv1D } from './conv1d.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { ModuleDict } from './module-dict.js';
import { ModuleList } from './module-list.js';
import { Parameter } from './parameter.js';
import { Sequential } from './sequential.js';

const D = 4;

class Attention extends Module {
  readonly c_attn: Conv1D;
  readonly c_proj: Conv1D;
  constructor(g: Generator) {
    super();
    this.registerBuffer('bias', ones([1, 1, 3, 3]));
    this.registerBuffer('masked_bias', tensor(-1e4), { persistent: false });
    this.c_attn = this.registerModule('c_attn', new Conv1D(3 * D, D, { generator: g }));
    this.c_proj = this.registerModule('c_proj', new Conv1D(D, D, { generator: g }));
  }
  forward(x: Tensor): Tensor {
    return this.c_attn.forward(x);
  }
}

class Mlp extends Module {
  constructor(g: Generator) {
    super();
    this.registerModule('c_fc', new Conv1D(2 * D, D, { generator: g }));
    this.registerModule('c_proj', new Conv1D(D, 2 * D, { generator: g }));
    this.registerModule('act', new GELU({ approximate: 'tanh' }));
    this.registerModule('dropout', new Dropout(0.1));
  }
}

class Block extends Module {
  readonly ln_1: LayerNorm;
  readonly attn: Attention;
  readonly ln_2: LayerNorm;
  readonly mlp: Mlp;
  constructor(g: Generator) {
    super();
    this.ln_1 = this.registerModule('ln_1', new LayerNorm(D));
    this.attn = this.registerModule('attn', new Attention(g));
    this.ln_2 = this.registerModule('ln_2', new LayerNorm(D));
    this.mlp = this.registerModule('mlp', new Mlp(g));
  }
}

class Gpt2Like extends Module {
  readonly transformer: Module & { wte: Embedding; h: ModuleList<Block> };
  readonly lm_head: Linear;
  constructor(seed = 0, layers = 2) {
    super();
    const g = new Generator(seed);
    const t = new Module() as Module & { wte: Embedding; h: ModuleList<Block> };
    t.wte = t.registerModule('wte', new Embedding(10, D, { generator: g }));
    t.registerModule('wpe', new Embedding(8, D, { generator: g }));
    t.registerModule('drop', new Dropout(0.1));
    t.h = t.registerModule('h', new ModuleList(Array.from({ length: layers }, () => new Block(g))));
    t.registerModule('ln_f', new LayerNorm(D));
    this.transformer = this.registerModule('transformer', t);
    this.lm_head = this.registerModule('lm_head', new Linear(D, 10, { bias: false, generator: g }));
  }
}

const blockKeys = (i: number, withBuffer: boolean) =>
  [
    'ln_1.weight',
    'ln_1.bias',
    ...(withBuffer ? ['attn.bias'] : []),
    'attn.c_attn.weight',
    'attn.c_attn.bias',
    'attn.c_proj.weight',
    'attn.c_proj.bias',
    'ln_2.weight',
    'ln_2.bias',
    'mlp.c_fc.weight',
    'mlp.c_fc.bias',
    'mlp.c_proj.weight',
    'mlp.c_proj.bias',
  ].map((k) => `transformer.h.${i}.${k}`);

describe.each(await testBackends())('Module on $name', ({ backend }) => {
  const on = <T>(fn: () => T): T => withBackend(backend, fn);
  const model = (seed = 0) => on(() => new Gpt2Like(seed));

  it('names parameters with the dotted paths of Hugging Face transformers', () => {
    const names = [...model().namedParameters()].map(([n]) => n);
    expect(names).toEqual([
      'transformer.wte.weight',
      'transformer.wpe.weight',
      ...blockKeys(0, false),
      ...blockKeys(1, false),
      'transformer.ln_f.weight',
      'transformer.ln_f.bias',
      'lm_head.weight',
    ]);
  });

  it('lists the state dict in PyTorch order: own parameters, own persistent buffers, then children', () => {
    const m = model();
    const sd = m.stateDict();
    expect([...sd.keys()]).toEqual([
      'transformer.wte.weight',
      'transformer.wpe.weight',
      ...blockKeys(0, true),
      ...blockKeys(1, true),
      'transformer.ln_f.weight',
      'transformer.ln_f.bias',
      'lm_head.weight',
    ]);
    expect(sd.get('transformer.h.0.attn.c_attn.weight')!.shape).toEqual([D, 3 * D]);
    expect([...m.namedBuffers()].map(([n]) => n)).toEqual([
      'transformer.h.0.attn.bias',
      'transformer.h.0.attn.masked_bias',
      'transformer.h.1.attn.bias',
      'transformer.h.1.attn.masked_bias',
    ]);
  });

  it('walks modules depth first with their paths', () => {
    const paths = [...model().namedModules()].map(([p]) => p);
    expect(paths.slice(0, 8)).toEqual([
      '',
      'transformer',
      'transformer.wte',
      'transformer.wpe',
      'transformer.drop',
      'transformer.h',
      'transformer.h.0',
      'transformer.h.0.ln_1',
    ]);
    expect(paths).toContain('transformer.h.1.mlp.c_fc');
    expect(paths[paths.length - 1]).toBe('lm_head');
  });

  it('loads a state dict from another instance, sharing nothing with it afterwards', async () => {
    const a = model(1);
    const b = model(2);
    const x = on(() => randn([2, D], { generator: new Generator(5) }));
    const attnA = a.transformer.h.get(0).attn;
    const attnB = b.transformer.h.get(0).attn;
    const ya = await tidy(() => attnA.forward(x)).data();
    expect(await tidy(() => attnB.forward(x)).data()).not.toEqual(ya);
    expect(b.loadStateDict(a.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(await tidy(() => attnB.forward(x)).data()).toEqual(ya);
    tidy(() => attnA.c_attn.weight.assign(attnA.c_attn.weight.mul(2)));
    expect(await tidy(() => attnB.forward(x)).data()).toEqual(ya);
  });

  it('rejects a state dict with a missing key, naming it', () => {
    const m = model();
    const sd = new Map(model(1).stateDict());
    sd.delete('transformer.h.1.mlp.c_fc.bias');
    expect(() => m.loadStateDict(sd)).toThrow(ArgumentError);
    expect(() => m.loadStateDict(sd)).toThrow(/missing keys \["transformer\.h\.1\.mlp\.c_fc\.bias"\]/);
  });

  it('rejects a state dict with an unexpected key, naming it', () => {
    const m = model();
    const sd = new Map(model(1).stateDict());
    sd.set('transformer.h.0.attn.extra', on(() => zeros([1])));
    expect(() => m.loadStateDict(sd)).toThrow(/unexpected keys \["transformer\.h\.0\.attn\.extra"\]/);
  });

  it('rejects a wrong shape or dtype with the key, expected and got, and changes nothing', async () => {
    const m = model();
    const before = await m.transformer.wte.weight.data();
    const sd = new Map(model(1).stateDict());
    sd.set('transformer.h.0.attn.c_attn.weight', on(() => zeros([3 * D, D])));
    expect(() => m.loadStateDict(sd)).toThrow(ShapeError);
    expect(() => m.loadStateDict(sd)).toThrow('loadStateDict: "transformer.h.0.attn.c_attn.weight" expected shape [4, 12], got [12, 4]');
    expect(() => m.loadStateDict(sd, { strict: false })).toThrow(ShapeError);
    sd.set('transformer.h.0.attn.c_attn.weight', on(() => zeros([D, 3 * D], { dtype: 'i32' })));
    expect(() => m.loadStateDict(sd)).toThrow(DTypeError);
    expect(() => m.loadStateDict(sd)).toThrow('loadStateDict: "transformer.h.0.attn.c_attn.weight" expected dtype f32, got i32');
    expect(await m.transformer.wte.weight.data()).toEqual(before);
  });

  it('loads what matches and reports the rest when not strict', async () => {
    const m = model();
    const w = on(() => ones([10, D]));
    const result = m.loadStateDict({ 'transformer.wte.weight': w, 'lm_head.bias': w }, { strict: false });
    expect(result.unexpectedKeys).toEqual(['lm_head.bias']);
    expect(result.missingKeys).toHaveLength(m.stateDict().size - 1);
    expect([...(await m.transformer.wte.weight.data())].every((v) => v === 1)).toBe(true);
  });

  it('replaces a nested layer: the tree, the parent field and the forward see the new one', async () => {
    class Shifted extends Module {
      constructor(readonly base: Conv1D) {
        super();
        this.registerModule('base', base);
      }
      forward(x: Tensor): Tensor {
        return this.base.forward(x).add(1);
      }
    }
    const m = model();
    const attn = m.transformer.h.get(0).attn;
    const old = attn.c_attn;
    const x = on(() => ones([1, D]));
    const y0 = await tidy(() => attn.forward(x)).data();
    const wrapper = new Shifted(old);
    expect(m.replaceModule('transformer.h.0.attn.c_attn', wrapper)).toBe(old);
    expect(m.getModule('transformer.h.0.attn.c_attn')).toBe(wrapper);
    expect(attn.c_attn as unknown).toBe(wrapper);
    expect([...m.namedParameters()].map(([n]) => n)).toContain('transformer.h.0.attn.c_attn.base.weight');
    const y1 = await tidy(() => attn.forward(x)).data();
    y1.forEach((v, i) => expect(v).toBeCloseTo(y0[i] + 1, 5));

    const block = on(() => new Block(new Generator(9)));
    m.replaceModule('transformer.h.1', block);
    expect(m.transformer.h.get(1)).toBe(block);
    expect(() => m.replaceModule('transformer.h.7', block)).toThrow(/"transformer\.h\.7" not found/);
    expect(() => m.getModule('transformer.hh.0')).toThrow('getModule: "transformer.hh.0" not found: transformer has no child "hh"');
  });

  it('propagates train and eval to every descendant, and dropout follows', async () => {
    const m = model();
    expect([...m.modules()].every((x) => x.training)).toBe(true);
    m.eval();
    expect([...m.modules()].some((x) => x.training)).toBe(false);
    const drop = m.getModule('transformer.h.0.mlp.dropout') as Dropout;
    const x = on(() => ones([64]));
    expect([...(await tidy(() => drop.forward(x)).data())].every((v) => v === 1)).toBe(true);
    m.train();
    expect(drop.training).toBe(true);
    const dropped = [...(await tidy(() => drop.forward(x)).data())];
    expect(dropped.some((v) => v === 0)).toBe(true);
  });

  it('applies a function to children before their parent', () => {
    const seq = on(() => new Sequential(new Linear(2, 2), new ReLU()));
    const seen: string[] = [];
    seq.apply((mod) => seen.push(mod.constructor.name));
    expect(seen).toEqual(['Linear', 'ReLU', 'Sequential']);
  });

  it('counts parameters, trainable ones and tied weights once', () => {
    const m = model();
    const total = m.numParameters();
    expect(total).toBe([...m.parameters()].reduce((n, p) => n + p.size, 0));
    m.transformer.setRequiresGrad(false);
    expect(m.numParameters({ trainableOnly: true })).toBe(10 * D);
    const tied = new Module();
    const emb = tied.registerModule('wte', on(() => new Embedding(10, D)));
    const head = tied.registerModule('lm_head', new Module());
    head.registerParameter('weight', emb.weight);
    expect([...tied.stateDict().keys()]).toEqual(['wte.weight', 'lm_head.weight']);
    expect([...tied.namedParameters()].map(([n]) => n)).toEqual(['wte.weight']);
    expect(tied.numParameters()).toBe(10 * D);
    tied.dispose();
  });

  it('frees every parameter and buffer on dispose', () => {
    const before = liveBuffers(backend);
    const m = model();
    expect(liveBuffers(backend)).toBeGreaterThan(before);
    m.dispose();
    expect(liveBuffers(backend)).toBe(before);
  });

  it('removes a parameter by name, keeping the others in order and the removed one alive', async () => {
    const m = new Module();
    const [a, b, c] = on(() => [new Parameter(zeros([1])), new Parameter(ones([2])), new Parameter(zeros([3]))]);
    m.registerParameter('a', a);
    m.registerParameter('b', b);
    m.registerParameter('c', c);
    expect(m.removeParameter('b')).toBe(b);
    expect([...m.stateDict().keys()]).toEqual(['a', 'c']);
    expect(m.removeParameter('b')).toBeUndefined();
    expect([...(await b.data())]).toEqual([1, 1]);
    m.registerParameter('b', b);
    expect([...m.namedParameters()].map(([n]) => n)).toEqual(['a', 'c', 'b']);
    m.dispose();
  });

  it('refuses duplicate or dotted names', () => {
    const m = new Module();
    m.registerModule('a', new Module());
    expect(() => m.registerModule('a', new Module())).toThrow('registerModule: "a" is already registered on Module');
    expect(() => m.registerParameter('a', on(() => new Parameter(zeros([1]))))).toThrow(/already registered/);
    expect(() => m.registerModule('b.c', new Module())).toThrow(/without dots/);
  });

  it('names ModuleList, ModuleDict and Sequential children like PyTorch', async () => {
    const list = on(() => new ModuleList([new Linear(2, 2), new Linear(2, 2)]));
    expect([...list.stateDict().keys()]).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(list.length).toBe(2);
    expect(list.get(-1)).toBe([...list][1]);
    expect(() => list.get(2)).toThrow(/out of range/);

    const dict = on(() => new ModuleDict<Linear>({ default: new Linear(2, 3, { bias: false }) }));
    dict.set('other', on(() => new Linear(2, 3, { bias: false })));
    expect([...dict.stateDict().keys()]).toEqual(['default.weight', 'other.weight']);
    expect(dict.delete('default')).toBeInstanceOf(Linear);
    expect([...dict.keys()]).toEqual(['other']);
    expect(dict.size).toBe(1);
    expect(() => dict.get('default')).toThrow(/no entry "default"/);

    const seq = on(() => new Sequential(new Linear(3, 2), new ReLU()));
    tidy(() => {
      seq.get(0).getParameter('weight').assign(on(() => tensor([[1, 0, 0], [0, -1, 0]])));
      seq.get(0).getParameter('bias').assign(on(() => zeros([2])));
    });
    expect([...seq.stateDict().keys()]).toEqual(['0.weight', '0.bias']);
    const y = on(() => seq.forward(tensor([[2, 3, 4]])));
    expect(await y.array()).toEqual([[2, 0]]);
    expect(String(seq)).toBe('Sequential(\n  (0): Linear(in_features=3, out_features=2, bias=true)\n  (1): ReLU()\n)');
  });
});
