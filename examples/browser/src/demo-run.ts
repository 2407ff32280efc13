import { type AdapterFiles, type Backend, type CheckpointSource, DEFAULT_ADAPTER, MethodRegistry, type PeftModel, fileSource, fromArray, getPeftModel, manualSeed, urlSource } from '@peft/core';
import { browserHubSource } from '@peft/hub';
import { loha } from '@peft/loha';
import { lora } from '@peft/lora';
import { type PretrainedTokenizer, generate, loadPretrained, loadTokenizer } from '@peft/models';
import { type PreparedData, Trainer, batchSource, completionAccuracy, loadParsedDataset, memoryCheckpointStore, parquetBytes, parseParquet, parseTrainConfig, prepareData, readRecords, recordKindOf } from '@peft/train';
import type { DemoOptions } from './demo-options.js';

/**
 * One optimizer step as the page shows it.
 *
 * @example
 * ```ts
 * const p: StepProgress = { step: 3, totalSteps: 12, loss: 2.4, tokensPerSecond: 410 };
 * ```
 */
export interface StepProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly loss: number;
  /** Tokens trained on per second since training started. */
  readonly tokensPerSecond: number;
}

/**
 * A held-out e-mail with the base model's and the adapter's greedy continuation.
 *
 * @example
 * ```ts
 * const s: Sample = { prompt: 'Subject: …\nLabel:', expected: ' spam', base: ' the', adapter: ' spam' };
 * ```
 */
export interface Sample {
  readonly prompt: string;
  readonly expected: string;
  readonly base: string;
  readonly adapter: string;
}

/**
 * Everything a finished run produced: the losses, speed, accuracy before and after, samples, the
 * adapter's Hugging Face files, and the logits of a fixed input (for comparing with another runtime).
 *
 * @example
 * ```ts
 * const { losses, adapter } = await runDemo(opts, backend, '/', {});
 * ```
 */
export interface DemoResult {
  readonly backend: string;
  readonly losses: readonly number[];
  readonly tokensPerSecond: number;
  readonly trainSeconds: number;
  readonly accuracyBefore: number;
  readonly accuracyAfter: number;
  readonly samples: readonly Sample[];
  readonly adapter: AdapterFiles;
  /** A fixed prompt's token ids and the adapted model's logits for it (`[1, ids.length, vocab]`, flat). */
  readonly probe: { readonly inputIds: readonly number[]; readonly logits: Float32Array };
  /** The trained model and its tokenizer, for loading more adapters onto the same base. */
  readonly peft: PeftModel;
  readonly tokenizer: PretrainedTokenizer;
}

/**
 * What {@link runDemo} reports while it runs.
 *
 * @example
 * ```ts
 * const hooks: DemoHooks = { onStatus: (s) => (statusEl.textContent = s), onStep: (p) => chart.add(p) };
 * ```
 */
export interface DemoHooks {
  onStatus?(text: string): void;
  onStep?(progress: StepProgress): void;
  /** Bytes of a model file arriving (or read from the browser cache). */
  onDownload?(progress: { file: string; loaded: number; total: number; cached: boolean }): void;
}

/**
 * What the person chose on the page: a model (a Hub id, picked local files, or the embedded one) and
 * a training file of their own (JSONL, CSV or Parquet; the demo task when absent).
 *
 * @example
 * ```ts
 * const inputs: DemoInputs = { modelId: 'org/tiny-gpt2', trainFile: file };
 * ```
 */
export interface DemoInputs {
  readonly modelId?: string;
  readonly modelFiles?: FileList | readonly File[];
  readonly trainFile?: File;
}

/**
 * The prompt whose logits the page exposes: fixed text, so another runtime can rebuild the input.
 *
 * @example
 * ```ts
 * const ids = tokenizer.encode(PROBE_TEXT);
 * ```
 */
export const PROBE_TEXT = 'Subject: Cheap meds, no prescription needed\nOrder today and save 80% on all\nLabel:';

/**
 * The demo end to end in the browser: loads the embedded GPT-2 and the spam-or-ham task from
 * `assetsUrl` (the folder holding `base-model/` and `demo-task/`), puts a LoRA adapter on it with the
 * task's recipe, measures label accuracy, trains `opts.steps` steps with an in-memory checkpoint
 * store, measures again, generates samples with and without the adapter, and returns the adapter's
 * files.
 *
 * @example
 * ```ts
 * const result = await runDemo(parseDemoOptions(location.search), backend, import.meta.env.BASE_URL, { onStep: draw });
 * ```
 */
