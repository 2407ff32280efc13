import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AdamW,
  type Backend,
  MethodRegistry,
  type Parameter,
  PeftModel,
  type Tensor,
  getPeftModel,
  loadSafetensorsTensors,
  noGrad,
  parseSafetensors,
  tidy,
} from '@peft/core';
import { parseStrictJson, type PeftMethod, PROMPT_SAVED_PREFIX } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { generate } from '@peft/models';
import { FIXTURE_TOLERANCE } from './adapter-parity.js';
import { FIXTURE_CASES, caseDir, flat, intTensor, loadFixtureModel, readCaseTensors, readFixtureCase, type FixtureCase } from './fixture-files.js';
import { compareTensors, trainBatch, trainable } from './parity-support.js';

/** Options of {@link describePromptParity}. @example `{ methods: [promptTuning], cases: ['gpt2_prompt_random'], generateCases: ['gpt2_prompt_generate'] }` */
export interface PromptParityOptions {
  /** The methods the cases need (registered in a private registry). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each method has its own config type
  readonly methods: readonly PeftMethod<any>[];
  /** Standard prompt-learning cases (folders in `packages/testing/fixtures/cases`). */
  readonly cases: readonly string[];
  /** `runner: generate` cases whose recorded greedy tokens must be reproduced. */
  readonly generateCases?: readonly string[];
}

/**
 * The tiny whitespace tokenizer the `*_prompt_text` cases were made with (`tokenizer_tiny`: lower-cased
 * words looked up in `vocab.txt`, unknown words as `[UNK]`), as a PeftModel `tokenize` option.
 *
 * @example
 * ```ts
 * const peft = await getPeftModel(model, config, { tokenize: tinyTokenize });
 * ```
 */
export function tinyTokenize(text: string): number[] {
  const words = readFileSync(join(FIXTURE_CASES, '..', 'tokenizer_tiny', 'vocab.txt'), 'utf8').split('\n');
  const vocab = new Map(words.map((w, i) => [w, i]));
  return text
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => vocab.get(w) ?? vocab.get('[UNK]')!);
}

function evalInputs(c: FixtureCase, backend: Backend): { inputIds: Tensor; attentionMask: Tensor; decoderInputIds?: Tensor } {
  return {
    inputIds: intTensor(c.inputs.input_ids, backend),
    attentionMask: intTensor(c.inputs.attention_mask, backend),
    // encoder-decoder cases (T5) also record the decoder inputs
    ...(c.inputs.decoder_input_ids ? { decoderInputIds: intTensor(c.inputs.decoder_input_ids, backend) } : {}),
  };
}




/**
 * Registers vitest suites that check prompt-learning methods (prompt tuning, p-tuning, prefix tuning)
 * against Python PEFT's golden cases, on every test backend:
 *
 * - the saved adapter loaded with `PeftModel.fromPretrained` gives the case's logits (virtual positions
 *   included for prompt tuning), and the base logits with the adapter disabled;
 * - the adapter made by `getPeftModel` from the case's config has PEFT's trainable parameters (names,
 *   shapes, the printed line), and for deterministic inits (TEXT) PEFT's initial values;
 * - five AdamW steps from `initial_trainable_params.safetensors` give the recorded losses, trained
 *   parameters, logits after training and the trained file (SEQ_CLS: the classifier frozen, as the
 *   fixtures record);
 * - the saved files have the case's keys, shapes, dtypes, metadata and config values (bit-exact for a
 *   reloaded adapter);
 * - greedy generation gives the recorded tokens, with and without the KV cache.
 *
 * @example
 * ```ts
 * await describePromptParity({ methods: [promptTuning], cases: ['gpt2_prompt_random'], generateCases: ['llama_prompt_generate'] });
 * ```
 */
