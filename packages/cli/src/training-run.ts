import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Backend, ConfigError, PeftModel, type PretrainedModel, getPeftModel, manualSeed } from '@peft/core';
import type { CheckpointSource, PretrainedTokenizer } from '@peft/models';
import { type EvalMetrics, MetricsLog, type PreparedData, ProgressReporter, type TrainConfig, type TrainResult, Trainer, batchSource, disposeBatch, lossCurveSvg, lossSeriesFromMetrics, prepareData } from '@peft/train';
import { metricsFileStore } from '@peft/train/node';
import { activationBytes, memoryBreakdown, prepareModelForKbitTraining, quantizeModel } from '@peft/qlora';
import { checkpointFolder, loadModelFrom, optionalTokenizer } from './checkpoint.js';
import type { CliIO, TextSink } from './io.js';
import { adapterModelCard } from '@peft/hub';
import { isHubName, readDataRecords } from './hub.js';
import { cliRegistry } from './methods.js';

/**
 * Everything a training run needs once loaded: the base checkpoint, the model with its adapter, the
 * tokenizer and the prepared examples.
 *
 * @example
 * ```ts
 * const setup = await loadTraining(cfg, backend, io);
 * ```
 */
export interface TrainingSetup {
  readonly source: CheckpointSource;
  readonly peft: PeftModel;
  readonly tokenizer?: PretrainedTokenizer;
  readonly data: PreparedData;
}

/**
 * Loads the base model, puts the adapter on it (a new one from `method`, or `adapter` loaded
 * trainable), and reads the datasets. Notes go to stderr (or to `opts.warn`).
 *
 * @example
 * ```ts
 * const { peft, data } = await loadTraining(cfg, session.backend, io);
 * ```
 */
export async function loadTraining(cfg: TrainConfig, backend: Backend, io: CliIO, opts?: { warn?: (message: string) => void }): Promise<TrainingSetup> {
  const warn = opts?.warn ?? ((m: string): void => void io.stderr.write(`peft: note: ${m}\n`));
  const source = await checkpointFolder(cfg.model, cfg.revision);
  const model = await loadModelFrom(source, backend, io, cfg.torchDType);
  if (cfg.quantization) {
    const q = cfg.quantization;
    const report = await quantizeModel(model, { quantType: q.quantType, doubleQuant: q.doubleQuant, ...(q.skipModules ? { skipModules: q.skipModules } : {}) });
    prepareModelForKbitTraining(model);
    warn(`loaded ${report.modules.length} dense layers in 4 bits (${q.quantType}${q.doubleQuant ? ', double quantisation' : ''}): ${mb(report.floatBytes)} → ${mb(report.quantizedBytes)}`);
  }
  const tokenizer = await optionalTokenizer(source);
  manualSeed(cfg.args.seed);
  const registry = cliRegistry();
  // prompt tuning's TEXT init encodes its text with the base model's tokenizer (special tokens included, as PEFT)
  const tokenize = tokenizer ? (text: string): number[] => tokenizer.encode(text) : undefined;
  let peft: PeftModel;
  if (cfg.adapter) {
    peft = await PeftModel.fromPretrained(model, cfg.adapter, { registry, isTrainable: true, warn, tokenize });
  } else {
    const raw = { ...cfg.method! };
    if (raw.task_type === undefined) raw.task_type = TASK_TYPES[model.info.task];
    const method = registry.get(String(raw.peft_type), 'peft train');
    const config = method.schema.parse(raw, { warn, where: 'method' });
    peft = await getPeftModel(model, config, { registry, warn, tokenize });
  }
  const data = await prepareData(cfg.data, {
    tokenizer,
    vocabSize: model.info.vocabSize,
    numLabels: numLabelsOf(model),
    seed: cfg.args.seed,
    readText: (p) => readFile(p, 'utf8'),
    seq2seq: model.info.task === 'seq2seq-lm',
    readRecords: (p) => readDataRecords(p, p === cfg.data.train ? cfg.data.split : 'validation'),
  });
  for (const n of data.notes) warn(n);
  if (data.train.length === 0) throw new ConfigError(`${cfg.data.train}: no training examples`);
  return { source, peft, tokenizer, data };
}

/**
 * Trains with progress on `progressOut` (a bar in a terminal, lines otherwise), metrics in
 * `output_dir/metrics.jsonl`, checkpoints every `save_steps`; then saves the adapter and
 * `loss_curve.svg` into `output_dir`.
 *
 * @example
 * ```ts
 * const result = await trainAndSave(cfg, setup, process.stderr);
 * ```
 */
