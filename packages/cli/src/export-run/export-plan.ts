import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@peft/core';
import { type DatasetFormat, type TrainConfig, inferFormat, splitDataset } from '@peft/train';
import { listCheckpoints, readRecordsFile } from '@peft/train/node';
import type { SourceRecord } from '@peft/train';
import { readDataRecords } from '../hub.js';
import { ADAPTER_TASK_SCHEMA, CHECKPOINT_STEPS_SCHEMA, MODEL_HEAD_SCHEMA, readCheckedJson } from './export-input-schemas.js';
import { pythonPeftConfig } from './peft-config-python.js';
import type { ExportPlan } from './train-script.js';
import { pythonTrainingArguments } from './training-arguments-python.js';

/**
 * Resolves a parsed training config into an {@link ExportPlan}: the step a continued run starts from
 * (`resume_from_checkpoint`, or an `adapter` that is a checkpoint folder: its trainer_state.json's
 * `global_step`), the whole run's steps, the model's head, the dataset format (read from the first
 * record when the config does not give it), the records `eval_split` holds out, the method as a
 * Python PEFT config and the TrainingArguments. Settings with no Python equal are collected in
 * `notMapped`.
 *
 * @example
 * ```ts
 * const plan = await exportPlan(cfg, { label: 'train.json', engine: 'trainer' });
 * ```
 */
export async function exportPlan(cfg: TrainConfig, opts: { label: string; engine: 'trainer' | 'trl' }): Promise<ExportPlan> {
  const notMapped: string[] = [];
  const where = opts.label;
  const { adapter, state } = await continuedAdapter(cfg);
  const resumeStep = state?.global_step ?? 0;
  const totalSteps = cfg.args.maxSteps > 0 ? cfg.args.maxSteps : (state?.total_steps ?? null);
  if (totalSteps !== null && resumeStep >= totalSteps) {
    throw new ConfigError(`${where}: the checkpoint is at step ${resumeStep} and max_steps is ${totalSteps}, so nothing is left to train; raise max_steps (the schedule then runs over the new total)`);
  }
  const format = cfg.data.format ?? inferFormat(await firstRecord(cfg.data.train, cfg.data.split), cfg.data.train);
  const task = await headOf(cfg, adapter, format, where);
  if (opts.engine === 'trl' && format === 'classification') throw new ConfigError(`${where}: TRL's SFTTrainer trains language models; export classification data with --engine trainer`);
  const peftConfig = adapter === undefined ? pythonPeftConfig({ task_type: task, ...cfg.method }, where, (m) => notMapped.push(m)) : undefined;
  let evalIndices: number[] | undefined;
  if (cfg.data.evalSplit !== undefined) {
    const count = await recordCount(cfg.data.train, cfg.data.split);
    const split = splitDataset(
      Array.from({ length: count }, (_, i) => i),
      cfg.data.evalSplit < 1 ? { evalFraction: cfg.data.evalSplit, seed: cfg.args.seed } : { evalCount: cfg.data.evalSplit, seed: cfg.args.seed },
    );
    evalIndices = split.eval;
  }
  const hasEval = cfg.data.eval !== undefined || evalIndices !== undefined;
  const trainingArguments = pythonTrainingArguments(cfg.args, { hasEval, byEpochs: totalSteps === null });
  notMapped.push(...trainingArguments.unmapped);
  if (cfg.data.packing && opts.engine === 'trl') notMapped.push('data.packing: TRL packs its own way (best-fit, no EOS between examples where the template already ends them)');
  if (cfg.torchDType === 'bf16' || cfg.torchDType === 'f16') {
    const name = cfg.torchDType === 'bf16' ? 'bfloat16' : 'float16';
    notMapped.push(`torch_dtype: ${name}: @peft keeps the weight matrices in ${name} and computes in float32; train.py loads float32 (the same numbers). PyTorch with ${name} weights would also compute in ${name}`);
  }
  return {
    configLabel: where,
    engine: opts.engine,
    model: cfg.model,
    revision: cfg.revision,
    task,
    peftConfig,
    adapter,
    resumeStep,
    totalSteps,
    data: {
      train: cfg.data.train,
      eval: cfg.data.eval,
      split: cfg.data.split,
      format,
      maxLength: cfg.data.maxLength,
      completionOnlyLoss: cfg.data.completionOnlyLoss ?? false,
      packing: cfg.data.packing ?? false,
      labels: cfg.data.labels,
      evalIndices,
    },
    quantization: cfg.quantization,
    trainingArguments,
    notMapped,
  };
}

