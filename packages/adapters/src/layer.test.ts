import { afterEach, describe, expect, it } from 'vitest';
import { Generator, LayerNorm, Linear, MethodRegistry, PeftModel, ShapeError, type Tensor, noGrad, randn } from '@peft/core';
import { add, layerNorm, matmul, mul, relu, tanh, transpose } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { type TinyBase, createTinyModel, perturbAdapter } from '@peft/testing';
import { BottleneckLayer, type BottleneckConfig, type BottleneckPlacement, bottleneck, bottleneckConfig } from './index.js';

const backends = await testBackends();

/** `x·Wᵀ + b` written out, independent of `Linear.forward`. */
function dense(x: Tensor, l: Linear): Tensor {
  return add(matmul(x, transpose(l.weight, 0, 1)), l.bias!);
}

function ctxOf(config: BottleneckConfig): { adapterName: string; config: BottleneckConfig; path: string; targetKey: string; generator: Generator } {
  return { adapterName: 'default', config, path: 'proj', targetKey: 'proj', generator: new Generator(3) };
}

describe.each(backends)('BottleneckLayer on $name', ({ backend }) => {
  const made: { dispose(): void }[] = [];
  afterEach(() => {
    for (const m of made.splice(0)) m.dispose();
  });
  const keepAll = <T extends { dispose(): void }>(t: T): T => {
    made.push(t);
    return t;
  };
  const layerWith = (base: { dispose(): void } & object, config: BottleneckConfig): BottleneckLayer => {
    const layer = keepAll(new BottleneckLayer(base as never));
    layer.addAdapter('default', ctxOf(config));
    layer.activeAdapters = ['default'];
    return layer;
  };
  const parts = (layer: BottleneckLayer): { down: Linear; up: Linear } => {
    // the adapter's own parameters, read through the Linear fields `dense` uses
    const state = layer.adapterState('default');
    return {
      down: { weight: state.get('adapter_down.weight')!, bias: state.get('adapter_down.bias')! } as unknown as Linear,
      up: { weight: state.get('adapter_up.weight')!, bias: state.get('adapter_up.bias')! } as unknown as Linear,
    };
  };

  it('starts as the identity: the up-projection is zero', async () => {
    const base = new Linear(8, 8, { backend, generator: new Generator(0) });
    const layer = layerWith(base, bottleneckConfig({ bottleneckSize: 3 }));
    const up = layer.adapterState('default').get('adapter_up.weight')!;
    expect(up.shape).toEqual([8, 3]);
    expect(Math.max(...(await readF64(up)).map(Math.abs))).toBe(0);
    expect(layer.adapterState('default').get('adapter_down.weight')!.shape).toEqual([3, 8]);
  });

  it('computes a serial adapter as y + up(act(down(y))) with y = base(x), scaled', async () => {
    const base = new Linear(8, 6, { backend, generator: new Generator(0) });
    const layer = layerWith(base, bottleneckConfig({ bottleneckSize: 3, initWeights: false, nonLinearity: 'tanh', scaling: 0.5 }));
    const x = keepAll(randn([2, 4, 8], { backend, generator: new Generator(1) }));
    const { down, up } = parts(layer);
    const got = keepAll(noGrad(() => layer.forward(x)));
    const want = keepAll(
      noGrad(() => {
        const y = dense(x, base);
        return add(y, mul(dense(tanh(dense(y, down)), up), 0.5));
      }),
    );
    expectClose(await readF64(got), await readF64(want), { atol: 1e-5, rtol: 0 }, 'serial output');
  });

  it('applies the optional layer norms before the down-projection and after the up-projection', async () => {
    const base = new Linear(8, 8, { backend, generator: new Generator(0) });
    const layer = layerWith(base, bottleneckConfig({ bottleneckSize: 2, initWeights: false, lnBefore: true, lnAfter: true }));
    expect([...layer.adapterState('default').keys()]).toEqual([
      'adapter_down.weight',
      'adapter_down.bias',
      'adapter_up.weight',
      'adapter_up.bias',
      'adapter_ln_before.weight',
      'adapter_ln_before.bias',
      'adapter_ln_after.weight',
      'adapter_ln_after.bias',
    ]);
    const x = keepAll(randn([3, 8], { backend, generator: new Generator(1) }));
    const { down, up } = parts(layer);
    const got = keepAll(noGrad(() => layer.forward(x)));
    const want = keepAll(
      noGrad(() => {
        const y = dense(x, base);
        const ln = (t: Tensor): Tensor => layerNorm(t, null, null, 1e-5, 1);
        return add(y, ln(dense(relu(dense(ln(y), down)), up)));
      }),
    );
    expectClose(await readF64(got), await readF64(want), { atol: 1e-5, rtol: 0 }, 'output with layer norms');
  });

  it('computes a parallel adapter from the module input: base(x) + up(act(down(x)))', async () => {
    const base = new Linear(8, 8, { backend, generator: new Generator(0) });
    const layer = layerWith(base, bottleneckConfig({ config: 'parallel', bottleneckSize: 4, initWeights: false, scaling: 2 }));
    const x = keepAll(randn([2, 3, 8], { backend, generator: new Generator(1) }));
    const { down, up } = parts(layer);
    const got = keepAll(noGrad(() => layer.forward(x)));
    const want = keepAll(noGrad(() => add(dense(x, base), mul(dense(relu(dense(x, down)), up), 2))));
    expectClose(await readF64(got), await readF64(want), { atol: 1e-5, rtol: 0 }, 'parallel output');
  });

  it('refuses a parallel adapter on an input whose width is not the stream width', () => {
    const layer = layerWith(new Linear(4, 8, { backend }), bottleneckConfig({ config: 'parallel', bottleneckSize: 2 }));
    const x = keepAll(randn([2, 4], { backend }));
    expect(() => layer.forward(x)).toThrow(ShapeError);
    expect(() => layer.forward(x)).toThrow(/8 features, got an input of shape \[2, 4\]/);
  });

  it('passes a residual on and adds a parallel adapter to it on residual-output modules', async () => {
    const model = keepAll(createTinyModel('bert-seq-cls', backend, 0));
    const block = model.getModule('bert.encoder.layer.0.output') as unknown as { forward(x: Tensor, r: Tensor): Tensor; dispose(): void };
    const layer = new BottleneckLayer(block as never);
    layer.addAdapter('default', ctxOf(bottleneckConfig({ config: 'parallel', bottleneckSize: 4, initWeights: false })));
    layer.activeAdapters = ['default'];
    const h = keepAll(randn([2, 3, 32], { backend, generator: new Generator(1) }));
    const r = keepAll(randn([2, 3, 16], { backend, generator: new Generator(2) }));
    const { down, up } = parts(layer);
    const got = keepAll(noGrad(() => layer.forward(h, r)));
    const want = keepAll(noGrad(() => block.forward(h, add(r, dense(relu(dense(r, down)), up)))));
    expectClose(await readF64(got), await readF64(want), { atol: 1e-5, rtol: 0 }, 'BERT output with a parallel adapter');
    layer.disabled = true;
    const off = keepAll(noGrad(() => layer.forward(h, r)));
    expectClose(await readF64(off), await readF64(keepAll(noGrad(() => block.forward(h, r)))), { atol: 0, rtol: 0 }, 'disabled');
  });

  it('drops adapter outputs in training mode only (adapter_dropout)', async () => {
    const base = new Linear(8, 8, { backend, generator: new Generator(0) });
    const layer = layerWith(base, bottleneckConfig({ bottleneckSize: 4, initWeights: false, adapterDropout: 0.5 }));
    const x = keepAll(randn([4, 8], { backend, generator: new Generator(1) }));
    const y = await readF64(keepAll(noGrad(() => dense(x, base))));
    layer.eval();
    const full = await readF64(keepAll(noGrad(() => layer.forward(x))));
    layer.train();
    const dropped = await readF64(keepAll(noGrad(() => layer.forward(x))));
    layer.eval();
    expectClose(await readF64(keepAll(noGrad(() => layer.forward(x)))), full, { atol: 0, rtol: 0 }, 'eval mode is deterministic');
    // each adapter entry is either dropped (output = y) or scaled by 2 (output = y + 2·A)
    const kinds = dropped.map((v, i) => (Math.abs(v - y[i]) < 1e-5 ? 0 : Math.abs(v - (y[i] + 2 * (full[i] - y[i]))) < 1e-4 ? 1 : -1));
    expect(kinds.filter((k) => k === -1).length, 'entries neither dropped nor scaled').toBe(0);
    expect(kinds.filter((k) => k === 0).length).toBeGreaterThan(0);
    expect(kinds.filter((k) => k === 1).length).toBeGreaterThan(0);
  });

  it('refuses to wrap a module without a dense layer', () => {
    expect(() => new BottleneckLayer(keepAll(new LayerNorm([8], { backend })))).toThrow(/dense layer/);
  });
});

