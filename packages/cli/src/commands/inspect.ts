import { ADAPTER_CONFIG_FILE, FileFormatError, type SafetensorsHeader, createCpuBackend, readSafetensorsHeader } from '@peft/core';
import { memoryBreakdown, quantizeModel } from '@peft/qlora';
import { type CheckpointSource, readModelConfig, resolveArchitecture } from '@peft/models';
import { parseCommandArgs } from '../args.js';
import { checkpointFolder, loadModelFrom } from '../checkpoint.js';
import type { Command } from '../command.js';
import type { CliIO } from '../io.js';
import { formatCount, formatTable } from '../format.js';
import { addModelFacts, describeAdapter, formatAdapterReport } from './inspect-adapter.js';
import { HubError } from '@peft/hub';
import { openSource } from '@peft/core/plugin';
import { isHubName } from '../hub.js';
import { ESTIMATE_OPTIONS, printEstimate } from './inspect-estimate.js';
import { UsageError } from '../usage-error.js';

const USAGE = `Usage: peft inspect DIR|ID [--model DIR|ID] [--quantize nf4|fp4] [--revision REV] [--json]
       peft inspect DIR|ID --estimate [--method M] [--batch-size N] [--max-length N] [--gradient-checkpointing]
                    [--quantize nf4|fp4] [--memory-budget SIZE] [--json]

Describes a checkpoint folder or Hub repository (an id such as org/name, fetched into the shared
cache; org/name/subfolder for a named adapter) without loading its weights: the architecture, key config.json fields,
the parameter count, and every tensor's name, shape and dtype from the safetensors header(s)
(model.safetensors, or the shards listed in model.safetensors.index.json).

A PEFT adapter folder (with adapter_config.json) is described too: its method (peft_type), target
modules, rank and alpha, every config key (sorted), the adapter's parameter count and the tensors of
adapter_model.safetensors.

  --model DIR  (adapter folders) also load the adapter onto this base model (on the CPU) and print
               its trainable-parameter line and the modules the config wraps
  --quantize Q (model folders) also load the model on the CPU, quantise its dense layers in 4 bits
               (nf4 or fp4, with double quantisation, as peft train's "quantization" does) and print
               the weights' memory before and after
  --revision R (Hub ids) a branch, tag or commit (default main)
  --estimate   (model folders) forecast the memory of training an adapter on the model, from config.json
               alone (no weight is read): weights as held, adapter, gradients, AdamW state, activations
               of one micro-batch and the peak, within 10% of a measured step (docs/memory.md)
    --method M              a method name (LORA, IA3, LOHA, …) or an adapter config as JSON (default LORA)
    --batch-size N          sequences per micro-batch (default 8)
    --max-length N          tokens per sequence (default 512, or the model's positions when fewer)
    --gradient-checkpointing  recompute each layer in the backward
    --quantize nf4|fp4      QLoRA: the dense layers in 4 bits (and gradient checkpointing, as training does)
    --memory-budget SIZE    say whether it fits SIZE (8GiB, 12GB, bytes)
  --json       print one JSON object instead of the table
  -h, --help   this text
`;

/** config.json fields worth showing, under the names the families use. */
const KEY_FIELDS = [
  'model_type', 'vocab_size', 'hidden_size', 'n_embd', 'num_hidden_layers', 'n_layer', 'num_attention_heads', 'n_head',
  'num_key_value_heads', 'head_dim', 'intermediate_size', 'n_inner', 'max_position_embeddings', 'n_positions', 'hidden_act',
  'activation_function', 'rms_norm_eps', 'layer_norm_eps', 'layer_norm_epsilon', 'rope_theta', 'tie_word_embeddings',
  'bos_token_id', 'eos_token_id', 'pad_token_id', 'num_labels', 'torch_dtype',
];

/** One tensor of the checkpoint as `inspect` reports it. @example `const t: TensorRow = { name: 'wte.weight', shape: [100, 32], dtype: 'F32', file: 'model.safetensors' };` */
export interface TensorRow {
  name: string;
  shape: number[];
  dtype: string;
  file: string;
}

/**
 * `peft inspect`: a checkpoint's architecture, config, parameter count and tensor table, read from
 * config.json and the safetensors headers only.
 *
 * @example
 * ```sh
 * peft inspect ./gpt2 --json
 * peft inspect ./my-lora --model ./gpt2
 * ```
 */
