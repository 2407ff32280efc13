import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AdamW,
  type Backend,
  MethodRegistry,
  PeftModel,
  type Tensor,
  noGrad,
  parseSafetensors,
  loadSafetensorsTensors,
  tidy,
} from '@peft/core';
import { parseStrictJson, type PeftMethod } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { caseDir, flat, intTensor, loadFixtureModel, readCaseTensors, readFixtureCase, hasCaseFile, type FixtureCase } from './fixture-files.js';
import { compareTensors, trainBatch, trainable } from './parity-support.js';

/** The fixtures README's tolerances (float32). */
export const FIXTURE_TOLERANCE = {
  logits: { atol: 1e-5, rtol: 0 },
  firstLoss: { atol: 1e-5, rtol: 0 },
  laterLoss: { atol: 1e-4, rtol: 0 },
  logitsAfterTraining: { atol: 1e-3, rtol: 0 },
  trainedParams: { atol: 2e-3, rtol: 0 },
  grads: { atol: 1e-6, rtol: 0 },
  mergedWeights: { atol: 1e-6, rtol: 0 },
} as const;

/** Options of {@link describeAdapterParity}. @example `{ methods: [lora], cases: ['gpt2_lora'] }` */
export interface AdapterParityOptions {
  /** The methods the cases need (registered in a private registry). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each method has its own config type
  readonly methods: readonly PeftMethod<any>[];
  /** Standard case names (folders in `packages/testing/fixtures/cases`). */
  readonly cases: readonly string[];
  /** Config keys our files may add beyond the fixture's (newer PEFT releases write more keys). */
  readonly extraConfigKeys?: readonly string[];
}

/** A loaded case: the fixture JSON, the PeftModel with the saved adapter, and helpers for its inputs. */
interface Loaded {
  readonly c: FixtureCase;
  readonly peft: PeftModel;
  readonly evalInputs: () => { inputIds: Tensor; attentionMask: Tensor; decoderInputIds?: Tensor };
}

async function load(name: string, backend: Backend, registry: MethodRegistry, isTrainable: boolean): Promise<Loaded> {
  const c = readFixtureCase(name);
  const model = await loadFixtureModel(c.model as string, backend);
  const peft = await PeftModel.fromPretrained(model, caseDir(name), { registry, isTrainable, warn: () => {} });
  // encoder-decoder cases (T5) also record the decoder inputs
  const evalInputs = () => ({
    inputIds: intTensor(c.inputs.input_ids, backend),
    attentionMask: intTensor(c.inputs.attention_mask, backend),
    ...(c.inputs.decoder_input_ids ? { decoderInputIds: intTensor(c.inputs.decoder_input_ids, backend) } : {}),
  });
  return { c, peft, evalInputs };
}




/**
 * Registers vitest suites that check methods against Python PEFT's golden "standard" cases, on every
 * test backend: logits with the adapter loaded from the case's files, the disabled adapter equal to
 * the base model, `printTrainableParameters`, merged logits and the merged base weights, five AdamW
 * steps (losses, trained parameters, the saved trained adapter, logits after training), step-0
 * gradients where recorded, and a save that reproduces the case's files (keys, shapes, dtypes,
 * metadata, config keys and values; tensor bytes bit-exact).
 *
 * @example
 * ```ts
 * await describeAdapterParity({ methods: [lora], cases: ['gpt2_lora', 'llama_lora'] });
 * ```
 */
