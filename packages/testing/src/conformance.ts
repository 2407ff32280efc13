import { afterEach, describe, expect, it } from 'vitest';
import {
  AdamW,
  ArgumentError,
  type Backend,
  Generator,
  MergeError,
  MethodRegistry,
  type Parameter,
  PeftModel,
  type PretrainedModel,
  type ModelInputs,
  type Tensor,
  memorySource,
  noGrad,
  tidy,
} from '@peft/core';
import { ModulesToSaveWrapper, narrow, AdapterLayer, type PeftConfig, type PeftMethod } from '@peft/core/plugin';
import { expectClose, liveBuffers, readF64, testBackends } from '@peft/core/testing';
import { adapterParameters, baseParameters, perturbAdapter, snapshot } from './adapter-parameters.js';
import { type TinyBase, createTinyModel, tinyBatch } from './tiny-models.js';

/**
 * One configuration the conformance suite runs a method with.
 *
 * @example
 * ```ts
 * const dora: ConformanceCase = { name: 'dora', config: () => loraConfig({ useDora: true, targetModules: ['c_attn'] }) };
 * ```
 */
export interface ConformanceCase<C extends PeftConfig = PeftConfig> {
  /** Names the suite (`dora`). */
  readonly name: string;
  /** Makes a fresh config for a base model (called once per adapter added). */
  readonly config: (base: TinyBase) => C;
  /** Base models to run on (default: the options' `bases`). */
  readonly bases?: readonly TinyBase[];
  /** Whether the adapter leaves the model's output unchanged when created (default: the options'). */
  readonly noOpAtInit?: boolean;
  /** Tolerance of the no-op check (default 1e-6; PiSSA and OLoRA rewrite the base weights, so 1e-4). */
  readonly noOpTolerance?: number;
  /** Whether creating the adapter rewrites the base weights (PiSSA, OLoRA): unmerge, unload and disable then give the rewritten base. */
  readonly rewritesBase?: boolean;
  /**
   * Whether merging keeps the output (default true). False for an embedding adapter on a model whose
   * output head shares the embedding matrix (GPT-2's `wte` and `lm_head`): as in Hugging Face PEFT the
   * delta is written into the shared matrix, so the head changes too and the merged output differs.
   */
  readonly mergeKeepsOutput?: boolean;
}

/**
 * Options of {@link describeMethodConformance}.
 *
 * @example
 * ```ts
 * const opts: MethodConformanceOptions = { method: lora, noOpAtInit: true, configs: [{ name: 'default', config: () => loraConfig() }] };
 * ```
 */
export interface MethodConformanceOptions<C extends PeftConfig = PeftConfig> {
  /** The method under test (registered in a private registry). */
  readonly method: PeftMethod<C>;
  /** The configurations to run. */
  readonly configs: readonly ConformanceCase<C>[];
  /** Base models of every case that names none (default `['gpt2']`). */
  readonly bases?: readonly TinyBase[];
  /** Whether the method's adapters leave the output unchanged when created (default false). */
  readonly noOpAtInit?: boolean;
  /** Whether the method merges into the base weights (default true); if not, merging must throw a MergeError. */
  readonly mergeable?: boolean;
  /** Seed of the base weights, the adapter initialisation and the perturbations (default 0). */
  readonly seed?: number;
  /**
   * Whether one batch may mix adapters row by row (`adapterNames`; default true). If not (prompt
   * learning, as in PEFT), the forward must refuse it with an ArgumentError.
   */
  readonly perRowAdapters?: boolean;
}

type Batch = ReturnType<typeof tinyBatch>;