interface CheckpointState {
  readonly global_step: number;
  readonly total_steps?: number;
}

/** The adapter a continued run starts from, and the trainer state beside it when it is a checkpoint. */
async function continuedAdapter(cfg: TrainConfig): Promise<{ adapter?: string; state?: CheckpointState }> {
  let folder = cfg.resumeFromCheckpoint ?? cfg.adapter;
  if (folder === undefined) return {};
  if (folder === 'latest') {
    const latest = (await listCheckpoints(cfg.outputDir)).at(-1);
    if (!latest) throw new ConfigError(`resume_from_checkpoint "latest": ${cfg.outputDir} holds no checkpoint-<step> folder`);
    folder = latest.path;
  }
  const statePath = join(folder, 'trainer_state.json');
  if (!existsSync(statePath)) {
    if (cfg.resumeFromCheckpoint !== undefined) throw new ConfigError(`resume_from_checkpoint: ${folder} has no trainer_state.json; expected a checkpoint-<step> folder`);
    return { adapter: folder };
  }
  const s = await readCheckedJson(statePath, CHECKPOINT_STEPS_SCHEMA, { hint: 'expected the trainer state of a checkpoint-<step> folder' });
  // ours writes total_steps, transformers' Trainer max_steps
  const total = [s.total_steps, s.max_steps].find((n) => n !== undefined && n > 0);
  return { adapter: folder, state: { global_step: s.global_step, total_steps: total } };
}

async function parsedParts(path: string, split?: string): Promise<readonly { records: readonly SourceRecord[] }[]> {
  const parts = await readDataRecords(path, split);
  if (parts) return parts;
  // the reader peft train uses: an unreadable file is a FileFormatError naming it
  return [await readRecordsFile(path)];
}

async function firstRecord(path: string, split?: string): Promise<SourceRecord> {
  const first = (await parsedParts(path, split)).flatMap((p) => p.records)[0];
  if (!first) throw new ConfigError(`${path}: no records to infer the dataset format from; set data.format`);
  return first;
}

async function recordCount(path: string, split?: string): Promise<number> {
  return (await parsedParts(path, split)).reduce((n, p) => n + p.records.length, 0);
}

/** The model's head: the method's task_type, else the adapter's, else classification data, else config.json's architecture. */
async function headOf(cfg: TrainConfig, adapter: string | undefined, format: DatasetFormat, where: string): Promise<'CAUSAL_LM' | 'SEQ_CLS'> {
  let task = cfg.method?.task_type as string | undefined;
  if (task === undefined && adapter !== undefined && existsSync(join(adapter, 'adapter_config.json'))) {
    task = (await readCheckedJson(join(adapter, 'adapter_config.json'), ADAPTER_TASK_SCHEMA)).task_type ?? undefined;
  }
  if (task === undefined && format === 'classification') task = 'SEQ_CLS';
  if (task === undefined && existsSync(join(cfg.model, 'config.json'))) {
    const config = await readCheckedJson(join(cfg.model, 'config.json'), MODEL_HEAD_SCHEMA, { error: 'config' });
    const arch = config.architectures?.[0] ?? '';
    if (arch.endsWith('ForSequenceClassification')) task = 'SEQ_CLS';
    else if (config.is_encoder_decoder) task = 'SEQ_2_SEQ_LM';
  }
  task ??= 'CAUSAL_LM';
  if (task !== 'CAUSAL_LM' && task !== 'SEQ_CLS') throw new ConfigError(`${where}: export-run writes causal-LM and sequence-classification runs; this one is ${task}`);
  return task;
}