export async function describeAdapterParity(opts: AdapterParityOptions): Promise<void> {
  const registry = new MethodRegistry();
  for (const m of opts.methods) registry.register(m);
  const backends = await testBackends();
  describe.each(backends)('Python PEFT cases on $name', ({ backend, name: bname }) => {
  describe.each(opts.cases.map((name) => ({ name })))('$name', ({ name }) => {
    it('reproduces the adapter, base and merged logits and the trainable-parameter line', async () => {
      {
        const { c, peft, evalInputs } = await load(name, backend, registry, false);
        peft.eval();
        const logits = noGrad(() => peft.forward(evalInputs()).logits);
        expectClose(await readF64(logits), flat(c.logits_adapter), FIXTURE_TOLERANCE.logits, `${name} adapter logits on ${bname}`);
        const base = noGrad(() => peft.disableAdapter(() => peft.forward(evalInputs()).logits));
        expectClose(await readF64(base), flat(c.logits_base), FIXTURE_TOLERANCE.logits, `${name} disabled-adapter logits on ${bname}`);
        if (c.logits_merged) {
          const merged = peft.mergeAndUnload();
          const ml = noGrad(() => merged.forward(evalInputs()).logits);
          expectClose(await readF64(ml), flat(c.logits_merged), FIXTURE_TOLERANCE.logits, `${name} merged logits on ${bname}`);
          const changed = readCaseTensors(name, 'merged_changed_weights.safetensors', backend);
          const sd = merged.stateDict();
          for (const [k, e] of changed) expectClose(await readF64(sd.get(k)!), await readF64(e), FIXTURE_TOLERANCE.mergedWeights, `${name} merged ${k} on ${bname}`);
        }
        const trainableLoad = await load(name, backend, registry, true);
        expect(trainableLoad.peft.printTrainableParameters(() => {})).toBe(c.print_trainable_parameters);
        const names = Object.fromEntries([...trainable(trainableLoad.peft)].map(([k, p]) => [k, [...p.shape]]));
        expect(names).toEqual(c.in_memory_trainable_parameter_names);
      }
    });

    it('trains five AdamW steps to the recorded losses, gradients and weights', async () => {
      {
        const { c, peft, evalInputs } = await load(name, backend, registry, true);
        peft.train();
        const params = [...trainable(peft).values()] as never[];
        const opt = new AdamW(params, { lr: 1e-2, weightDecay: 0 });
        const losses: number[] = [];
        for (let step = 0; step < c.train.steps; step++) {
          const loss = tidy(() => {
            const out = peft.forward(trainBatch(c, backend));
            out.loss!.backward();
            return out.loss!.detach();
          });
          losses.push((await readF64(loss))[0]);
          loss.dispose();
          if (step === 0 && hasCaseFile(name, 'grads_step0.safetensors')) {
            const grads = new Map([...trainable(peft)].map(([k, p]) => [k, (p as unknown as { grad: Tensor }).grad]));
            await compareTensors(grads, readCaseTensors(name, 'grads_step0.safetensors', backend), FIXTURE_TOLERANCE.grads, `${name} step-0 gradients on ${bname}`);
          }
          opt.step();
          await peft.afterOptimizerStep(step);
          peft.zeroGrad();
        }
        expectClose(losses.slice(0, 1), c.train.losses.slice(0, 1), FIXTURE_TOLERANCE.firstLoss, `${name} first loss on ${bname}`);
        expectClose(losses, c.train.losses, FIXTURE_TOLERANCE.laterLoss, `${name} losses on ${bname}`);
        await compareTensors(trainable(peft), readCaseTensors(name, 'trained_trainable_params.safetensors', backend), FIXTURE_TOLERANCE.trainedParams, `${name} trained parameters on ${bname}`);
        peft.eval();
        const after = noGrad(() => peft.forward(evalInputs()).logits);
        expectClose(await readF64(after), flat(c.logits_after_training), FIXTURE_TOLERANCE.logitsAfterTraining, `${name} logits after training on ${bname}`);
        const evalLoss = noGrad(() => peft.forward(trainBatch(c, backend)).loss!);
        expectClose(await readF64(evalLoss), [c.train.loss_after_training_eval_mode], FIXTURE_TOLERANCE.laterLoss, `${name} eval loss after training on ${bname}`);
        const saved = loadSafetensorsTensors((await peft.adapterFiles()).weights, { backend });
        const trained = loadSafetensorsTensors(readFileSync(join(caseDir(name), 'trained', 'adapter_model.safetensors')), { backend }).tensors;
        for (const [k, t] of trained) {
          const ours = saved.tensors.get(k);
          expect(ours, `trained file tensor ${k}`).toBeDefined();
          expectClose(await readF64(ours!), await readF64(t), FIXTURE_TOLERANCE.trainedParams, `${name} trained/${k} on ${bname}`);
        }
        expect([...saved.tensors.keys()].filter((k) => !trained.has(k)).every((k) => isNewerPeftExtra(k, c))).toBe(true);
      }
    });

    it('saves files with the keys, shapes, dtypes, metadata and config of the case, tensors bit-exact', async () => {
      const { c, peft } = await load(name, backend, registry, false);
      const files = await peft.adapterFiles();
      const ours = parseSafetensors(files.weights);
      const theirs = parseSafetensors(readFileSync(join(caseDir(name), 'adapter_model.safetensors')));
      expect(ours.metadata).toEqual(c.adapter_safetensors.metadata);
      const expectedKeys = Object.keys(c.adapter_safetensors.tensors as object);
      const extra = [...ours.tensors.keys()].filter((k) => !expectedKeys.includes(k));
      expect(extra.every((k) => isNewerPeftExtra(k, c)), `unexpected saved tensors ${extra.join(', ')}`).toBe(true);
      for (const k of expectedKeys) {
        const a = ours.tensors.get(k);
        const b = theirs.tensors.get(k)!;
        expect(a, `saved tensor ${k}`).toBeDefined();
        expect({ dtype: a!.dtype, shape: a!.shape }).toEqual({ dtype: b.dtype, shape: b.shape });
        expect(Buffer.from(a!.data).equals(Buffer.from(b.data)), `bytes of ${k}`).toBe(true);
      }
      const ourConfig = parseStrictJson(files.config, 'ours') as Map<string, unknown>;
      const theirConfig = parseStrictJson(readFileSync(join(caseDir(name), 'adapter_config.json'), 'utf8'), 'theirs') as Map<string, unknown>;
      const allowed = new Set(opts.extraConfigKeys ?? []);
      for (const k of ourConfig.keys()) if (!theirConfig.has(k)) expect(allowed.has(k), `config key "${k}" is not in the case's file`).toBe(true);
      for (const [k, v] of theirConfig) {
        expect(ourConfig.has(k), `config key "${k}"`).toBe(true);
        expect(normalise(k, ourConfig.get(k)), `config value of "${k}"`).toEqual(normalise(k, v));
      }
    });
  });
  });
}

/** PEFT 0.21 also saves the `bias="lora_only"` biases of wrapped layers, which 0.15.2 (the fixtures) left out. */
function isNewerPeftExtra(key: string, c: FixtureCase): boolean {
  return c.adapter_config?.bias === 'lora_only' && key.endsWith('.base_layer.bias');
}

/** Config values compared as Python sees them: lists from sets as sets, float literals as numbers. */
function normalise(key: string, v: unknown): unknown {
  const plain = (x: unknown): unknown => {
    if (x instanceof Map) return Object.fromEntries([...x].map(([k, y]) => [k, plain(y)]));
    if (Array.isArray(x)) return x.map(plain);
    if (typeof x === 'object' && x !== null && 'value' in x && 'text' in x) return (x as { value: number }).value;
    return x;
  };
  const p = plain(v);
  if ((key === 'target_modules' || key === 'exclude_modules' || key === 'modules_to_save') && Array.isArray(p)) return [...(p as string[])].sort();
  return p;
}