export async function describePromptParity(opts: PromptParityOptions): Promise<void> {
  const registry = new MethodRegistry();
  for (const m of opts.methods) registry.register(m);
  const backends = await testBackends();
  const options = { registry, warn: () => {}, tokenize: tinyTokenize };
  describe.each(backends)('Python PEFT prompt-learning cases on $name', ({ backend, name: bname }) => {
    describe.each(opts.cases.map((name) => ({ name })))('$name', ({ name }) => {
      it('reproduces the adapter and base logits after loading the saved adapter', async () => {
        const c = readFixtureCase(name);
        const peft = await PeftModel.fromPretrained(await loadFixtureModel(c.model as string, backend), caseDir(name), options);
        peft.eval();
        const logits = noGrad(() => peft.forward(evalInputs(c, backend)).logits);
        expect(logits.shape).toEqual(shapeOf(c.logits_adapter));
        expectClose(await readF64(logits), flat(c.logits_adapter), FIXTURE_TOLERANCE.logits, `${name} adapter logits on ${bname}`);
        const base = noGrad(() => peft.disableAdapter(() => peft.forward(evalInputs(c, backend)).logits));
        expectClose(await readF64(base), flat(c.logits_base), FIXTURE_TOLERANCE.logits, `${name} disabled-adapter logits on ${bname}`);
        expect(peft.trainableParameters().trainable).toBe(0);
      });

      it('trains five AdamW steps from the initial parameters to the recorded losses and weights', async () => {
        const c = readFixtureCase(name);
        const method = registry.get(c.adapter_config.peft_type as string, 'test');
        const config = method.schema.parse({ ...c.adapter_config, inference_mode: false }, { warn: () => {} });
        const peft = await getPeftModel(await loadFixtureModel(c.model as string, backend), config, options);
        const heads = classifierCopies(peft);
        expect(heads.length > 0, 'a trained classifier copy exactly for SEQ_CLS').toBe(c.adapter_config.task_type === 'SEQ_CLS');
        if (heads.length) {
          // PEFT 0.21 (our default) trains the classifier of a SEQ_CLS adapter; the fixtures (0.15) kept it frozen
          const copies = heads.reduce((n, p) => n + p.size, 0);
          expect(peft.trainableParameters()).toEqual({ trainable: c.trainable_params + copies, all: c.all_params + copies });
          for (const p of heads) p.requiresGrad = false;
          expect(peft.trainableParameters()).toEqual({ trainable: c.trainable_params, all: c.all_params + copies });
        } else {
          expect(peft.printTrainableParameters(() => {})).toBe(c.print_trainable_parameters);
        }
        const initial = readCaseTensors(name, 'initial_trainable_params.safetensors', backend);
        if (c.adapter_config.prompt_tuning_init === 'TEXT') await compareTensors(trainable(peft), initial, FIXTURE_TOLERANCE.logits, `${name} TEXT init on ${bname}`);
        const params = trainable(peft);
        expect(Object.fromEntries([...params].map(([k, p]) => [k, [...p.shape]]))).toEqual(c.in_memory_trainable_parameter_names);
        for (const [k, t] of initial) noGrad(() => tidy(() => void (params.get(k) as unknown as { assign(t: Tensor): void }).assign(t)));
        peft.train();
        const opt = new AdamW([...params.values()] as never[], { lr: 1e-2, weightDecay: 0 });
        const losses: number[] = [];
        for (let step = 0; step < c.train.steps; step++) {
          const loss = tidy(() => {
            const out = peft.forward(trainBatch(c, backend));
            out.loss!.backward();
            return out.loss!.detach();
          });
          losses.push((await readF64(loss))[0]);
          loss.dispose();
          opt.step();
          peft.zeroGrad();
        }
        expectClose(losses.slice(0, 1), c.train.losses.slice(0, 1), FIXTURE_TOLERANCE.firstLoss, `${name} first loss on ${bname}`);
        expectClose(losses, c.train.losses, FIXTURE_TOLERANCE.laterLoss, `${name} losses on ${bname}`);
        await compareTensors(trainable(peft), readCaseTensors(name, 'trained_trainable_params.safetensors', backend), FIXTURE_TOLERANCE.trainedParams, `${name} trained parameters on ${bname}`);
        peft.eval();
        const after = noGrad(() => peft.forward(evalInputs(c, backend)).logits);
        expectClose(await readF64(after), flat(c.logits_after_training), FIXTURE_TOLERANCE.logitsAfterTraining, `${name} logits after training on ${bname}`);
        const evalLoss = noGrad(() => peft.forward(trainBatch(c, backend)).loss!);
        expectClose(await readF64(evalLoss), [c.train.loss_after_training_eval_mode], FIXTURE_TOLERANCE.laterLoss, `${name} eval loss after training on ${bname}`);
        const saved = loadSafetensorsTensors((await peft.adapterFiles()).weights, { backend }).tensors;
        const trained = loadSafetensorsTensors(readFileSync(join(caseDir(name), 'trained', 'adapter_model.safetensors')), { backend }).tensors;
        await compareTensors(withoutHead(saved), trained, FIXTURE_TOLERANCE.trainedParams, `${name} trained file on ${bname}`);
        await expectBaseClassifier(saved, peft, `${name} frozen classifier on ${bname}`);
      });

      it('saves the case’s files: keys, shapes, dtypes, metadata and config, tensors bit-exact', async () => {
        const c = readFixtureCase(name);
        const peft = await PeftModel.fromPretrained(await loadFixtureModel(c.model as string, backend), caseDir(name), options);
        const files = await peft.adapterFiles();
        const ours = parseSafetensors(files.weights);
        const theirs = parseSafetensors(readFileSync(join(caseDir(name), 'adapter_model.safetensors')));
        expect(ours.metadata).toEqual(c.adapter_safetensors.metadata);
        const heads = c.adapter_config.task_type === 'SEQ_CLS' ? ['base_model.classifier.bias', 'base_model.classifier.weight'] : [];
        expect([...ours.tensors.keys()].sort()).toEqual([...heads, 'prompt_embeddings']);
        await expectBaseClassifier(loadSafetensorsTensors(files.weights, { backend }).tensors, peft, `${name} saved classifier on ${bname}`);
        const a = ours.tensors.get('prompt_embeddings')!;
        const b = theirs.tensors.get('prompt_embeddings')!;
        expect({ dtype: a.dtype, shape: a.shape }).toEqual({ dtype: b.dtype, shape: b.shape });
        expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
        const ourConfig = parseStrictJson(files.config, 'ours') as Map<string, unknown>;
        const theirConfig = parseStrictJson(readFileSync(join(caseDir(name), 'adapter_config.json'), 'utf8'), 'theirs') as Map<string, unknown>;
        // PEFT 0.21 also writes modules_to_save (the classifier heads for SEQ_CLS)
        expect([...ourConfig.keys()].sort()).toEqual([...new Set([...theirConfig.keys(), 'modules_to_save'])].sort());
        expect(plain(ourConfig.get('modules_to_save'))).toEqual(c.adapter_config.task_type === 'SEQ_CLS' ? ['classifier', 'score'] : null);
        for (const [k, v] of theirConfig) expect(plain(ourConfig.get(k)), `config value of "${k}"`).toEqual(plain(v));
      });
    });

    describe.each((opts.generateCases ?? []).map((name) => ({ name })))('$name', ({ name }) => {
      it('generates the recorded tokens, with the KV cache and without it', async () => {
        const c = readFixtureCase(name);
        const peft = await PeftModel.fromPretrained(await loadFixtureModel(c.model as string, backend), caseDir(name), options);
        peft.eval();
        const cached = await generate(peft, c.inputs.input_ids, { maxNewTokens: 8 });
        expect(cached.sequences).toEqual(c.with_adapter.sequences);
        const uncached = await generate(peft, c.inputs.input_ids, { maxNewTokens: 8, useCache: false });
        expect(uncached.sequences).toEqual(cached.sequences);
        const base = await peft.disableAdapter(() => generate(peft, c.inputs.input_ids, { maxNewTokens: 8 }));
        expect(base.sequences).toEqual(c.base_model.sequences);
      });
    });
  });
}