// the tiny bases whose model type has default placements (T5 has none: target_modules must be given)
const PLACEMENTS: Partial<Record<TinyBase, Record<BottleneckPlacement, string[]>>> = {
  gpt2: {
    houlsby: ['transformer.h.0.attn.c_proj', 'transformer.h.0.mlp.c_proj', 'transformer.h.1.attn.c_proj', 'transformer.h.1.mlp.c_proj'],
    pfeiffer: ['transformer.h.0.mlp.c_proj', 'transformer.h.1.mlp.c_proj'],
    parallel: ['transformer.h.0.mlp', 'transformer.h.1.mlp'],
  },
  llama: {
    houlsby: ['model.layers.0.self_attn.o_proj', 'model.layers.0.mlp.down_proj', 'model.layers.1.self_attn.o_proj', 'model.layers.1.mlp.down_proj'],
    pfeiffer: ['model.layers.0.mlp.down_proj', 'model.layers.1.mlp.down_proj'],
    parallel: ['model.layers.0.mlp', 'model.layers.1.mlp'],
  },
  'bert-seq-cls': {
    houlsby: [
      'bert.encoder.layer.0.attention.output.dense',
      'bert.encoder.layer.0.output.dense',
      'bert.encoder.layer.1.attention.output.dense',
      'bert.encoder.layer.1.output.dense',
    ],
    pfeiffer: ['bert.encoder.layer.0.output.dense', 'bert.encoder.layer.1.output.dense'],
    parallel: ['bert.encoder.layer.0.output', 'bert.encoder.layer.1.output'],
  },
};