export async function runDemo(opts: DemoOptions, backend: Backend, assetsUrl: string, hooks: DemoHooks = {}, inputs: DemoInputs = {}): Promise<DemoResult> {
  const say = (s: string): void => hooks.onStatus?.(s);
  const base = assetsUrl.endsWith('/') ? assetsUrl : `${assetsUrl}/`;
  const fetchText = async (path: string): Promise<string> => {
    const r = await fetch(base + path);
    if (!r.ok) throw new Error(`fetching ${base + path} answered ${r.status}`);
    return r.text();
  };
  say('loading the base model and tokenizer');
  let source: CheckpointSource;
  if (inputs.modelId) source = await browserHubSource(inputs.modelId, { endpoint: opts.hub, onProgress: hooks.onDownload });
  else if (inputs.modelFiles?.length) source = fileSource(inputs.modelFiles, 'picked model files');
  else source = urlSource(`${base}base-model/`);
  const model = await loadPretrained(source, { backend, onWarning: () => {} });
  const tokenizer = await loadTokenizer(source);
  const recipe = JSON.parse(await fetchText('demo-task/recipe.json')) as Record<string, unknown>;
  const cfg = parseTrainConfig(
    {
      ...recipe,
      model: 'base-model',
      data: { ...(recipe.data as object), train: 'demo-task/train.jsonl', eval: 'demo-task/eval.jsonl' },
      output_dir: 'browser',
      max_steps: opts.steps,
      per_device_train_batch_size: opts.batch,
      warmup_steps: Math.min(Number(recipe.warmup_steps ?? 0), Math.floor(opts.steps / 4)),
    },
    { label: 'demo recipe' },
  );
  say('tokenizing the task');
  const data = inputs.trainFile
    ? await readPickedData(inputs.trainFile, cfg.data, tokenizer, model.info.vocabSize)
    : await prepareData(cfg.data, { tokenizer, vocabSize: model.info.vocabSize, seed: cfg.args.seed, readText: fetchText });
  const registry = new MethodRegistry();
  registry.register(lora);
  registry.register(loha);
  manualSeed(cfg.args.seed);
  const method = methodConfig(opts, cfg.method ?? {}, model.info.modelType);
  const config = registry.get(String(method.peft_type), 'demo').schema.parse(method, { warn: () => {}, where: 'method' });
  const peft = await getPeftModel(model, config, { registry, warn: () => {} });
  // the held-out e-mails measure the demo task; a file of one's own has no labels to measure
  const pairs = inputs.trainFile ? [] : parsePairs(await fetchText('demo-task/eval.jsonl')).slice(0, opts.evalExamples);
  const batchSize = Math.max(1, Math.min(cfg.args.perDeviceEvalBatchSize, pairs.length));

  say(`labelling ${pairs.length} held-out e-mails with the base model`);
  const before = pairs.length ? await peft.disableAdapter(() => completionAccuracy(peft, tokenizer, pairs, { batchSize })) : { accuracy: Number.NaN };

  say(`training ${opts.steps} steps`);
  const started = performance.now();
  let tokens = 0;
  const trainer = new Trainer(peft, {
    args: { ...cfg.args, evalSteps: 0 },
    train: batchSource(data.train, { batchSize: cfg.args.perDeviceTrainBatchSize, shuffle: cfg.args.shuffle, seed: cfg.args.seed, tokenizer }),
    checkpoints: memoryCheckpointStore(),
    callbacks: {
      onStep: (s) => {
        tokens += s.tokens;
        const seconds = (performance.now() - started) / 1000;
        hooks.onStep?.({ step: s.step, totalSteps: s.totalSteps, loss: s.loss, tokensPerSecond: seconds > 0 ? tokens / seconds : 0 });
      },
    },
  });
  const result = await trainer.train();

  say(`labelling ${pairs.length} held-out e-mails with the adapter`);
  const after = pairs.length ? await completionAccuracy(peft, tokenizer, pairs, { batchSize }) : { accuracy: Number.NaN };
  say('generating samples');
  const samples = await sampleGenerations(peft, tokenizer, pairs.slice(0, opts.samples));
  const probe = await probeLogits(peft, tokenizer);
  const adapter = await peft.adapterFiles(DEFAULT_ADAPTER);
  return {
    backend: backend.description,
    losses: result.losses,
    tokensPerSecond: result.tokens / Math.max(result.seconds, 1e-9),
    trainSeconds: result.seconds,
    accuracyBefore: before.accuracy,
    accuracyAfter: after.accuracy,
    samples,
    adapter,
    probe,
    peft,
    tokenizer,
  };
}