export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'describe a checkpoint or adapter folder (config, parameter count, tensors) without loading weights',
  usage: USAGE,
  async run(argv, { io }) {
    const { values, positionals } = parseCommandArgs('inspect', argv, { json: { type: 'boolean' }, model: { type: 'string' }, quantize: { type: 'string' }, revision: { type: 'string' }, ...ESTIMATE_OPTIONS }, 1);
    if (values.quantize !== undefined && values.quantize !== 'nf4' && values.quantize !== 'fp4') throw new UsageError(`inspect: --quantize expects nf4 or fp4, got "${String(values.quantize)}"`);
    if (positionals.length === 0) throw new UsageError('inspect: the checkpoint folder DIR is required');
    const source = await inspectedSource(positionals[0], values.revision as string | undefined);
    if (await source.has(ADAPTER_CONFIG_FILE)) {
      const report = await describeAdapter(source);
      if (values.model !== undefined) await addModelFacts(report, source, values.model as string, io);
      io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatAdapterReport(report));
      return 0;
    }
    if (values.model !== undefined) throw new UsageError(`inspect: --model DIR applies to adapter folders; ${source.label} has no ${ADAPTER_CONFIG_FILE}`);
    if (values.estimate) {
      await printEstimate(source, values, io, { json: values.json === true, tensors: () => readTensorTable(source) });
      return 0;
    }
    const onlyWithEstimate = Object.keys(ESTIMATE_OPTIONS).find((k) => k !== 'estimate' && values[k] !== undefined);
    if (onlyWithEstimate) throw new UsageError(`inspect: --${onlyWithEstimate} applies to --estimate`);
    const memory = values.quantize === undefined ? undefined : await quantizedMemory(source, values.quantize, io);
    const config = await readModelConfig(source);
    const named = Array.isArray(config.architectures) && typeof config.architectures[0] === 'string' ? config.architectures[0] : undefined;
    let className: string | undefined;
    let support = 'supported';
    try {
      className = resolveArchitecture(config, `${source.label}/config.json`).className;
    } catch (e) {
      support = `not supported by @peft/models (${(e as Error).message.replace(/^.*?unsupported model: /, '')})`;
    }
    const fields: Record<string, unknown> = {};
    for (const key of KEY_FIELDS) if (config[key] !== undefined) fields[key] = config[key];
    const tensors = await readTensorTable(source);
    const parameters = tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    if (values.json) {
      const report = { architecture: named ?? null, className: className ?? null, supported: className !== undefined, modelType: config.model_type ?? null, config: fields, parameters, tensors, ...(memory ? { memory } : {}) };
      io.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    const lines = [
      `checkpoint    ${source.label}`,
      `architecture  ${named ?? '(none listed)'}${className && className !== named ? ` (built as ${className})` : ''}, ${support}`,
      `model_type    ${String(config.model_type ?? '(none)')}`,
      `parameters    ${formatCount(parameters)} (${parameters}) in ${tensors.length} tensors`,
      ...(memory ? [`memory        weights ${mib(memory.floatBytes)} in full precision; ${mib(memory.quantizedBytes)} with ${memory.layers} dense layers in 4 bits (${memory.quantType}, double quantisation)`] : []),
      '',
      'config:',
      ...Object.entries(fields).map(([k, v]) => `  ${k.padEnd(24)} ${JSON.stringify(v)}`),
      '',
    ];
    const files = new Set(tensors.map((t) => t.file));
    const header = files.size > 1 ? ['name', 'shape', 'dtype', 'file'] : ['name', 'shape', 'dtype'];
    const rows = tensors.map((t) => [t.name, `[${t.shape.join(', ')}]`, t.dtype, ...(files.size > 1 ? [t.file] : [])]);
    io.stdout.write(`${lines.join('\n')}\n${formatTable([header, ...rows])}`);
    return 0;
  },
};

/** Weight memory of a model before and after 4-bit quantisation of its dense layers (loaded on the CPU). */
async function quantizedMemory(source: CheckpointSource, quantType: 'nf4' | 'fp4', io: CliIO): Promise<{ quantType: string; layers: number; floatBytes: number; quantizedBytes: number }> {
  const model = await loadModelFrom(source, createCpuBackend(), io);
  model.setRequiresGrad(false); // a frozen base, as it is under an adapter
  const before = memoryBreakdown(model);
  const report = await quantizeModel(model, { quantType, doubleQuant: true });
  const after = memoryBreakdown(model);
  return { quantType, layers: report.modules.length, floatBytes: before.baseWeights + before.baseOther, quantizedBytes: after.baseWeights + after.baseOther };
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

/**
 * Every tensor of a checkpoint from its safetensors header(s): `model.safetensors`, or the shards that
 * `model.safetensors.index.json` lists. Only the headers are read.
 *
 * @example
 * ```ts
 * const rows = await readTensorTable(directorySource('./gpt2'));
 * ```
 */
export async function readTensorTable(source: CheckpointSource): Promise<TensorRow[]> {
  const indexText = await source.readText('model.safetensors.index.json');
  let files: string[];
  if (indexText !== undefined) {
    files = shardsOf(indexText, `${source.label}/model.safetensors.index.json`);
  } else if (await source.has('model.safetensors')) {
    files = ['model.safetensors'];
  } else {
    throw new FileFormatError(`inspect: ${source.label}: no model.safetensors or model.safetensors.index.json (only safetensors checkpoints can be inspected)`);
  }
  const rows: TensorRow[] = [];
  for (const file of files) {
    if (!(await source.has(file))) throw new FileFormatError(`inspect: ${source.label}/${file}: listed in model.safetensors.index.json but missing`);
    const header: SafetensorsHeader = await source.withBytes(file, (bytes) => readSafetensorsHeader(bytes));
    for (const [name, entry] of header.tensors) rows.push({ name, shape: [...entry.shape], dtype: entry.dtype, file });
  }
  return rows;
}

function shardsOf(text: string, where: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(`inspect: ${where}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new FileFormatError(`inspect: ${where}: expected a "weight_map" object of tensor name → shard file`);
  const files = [...new Set(Object.values(map as Record<string, unknown>))];
  const bad = files.find((f) => typeof f !== 'string' || f.includes('/') || f.includes('\\'));
  if (bad !== undefined) throw new FileFormatError(`inspect: ${where}: expected shard file names in weight_map, got ${JSON.stringify(bad)}`);
  return (files as string[]).sort();
}

/** The inspected folder, or for a Hub id its adapter files when it holds an adapter, else its model files. */
async function inspectedSource(name: string, revision: string | undefined): Promise<CheckpointSource> {
  if (!isHubName(name)) return checkpointFolder(name);
  try {
    return await openSource(name, { kind: 'adapter', revision });
  } catch (e) {
    if (e instanceof HubError && (e.reason === 'not-found' || e.reason === 'offline') && e.message.includes(`no ${ADAPTER_CONFIG_FILE}`)) return checkpointFolder(name, revision);
    throw e;
  }
}