export async function trainAndSave(cfg: TrainConfig, setup: TrainingSetup, progressOut: TextSink & { isTTY?: boolean; columns?: number }, opts?: { quiet?: boolean }): Promise<{ result: TrainResult; finalEval?: EvalMetrics }> {
  const { peft, data, tokenizer } = setup;
  const a = cfg.args;
  const source = batchSource(data.train, { batchSize: a.perDeviceTrainBatchSize, shuffle: a.shuffle, seed: a.seed, tokenizer });
  const resumeStep = cfg.resumeFromCheckpoint ? await checkpointStep(cfg) : undefined;
  const log = await MetricsLog.open(metricsFileStore(cfg.outputDir), { resumeFromStep: resumeStep ?? 0 });
  let progress: ProgressReporter | undefined;
  const trainer = new Trainer(peft, {
    args: a,
    train: source,
    evalExamples: data.eval,
    outputDir: cfg.outputDir,
    callbacks: {
      onLog: (line) => log.log(line),
      onStep: (s) => progress?.update(s.step, { loss: s.loss, lr: s.learningRate, tokens: s.tokens }),
    },
  });
  if (!opts?.quiet && resumeStep === undefined) progressOut.write(`${await memoryLine(setup, source, a.perDeviceTrainBatchSize)}\n`);
  if (!opts?.quiet) {
    const out = { write: (text: string) => void progressOut.write(text), isTTY: progressOut.isTTY, columns: progressOut.columns };
    progress = new ProgressReporter(out, { total: trainer.totalSteps, label: 'train', startStep: resumeStep ?? 0, logEverySteps: a.loggingSteps });
  }
  let result: TrainResult;
  try {
    result = await trainer.train({ resumeFrom: cfg.resumeFromCheckpoint });
  } finally {
    progress?.finish();
    await log.close();
  }
  await peft.saveAdapter(cfg.outputDir);
  const { writeFileAtomic, writeAll } = await import('@peft/core/node');
  const svg = lossCurveSvg(lossSeriesFromMetrics(log.entries), { title: `${peft.peftConfig.get(peft.activeAdapter)?.peftType ?? 'adapter'} training loss` });
  await writeFileAtomic(join(cfg.outputDir, 'loss_curve.svg'), (h) => writeAll(h, new TextEncoder().encode(svg)));
  // the model card PEFT's save_pretrained writes beside the adapter, with what it was trained on and with
  const files = await peft.adapterFiles();
  const card = adapterModelCard({
    adapterConfig: JSON.parse(files.config) as Record<string, unknown>,
    datasets: [cfg.data.train, ...(cfg.data.eval ? [cfg.data.eval] : [])].map((p) => (isHubName(p) ? p : basename(p))),
    training: {
      steps: result.globalStep,
      learningRate: a.learningRate,
      batchSize: a.perDeviceTrainBatchSize * a.gradientAccumulationSteps,
      finalLoss: result.losses.at(-1),
      evalLoss: result.evaluations.at(-1)?.loss,
      backend: peft.parameters().next().value?.backend.description,
    },
  });
  await writeFileAtomic(join(cfg.outputDir, 'README.md'), (h) => writeAll(h, new TextEncoder().encode(card)));
  return { result, finalEval: result.evaluations.at(-1) };
}

/**
 * One line of where the memory goes: base weights (4-bit ones counted packed), other frozen tensors,
 * adapters, AdamW's moments, and the activations one training micro-batch keeps for the backward
 * (measured on the first batch).
 */
async function memoryLine(setup: TrainingSetup, source: ReturnType<typeof batchSource>, batchSize: number): Promise<string> {
  const m = memoryBreakdown(setup.peft);
  const batch = source.collate(setup.data.train.slice(0, batchSize), setup.peft.parameters().next().value!.backend);
  let act: number;
  try {
    const wasTraining = setup.peft.training;
    setup.peft.train();
    act = await activationBytes(setup.peft, () => setup.peft.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, labels: batch.labels }).loss!);
    if (!wasTraining) setup.peft.eval();
  } finally {
    disposeBatch(batch);
  }
  return `memory: base weights ${mb(m.baseWeights)}, other frozen ${mb(m.baseOther)}, adapters ${mb(m.adapters)}, optimizer state ${mb(m.optimizerState)}, activations ${mb(act)} per micro-batch of ${batchSize}`;
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

/** The step of the checkpoint a run resumes from (for trimming the metrics log). */
async function checkpointStep(cfg: TrainConfig): Promise<number> {
  const { listCheckpoints } = await import('@peft/train/node');
  if (cfg.resumeFromCheckpoint === 'latest') {
    const latest = (await listCheckpoints(cfg.outputDir)).at(-1);
    if (!latest) throw new ConfigError(`resume_from_checkpoint "latest": ${cfg.outputDir} holds no checkpoint-<step> folder`);
    return latest.step;
  }
  const m = /checkpoint-(\d+)\/?$/.exec(cfg.resumeFromCheckpoint!);
  if (!m) throw new ConfigError(`resume_from_checkpoint: expected a checkpoint-<step> folder or "latest", got ${cfg.resumeFromCheckpoint}`);
  return Number(m[1]);
}

/** PEFT's task_type for a model's head (none for a bare body). */
const TASK_TYPES: Readonly<Record<PretrainedModel['info']['task'], string | undefined>> = {
  'causal-lm': 'CAUSAL_LM',
  'sequence-classification': 'SEQ_CLS',
  'seq2seq-lm': 'SEQ_2_SEQ_LM',
  base: undefined,
};

/** The number of classes of a classifier (undefined for language models). */
function numLabelsOf(model: PretrainedModel): number | undefined {
  if (model.info.task !== 'sequence-classification') return undefined;
  const c = model.config as { num_labels?: unknown; id2label?: unknown };
  if (typeof c.id2label === 'object' && c.id2label !== null) return Object.keys(c.id2label).length;
  return typeof c.num_labels === 'number' ? c.num_labels : 2;
}