/**
 * The adapter config for the page's choice: the recipe's LoRA (targets, dropout) at the chosen rank, or
 * LoHa on the same modules; alpha is twice the rank. Models other than GPT-2 get `all-linear`.
 *
 * @example
 * ```ts
 * methodConfig({ ...DEFAULT_DEMO_OPTIONS, method: 'loha', rank: 4 }, recipe.method, 'gpt2').peft_type; // 'LOHA'
 * ```
 */
export function methodConfig(opts: Pick<DemoOptions, 'method' | 'rank'>, recipe: Readonly<Record<string, unknown>>, modelType: string): Record<string, unknown> {
  const targets = modelType === 'gpt2' ? recipe.target_modules : 'all-linear';
  const common = { task_type: recipe.task_type ?? 'CAUSAL_LM', r: opts.rank, target_modules: targets };
  return opts.method === 'loha' ? { peft_type: 'LOHA', ...common, alpha: 2 * opts.rank } : { ...recipe, ...common, peft_type: 'LORA', lora_alpha: 2 * opts.rank };
}

/**
 * A training file the person picked (JSONL, CSV, or Parquet read one row group at a time), validated
 * and tokenized as `peft train` does with the recipe's format settings.
 *
 * @example
 * ```ts
 * const data = await readPickedData(input.files[0], cfg.data, tokenizer, model.info.vocabSize);
 * ```
 */
export async function readPickedData(file: File, data: { format?: PreparedData['format']; completionOnlyLoss?: boolean; maxLength?: number }, tokenizer: PretrainedTokenizer, vocabSize: number): Promise<PreparedData> {
  const kind = recordKindOf(file.name);
  const parsed = kind === 'parquet' ? await parseParquet(parquetBytes(new Uint8Array(await file.arrayBuffer())), file.name) : readRecords(await file.text(), file.name, { kind });
  const set = loadParsedDataset([parsed], file.name, { tokenizer, vocabSize, completionOnlyLoss: data.completionOnlyLoss, maxLength: data.maxLength ?? 256 });
  return { train: set.examples, format: set.format, labelNames: set.labelNames, notes: [] };
}

/**
 * Loads an adapter from files the user picked (`adapter_config.json` and `adapter_model.safetensors`)
 * onto the trained model as adapter `name` (replacing an earlier one of that name), makes it the
 * active one, and returns its logits for {@link PROBE_TEXT}.
 *
 * @example
 * ```ts
 * input.onchange = async () => show(await loadPickedAdapter(result.peft, result.tokenizer, input.files!));
 * ```
 */
export async function loadPickedAdapter(peft: PeftModel, tokenizer: PretrainedTokenizer, files: FileList | readonly File[], name = 'picked'): Promise<{ inputIds: number[]; logits: Float32Array }> {
  if (peft.peftConfig.has(name)) {
    peft.setAdapter(DEFAULT_ADAPTER);
    peft.deleteAdapter(name);
  }
  await peft.loadAdapter(fileSource(files, 'picked files'), name);
  peft.setAdapter(name);
  return probeLogits(peft, tokenizer);
}

/**
 * The adapted model's logits for {@link PROBE_TEXT} (eval mode, no cache).
 *
 * @example
 * ```ts
 * const { inputIds, logits } = await probeLogits(peft, tokenizer);
 * ```
 */
export async function probeLogits(peft: PeftModel, tokenizer: PretrainedTokenizer): Promise<{ inputIds: number[]; logits: Float32Array }> {
  const inputIds = tokenizer.encode(PROBE_TEXT);
  const backend = peft.parameters().next().value!.backend;
  peft.eval();
  const ids = fromArray(inputIds, [1, inputIds.length], { dtype: 'i32', backend });
  try {
    const logits = peft.forward({ inputIds: ids }).logits;
    try {
      return { inputIds, logits: Float32Array.from(await logits.data()) };
    } finally {
      logits.dispose();
    }
  } finally {
    ids.dispose();
  }
}

async function sampleGenerations(peft: PeftModel, tokenizer: PretrainedTokenizer, pairs: readonly Pair[]): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const p of pairs) {
    const ids = tokenizer.encode(p.prompt);
    const text = (seq: number[]): string => tokenizer.decode(seq.slice(ids.length), { skipSpecialTokens: true });
    const baseOut = await peft.disableAdapter(() => generate(peft, [ids], { maxNewTokens: 6 }));
    const adapted = await generate(peft, [ids], { maxNewTokens: 6 });
    out.push({ prompt: p.prompt, expected: p.completion, base: text(baseOut.sequences[0]), adapter: text(adapted.sequences[0]) });
  }
  return out;
}

interface Pair {
  readonly prompt: string;
  readonly completion: string;
}

function parsePairs(text: string): Pair[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Pair);
}