/** The batch's model inputs without its labels (no loss is computed). */
function inputsOf(b: Batch): ModelInputs {
  // an encoder-decoder's batch also carries the decoder inputs (Seq2SeqInputs)
  const inputs: ModelInputs & { decoderInputIds?: Tensor } = { inputIds: b.inputIds, attentionMask: b.attentionMask };
  if (b.decoderInputIds) inputs.decoderInputIds = b.decoderInputIds;
  return inputs;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function expectSameWeights(actual: Map<string, Float64Array>, expected: Map<string, Float64Array>, atol: number, what: string): void {
  expect([...actual.keys()].sort(), `${what}: parameter names`).toEqual([...expected.keys()].sort());
  for (const [k, e] of expected) expectClose(actual.get(k)!, e, { atol, rtol: 0 }, `${what}: ${k}`);
}

function sizeOf(params: Iterable<Parameter>): number {
  let n = 0;
  for (const p of new Set(params)) n += p.size;
  return n;
}

/**
 * Registers vitest suites that check a method against the contract every `@peft` method keeps, on
 * every test backend and for every configuration and tiny base model given: the no-op at
 * initialisation (or a change, for methods that are not one), which parameters train and how many,
 * merge / unmerge / mergeAndUnload / unload, a bit-exact save and load, disable / enable, per-row
 * adapters, one training step, deleting an adapter, and no leaked buffers across a training step.
 *
 * @example
 * ```ts
 * await describeMethodConformance({
 *   method: lora,
 *   noOpAtInit: true,
 *   bases: ['gpt2', 'llama'],
 *   configs: [{ name: 'dora', config: () => loraConfig({ r: 4, useDora: true }) }],
 * });
 * ```
 */
export async function describeMethodConformance<C extends PeftConfig>(opts: MethodConformanceOptions<C>): Promise<void> {
  const registry = new MethodRegistry();
  registry.register(opts.method);
  const backends = await testBackends();
  const seed = opts.seed ?? 0;
  describe.each(backends)(`${opts.method.peftType} method conformance on $name`, ({ backend }) => {
    for (const c of opts.configs) {
      for (const base of c.bases ?? opts.bases ?? ['gpt2']) {
        describe(`${c.name} on ${base}`, () =>
          describeCase({ c, base, backend, registry, seed, noOpAtInit: c.noOpAtInit ?? opts.noOpAtInit ?? false, mergeable: opts.mergeable ?? true, perRowAdapters: opts.perRowAdapters ?? true }),
        );
      }
    }
  });
}

interface CaseContext {
  readonly c: ConformanceCase<PeftConfig>;
  readonly base: TinyBase;
  readonly backend: Backend;
  readonly registry: MethodRegistry;
  readonly seed: number;
  readonly noOpAtInit: boolean;
  readonly mergeable: boolean;
  readonly perRowAdapters: boolean;
}

/**
 * The logits at the input positions: prompt tuning and p-tuning put their virtual positions first
 * (`[batch, virtual + seq, vocab]`, as PEFT returns them), which are left out here so that every
 * method's output compares with the base model's.
 */
function atInputPositions(logits: Tensor, seq: number): Tensor {
  return logits.shape.length === 3 && logits.shape[1] > seq ? narrow(logits, 1, logits.shape[1] - seq, seq) : logits;
}

function describeCase({ c, base, backend, registry, seed, noOpAtInit, mergeable, perRowAdapters }: CaseContext): void {
  const made: { dispose(): void }[] = [];
  afterEach(() => {
    for (const m of made.splice(0)) m.dispose();
  });
  const fresh = (): PretrainedModel => {
    const m = createTinyModel(base, backend, seed);
    made.push(m);
    return m;
  };
  const batch = (): Batch => {
    const b = tinyBatch(base, backend);
    made.push(b.inputIds, b.attentionMask, b.labels, ...(b.decoderInputIds ? [b.decoderInputIds] : []));
    return b;
  };
  const wrap = async (names: readonly string[] = ['default'], model = fresh()): Promise<PeftModel> => {
    const peft = new PeftModel(model, { registry, generator: new Generator(seed + 1), warn: () => {} });
    made.push(peft);
    for (const n of names) await peft.addAdapter(n, c.config(base));
    return peft;
  };
  /** Wraps a fresh base and perturbs every adapter, so that no adapter is a no-op. */
  const perturbed = async (names: readonly string[] = ['default']): Promise<PeftModel> => {
    const peft = await wrap(names);
    names.forEach((n, i) => perturbAdapter(peft, n, new Generator(seed + 100 + i)));
    return peft;
  };
  const logits = (m: { forward(i: ModelInputs & { adapterNames?: readonly string[] }): { logits: Tensor } }, b: Batch, adapterNames?: readonly string[]): Promise<Float64Array> => {
    const inputs = { ...inputsOf(b), ...(adapterNames ? { adapterNames } : {}) };
    const t = noGrad(() => atInputPositions(m.forward(inputs).logits, b.inputIds.shape[1]));
    made.push(t);
    return readF64(t);
  };
  /** A fresh base model holding the base weights `peft` holds now (the rewritten ones for PiSSA / OLoRA). */
  const baseLike = (peft: PeftModel): PretrainedModel => {
    const m = fresh();
    const src = baseParameters(peft);
    noGrad(() => {
      for (const [k, p] of m.namedParameters()) p.assign(src.get(k)!);
    });
    return m;
  };
  const trainable = (peft: PeftModel): Set<Parameter> => new Set([...peft.parameters()].filter((p) => p.requiresGrad));
  const expectedTrainable = (peft: PeftModel, name = 'default'): Set<Parameter> =>
    new Set([...adapterParameters(peft, name), ...peft.extraParameters(name).filter((e) => e.trainable).map((e) => e.parameter)]);

  if (noOpAtInit) {
    it('leaves the logits unchanged at initialisation', async () => {
      const b = batch();
      const before = await logits(fresh(), b);
      const peft = await wrap();
      expectClose(await logits(peft, b), before, { atol: c.noOpTolerance ?? 1e-6, rtol: 0 }, 'logits with the new adapter');
    });
  } else {
    it('changes the logits at initialisation', async () => {
      const b = batch();
      const before = await logits(fresh(), b);
      const peft = await wrap();
      expect(maxAbsDiff(await logits(peft, b), before)).toBeGreaterThan(1e-4);
    });
  }

  it('changes the logits once the adapter weights are perturbed', async () => {
    const b = batch();
    const peft = await wrap();
    const atInit = await logits(peft, b);
    perturbAdapter(peft, 'default', new Generator(seed + 100));
    expect(maxAbsDiff(await logits(peft, b), atInit)).toBeGreaterThan(1e-4);
  });

  it('trains only the adapter parameters and what the config adds, and keeps the base weights frozen', async () => {
    const peft = await wrap();
    const expected = expectedTrainable(peft);
    expect(adapterParameters(peft, 'default').size, 'adapter parameters').toBeGreaterThan(0);
    const names = new Map([...peft.namedParameters()].map(([k, p]) => [p, k]));
    const wrong = [...peft.parameters()].filter((p) => p.requiresGrad !== expected.has(p)).map((p) => `${names.get(p)} (requiresGrad ${p.requiresGrad})`);
    expect(wrong, 'parameters whose requiresGrad is wrong').toEqual([]);
    const extras = new Set(expected);
    const frozenBase = [...baseParameters(peft)].filter(([, p]) => !extras.has(p));
    expect(frozenBase.length).toBeGreaterThan(0);
    expect(frozenBase.filter(([, p]) => p.requiresGrad).map(([k]) => k), 'base weights that train').toEqual([]);
    if (!c.rewritesBase) {
      expectSameWeights(await snapshot(baseParameters(peft)), await snapshot(new Map(fresh().namedParameters())), 0, 'base weights after wrapping');
    }
  });

  it('counts as trainable exactly the sizes of the adapter parameters and what the config adds', async () => {
    const peft = await wrap();
    const { trainable: count, all } = peft.trainableParameters();
    expect(count).toBe(sizeOf(expectedTrainable(peft)));
    expect(count).toBe(sizeOf(trainable(peft)));
    expect(all).toBe(sizeOf(peft.parameters()));
  });

  if (mergeable) {
    it('keeps the output when merged and restores the base weights when unmerged', async () => {
      const b = batch();
      const peft = await perturbed();
      const before = await logits(peft, b);
      const weights = await snapshot(baseParameters(peft));
      peft.merge();
      const mergedLogits = await logits(peft, b);
      if (c.mergeKeepsOutput ?? true) expectClose(mergedLogits, before, { atol: 1e-5, rtol: 0 }, 'merged logits');
      else expect(maxAbsDiff(mergedLogits, before), 'merging into a shared matrix changes the output').toBeGreaterThan(1e-4);
      const merged = await snapshot(baseParameters(peft));
      expect(Math.max(...[...weights].map(([k, w]) => maxAbsDiff(w, merged.get(k)!))), 'largest change of a base weight by merging').toBeGreaterThan(1e-6);
      peft.unmerge();
      expectSameWeights(await snapshot(baseParameters(peft)), weights, 1e-6, 'base weights after unmerge');
      expectClose(await logits(peft, b), before, { atol: 1e-5, rtol: 0 }, 'logits after unmerge');
    });

    it('mergeAndUnload returns a plain model with the output of the merged adapter', async () => {
      const b = batch();
      const peft = await perturbed();
      peft.merge();
      const before = await logits(peft, b);
      peft.unmerge();
      const plain = peft.mergeAndUnload();
      const wrappers = [...plain.namedModules()].filter(([, m]) => m instanceof AdapterLayer || m instanceof ModulesToSaveWrapper).map(([k]) => k);
      expect(wrappers, 'adapter modules left in the model').toEqual([]);
      expect([...plain.stateDict().keys()].sort()).toEqual([...fresh().stateDict().keys()].sort());
      expectClose(await logits(plain, b), before, { atol: 1e-5, rtol: 0 }, 'logits of the merged plain model');
      expect(() => peft.forward(b), 'the unloaded PeftModel').toThrow(/unloaded/);
    });
  } else {
    it('refuses to merge with a MergeError', async () => {
      const peft = await perturbed();
      expect(() => peft.merge()).toThrow(MergeError);
    });
  }

  it('unload returns the base model with its original weights', async () => {
    const b = batch();
    const peft = await perturbed();
    const original = await snapshot(baseParameters(peft));
    const reference = await logits(baseLike(peft), b);
    const saved = peft.wrappers().map(([path]) => path);
    if (mergeable) peft.merge();
    const plain = peft.unload();
    const wrappers = [...plain.namedModules()].filter(([, m]) => m instanceof AdapterLayer || m instanceof ModulesToSaveWrapper).map(([k]) => k);
    expect(wrappers, 'adapter modules left in the model').toEqual([]);
    const kept = (m: Map<string, Float64Array>): Map<string, Float64Array> => new Map([...m].filter(([k]) => !saved.some((s) => k.startsWith(`${s}.`))));
    expectSameWeights(kept(await snapshot(new Map(plain.namedParameters()))), kept(original), 1e-6, 'weights after unload');
    if (saved.length === 0) expectClose(await logits(plain, b), reference, { atol: 1e-5, rtol: 0 }, 'logits after unload');
  });

  it('saves and loads back identical files and identical logits', async () => {
    const b = batch();
    const peft = await perturbed();
    const files = await peft.adapterFiles();
    // a fresh base: methods that rewrite it (PiSSA, OLoRA) do so again on load, as Python PEFT does
    const target = fresh();
    const loaded = await PeftModel.fromPretrained(target, memorySource({ 'adapter_config.json': files.config, 'adapter_model.safetensors': files.weights }), { registry, warn: () => {} });
    made.push(loaded);
    const again = await loaded.adapterFiles();
    expect(again.config).toBe(files.config);
    expect(sameBytes(again.weights, files.weights), 'adapter_model.safetensors bytes').toBe(true);
    expectClose(await logits(loaded, b), await logits(peft, b), { atol: 0, rtol: 0 }, 'logits of the loaded adapter');
  });

  it('runs the base model inside disableAdapter, and the adapter is back afterwards', async () => {
    const b = batch();
    const peft = await perturbed();
    const withAdapter = await logits(peft, b);
    const reference = await logits(baseLike(peft), b);
    const disabled = noGrad(() => peft.disableAdapter(() => atInputPositions(peft.forward(inputsOf(b)).logits, b.inputIds.shape[1])));
    made.push(disabled);
    expectClose(await readF64(disabled), reference, { atol: 1e-6, rtol: 0 }, 'logits with the adapter disabled');
    expectClose(await logits(peft, b), withAdapter, { atol: 0, rtol: 0 }, 'logits after disableAdapter');
    expect(maxAbsDiff(withAdapter, reference)).toBeGreaterThan(1e-4);
  });

  if (!perRowAdapters) {
    it('refuses one adapter per row (adapterNames) with an ArgumentError', async () => {
      const b = batch();
      const peft = await perturbed(['default', 'other']);
      peft.eval();
      expect(() => peft.forward({ ...inputsOf(b), adapterNames: ['default', 'other', '__base__'] })).toThrow(ArgumentError);
    });
  } else it('gives each row of a mixed batch the output of its own adapter (adapterNames)', async () => {
    const b = batch();
    const peft = await perturbed(['default', 'other']);
    peft.eval();
    const mixed = await logits(peft, b, ['default', 'other', '__base__']);
    const row = mixed.length / 3;
    const names = ['default', 'other', '__base__'];
    const each: Float64Array[] = [];
    for (const n of ['default', 'other']) {
      peft.setAdapter(n);
      each.push(await logits(peft, b));
    }
    const disabled = noGrad(() => peft.disableAdapter(() => peft.forward(inputsOf(b)).logits));
    made.push(disabled);
    each.push(await readF64(disabled));
    for (let i = 0; i < 3; i++) {
      expectClose(mixed.subarray(i * row, (i + 1) * row), each[i].subarray(i * row, (i + 1) * row), { atol: 1e-6, rtol: 0 }, `row ${i} (${names[i]})`);
    }
    expect(maxAbsDiff(each[0], each[1]), 'the two adapters differ').toBeGreaterThan(1e-4);
  });

  it('lowers the loss with one AdamW step and leaves the base weights unchanged', async () => {
    const b = batch();
    const peft = await perturbed();
    peft.train();
    const frozen = new Map([...baseParameters(peft)].filter(([, p]) => !p.requiresGrad));
    const before = await snapshot(frozen);
    const opt = new AdamW([...trainable(peft)], { lr: 1e-2, weightDecay: 0 });
    const loss = (): Promise<number> => {
      const t = tidy(() => {
        const out = peft.forward(b);
        out.loss!.backward();
        return out.loss!.detach();
      });
      made.push(t);
      return readF64(t).then((v) => v[0]);
    };
    const first = await loss();
    opt.step();
    peft.zeroGrad();
    const second = await loss();
    peft.zeroGrad();
    expect(second).toBeLessThan(first);
    expectSameWeights(await snapshot(frozen), before, 0, 'frozen base weights after a step');
  });

  it('frees a deleted adapter and leaves the other one working', async () => {
    const b = batch();
    const peft = await perturbed(['default', 'other']);
    const expected = await logits(peft, b);
    const other = [...adapterParameters(peft, 'other')];
    expect(other.length).toBeGreaterThan(0);
    const buffers = liveBuffers(backend);
    peft.deleteAdapter('other');
    expect(other.filter((p) => !p.isDisposed).length, 'parameters of the deleted adapter still alive').toBe(0);
    expect(liveBuffers(backend)).toBeLessThan(buffers);
    expect([...peft.peftConfig.keys()]).toEqual(['default']);
    expect(peft.layers().filter(([, l]) => l.hasAdapter('other')).map(([k]) => k)).toEqual([]);
    expect(peft.activeAdapters).toEqual(['default']);
    expectClose(await logits(peft, b), expected, { atol: 0, rtol: 0 }, 'logits of the remaining adapter');
  });

  it('leaves no buffers behind across a forward, backward and optimizer step', async () => {
    const b = batch();
    const peft = await perturbed();
    peft.train();
    const opt = new AdamW([...trainable(peft)], { lr: 1e-2, weightDecay: 0 });
    const step = (): void => {
      tidy(() => {
        peft.forward(b).loss!.backward();
      });
      opt.step();
      peft.zeroGrad();
    };
    step(); // the optimizer allocates its moments on the first step
    const before = liveBuffers(backend);
    step();
    step();
    expect(liveBuffers(backend)).toBe(before);
  });
}