/** The trainable copies of the classification head that a SEQ_CLS prompt adapter adds. */
function classifierCopies(peft: PeftModel): Parameter[] {
  return peft.wrappers().flatMap(([, w]) => [...w.adapterState(peft.activeAdapter).values()]);
}

function withoutHead(tensors: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  return new Map([...tensors].filter(([k]) => !k.startsWith(PROMPT_SAVED_PREFIX) || k === 'prompt_embeddings'));
}

/** The saved classifier (if any) equals the base model's: the fixtures' classifier never trained. */
async function expectBaseClassifier(saved: ReadonlyMap<string, Tensor>, peft: PeftModel, what: string): Promise<void> {
  for (const [k, t] of saved) {
    if (!k.startsWith(PROMPT_SAVED_PREFIX)) continue;
    const path = k.slice(PROMPT_SAVED_PREFIX.length).replace(/\.(weight|bias)$/, '.original_module.$1');
    expectClose(await readF64(t), await readF64(peft.model.getParameter(path)), { atol: 0, rtol: 0 }, `${what}: ${k}`);
  }
}

function shapeOf(x: unknown): number[] {
  const out: number[] = [];
  for (let v = x; Array.isArray(v); v = v[0]) out.push(v.length);
  return out;
}

/** JSON values as plain data (float literals as numbers). */
function plain(x: unknown): unknown {
  if (x instanceof Map) return Object.fromEntries([...x].map(([k, y]) => [k, plain(y)]));
  if (Array.isArray(x)) return x.map(plain);
  if (typeof x === 'object' && x !== null && 'value' in x && 'text' in x) return (x as { value: number }).value;
  return x;
}