describe.each(backends)('bottleneck placements on $name', ({ backend }) => {
  for (const base of Object.keys(PLACEMENTS) as TinyBase[]) {
    for (const placement of ['houlsby', 'pfeiffer', 'parallel'] as const) {
      it(`puts ${placement} adapters on ${base} where the README says, and saves them under those paths`, async () => {
        const registry = new MethodRegistry();
        registry.register(bottleneck);
        const peft = new PeftModel(createTinyModel(base, backend, 0), { registry, warn: () => {} });
        try {
          await peft.addAdapter('default', bottleneckConfig({ config: placement, bottleneckSize: 2 }));
          const paths = peft.layers().map(([p]) => p).sort();
          expect(paths).toEqual([...PLACEMENTS[base]![placement]].sort());
          perturbAdapter(peft, 'default', new Generator(5));
          const keys = [...peft.adapterStateDict().keys()].sort();
          expect(keys).toEqual(paths.flatMap((p) => ['adapter_down.bias', 'adapter_down.weight', 'adapter_up.bias', 'adapter_up.weight'].map((k) => `base_model.model.${p}.${k}`)).sort());
          const config = JSON.parse((await peft.adapterFiles()).config) as Record<string, unknown>;
          expect(config.peft_type).toBe('BOTTLENECK');
          expect(config.config).toBe(placement);
        } finally {
          peft.dispose();
        }
      });
    }
  }
});
