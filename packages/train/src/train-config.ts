import { parseMemorySize } from './memory/memory-size.js';
import { ConfigError } from '@peft/core';
import { DATASET_FORMATS, type DatasetFormat } from './data/dataset-format.js';
import { DEFAULT_TRAINING_ARGS, type TrainingArgs, resolveTrainingArgs } from './training-args.js';

/**
 * The `data` section of a training config: files (paths relative to the config file), their format
 * (inferred from the first record when absent) and how examples are built.
 *
 * @example
 * ```ts
 * const data: DataConfig = { train: 'train.jsonl', eval: 'eval.jsonl', format: 'prompt_completion', completionOnlyLoss: true };
 * ```
 */
export interface DataConfig {
  readonly train: string;
  readonly eval?: string;
  readonly format?: DatasetFormat;
  /** Tokens per example after truncation (or per packed block). */
  readonly maxLength?: number;
  /** Loss on the completion (assistant) tokens only. */
  readonly completionOnlyLoss?: boolean;
  /** Concatenate examples into blocks of `maxLength` tokens. */
  readonly packing?: boolean;
  /** Hold out this fraction (0 < x < 1) or count (an integer ≥ 1) of the training examples for evaluation when no `eval` file is given. */
  readonly evalSplit?: number;
  /** Class names of a classification dataset, in id order (string labels are mapped through it). */
  readonly labels?: readonly string[];
  /** When `train` is a Hub dataset (an id, or `hf://datasets/org/name`): the split whose data files are read (default `train`). */
  readonly split?: string;
}

/**
 * The `quantization` section of a training config: load the base model's dense layers in 4 bits
 * (QLoRA), with Hugging Face's `BitsAndBytesConfig` names. Only float32 compute is offered.
 *
 * @example
 * ```ts
 * const q: QuantizationConfig = { quantType: 'nf4', doubleQuant: true, skipModules: ['lm_head'] };
 * ```
 */
export interface QuantizationConfig {
  /** `bnb_4bit_quant_type`: 'nf4' (default) or 'fp4'. */
  readonly quantType: 'nf4' | 'fp4';
  /** `bnb_4bit_use_double_quant` (default false). */
  readonly doubleQuant: boolean;
  /** `llm_int8_skip_modules`: dense layers kept in full precision (default: the output head). */
  readonly skipModules?: readonly string[];
}

/**
 * A parsed, validated training config (`peft train --config train.json`).
 *
 * @example
 * ```ts
 * const cfg = parseTrainConfig(JSON.parse(text), { label: 'train.json', baseDir: '.' });
 * cfg.args.learningRate; // 0.001
 * ```
 */
export interface TrainConfig {
  /** The base model: a checkpoint folder or a Hub id (`org/name`). */
  readonly model: string;
  /** For a Hub id: the branch, tag or commit of the model (and of `adapter`, when that is an id). */
  readonly revision?: string;
  /** An adapter to continue training, a folder or a Hub id (or undefined with `method`). */
  readonly adapter?: string;
  /** A new adapter's config: `peft_type` and the method's options as in its adapter_config.json. */
  readonly method?: Readonly<Record<string, unknown>>;
  readonly data: DataConfig;
  readonly outputDir: string;
  readonly args: TrainingArgs;
  /** A checkpoint folder, or 'latest' (the newest under output_dir). */
  readonly resumeFromCheckpoint?: string;
  /** Load the base model's dense layers in 4 bits (QLoRA). */
  readonly quantization?: QuantizationConfig;
  /** The device memory the run may use, in bytes (`memory_budget`: bytes or "8GiB"); undefined: the runner's default. */
  readonly memoryBudget?: number;
  /** Whether a run whose memory forecast passes the budget is refused before loading (`estimate_check`, default true). */
  readonly estimateCheck: boolean;
  /**
   * The dtype the base model's weight matrices are kept in (`torch_dtype`, as transformers'
   * `from_pretrained`: `auto` (default, the checkpoint's), `float32`, `bfloat16`, `float16`).
   */
  readonly torchDType: 'auto' | 'f32' | 'bf16' | 'f16';
}

const TORCH_DTYPES: Readonly<Record<string, TrainConfig['torchDType']>> = { auto: 'auto', float32: 'f32', bfloat16: 'bf16', float16: 'f16' };

/** Training-config keys that are `TrainingArgs` fields (snake_case, as Hugging Face's TrainingArguments). */
const ARG_KEYS: Readonly<Record<string, keyof TrainingArgs>> = Object.fromEntries(
  Object.keys(DEFAULT_TRAINING_ARGS).map((k) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), k as keyof TrainingArgs]),
);
/**
 * Every top-level key of a training config, in documentation order.
 *
 * @example
 * ```ts
 * TRAIN_CONFIG_KEYS.includes('learning_rate'); // true
 * ```
 */
export const TRAIN_CONFIG_KEYS: readonly string[] = ['model', 'revision', 'adapter', 'method', 'data', 'output_dir', 'resume_from_checkpoint', 'quantization', 'memory_budget', 'estimate_check', 'torch_dtype', ...Object.keys(ARG_KEYS)];
const QUANT_KEYS = ['load_in_4bit', 'bnb_4bit_quant_type', 'bnb_4bit_use_double_quant', 'bnb_4bit_compute_dtype', 'llm_int8_skip_modules'];
/**
 * Every key of a training config's `data` section.
 *
 * @example
 * ```ts
 * DATA_CONFIG_KEYS.includes('completion_only_loss'); // true
 * ```
 */
export const DATA_CONFIG_KEYS: readonly string[] = ['train', 'eval', 'format', 'max_length', 'completion_only_loss', 'packing', 'eval_split', 'labels', 'split'];
const TOP_KEYS = TRAIN_CONFIG_KEYS;
const DATA_KEYS = DATA_CONFIG_KEYS;

/**
 * Validates a training config (the parsed JSON of train.json, flags already applied) and resolves its
 * paths against `baseDir`. Keys follow Hugging Face's TrainingArguments (`learning_rate`,
 * `per_device_train_batch_size`, …); every bad field is a ConfigError naming it, what it expects and
 * what came, and an unknown key names the closest known one.
 *
 * @example
 * ```ts
 * const cfg = parseTrainConfig({ model: 'gpt2', method: { peft_type: 'LORA', r: 8 }, data: { train: 'd.jsonl' }, output_dir: 'out' }, { label: 'train.json' });
 * ```
 */
export function parseTrainConfig(raw: unknown, opts: { label: string; baseDir?: string; resolvePath?: (base: string, p: string) => string }): TrainConfig {
  const where = opts.label;
  const resolve = (p: string): string => (opts.baseDir !== undefined && opts.resolvePath ? opts.resolvePath(opts.baseDir, p) : p);
  const obj = object(raw, where, 'the config');
  unknownKeys(obj, TOP_KEYS, where);
  const str = (o: Record<string, unknown>, key: string, at: string, required: boolean): string | undefined => {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) throw new ConfigError(`${at}: "${key}" is required`);
      return undefined;
    }
    if (typeof v !== 'string' || v === '') throw new ConfigError(`${at}: "${key}" must be a non-empty string, got ${show(v)}`);
    return v;
  };
  const model = resolve(str(obj, 'model', where, true)!);
  const adapter = str(obj, 'adapter', where, false);
  const method = obj.method === undefined || obj.method === null ? undefined : object(obj.method, where, '"method"');
  if ((adapter === undefined) === (method === undefined)) {
    throw new ConfigError(`${where}: give exactly one of "adapter" (a folder to continue training) or "method" (a new adapter's config, e.g. { "peft_type": "LORA", "r": 8 }), got ${adapter !== undefined ? 'both' : 'neither'}`);
  }
  if (method && typeof method.peft_type !== 'string') throw new ConfigError(`${where}: "method.peft_type" must be a string such as "LORA", got ${show(method.peft_type)}`);
  const data = parseData(obj.data, `${where}: "data"`, resolve);
  const outputDir = resolve(str(obj, 'output_dir', where, true)!);
  const partial: Partial<TrainingArgs> = {};
  for (const [key, field] of Object.entries(ARG_KEYS)) {
    if (obj[key] === undefined) continue;
    (partial as Record<string, unknown>)[field] = obj[key];
  }
  let args: TrainingArgs;
  try {
    args = resolveTrainingArgs(partial);
  } catch (e) {
    // name the config key, not the TypeScript field
    const msg = (e as Error).message.replace(/^TrainingArgs\.(\w+)/, (_, f: string) => `${where}: "${Object.entries(ARG_KEYS).find(([, v]) => v === f)?.[0] ?? f}"`);
    throw new ConfigError(msg);
  }
  const resume = str(obj, 'resume_from_checkpoint', where, false);
  const quantization = obj.quantization === undefined || obj.quantization === null ? undefined : parseQuantization(obj.quantization, `${where}: "quantization"`);
  const revision = str(obj, 'revision', where, false);
  const memoryBudget = obj.memory_budget === undefined || obj.memory_budget === null ? undefined : parseMemorySize(obj.memory_budget, `${where}: "memory_budget"`);
  if (obj.estimate_check !== undefined && typeof obj.estimate_check !== 'boolean') throw new ConfigError(`${where}: "estimate_check" must be true or false, got ${show(obj.estimate_check)}`);
  const estimateCheck = obj.estimate_check !== false;
  const dtypeName = obj.torch_dtype ?? 'auto';
  const torchDType = typeof dtypeName === 'string' ? TORCH_DTYPES[dtypeName] : undefined;
  if (!torchDType) throw new ConfigError(`${where}: "torch_dtype" must be one of ${Object.keys(TORCH_DTYPES).join(', ')}, got ${show(obj.torch_dtype)}`);
  return { quantization, memoryBudget, estimateCheck, torchDType, model, revision, adapter: adapter === undefined ? undefined : resolve(adapter), method, data, outputDir, args, resumeFromCheckpoint: resume === undefined || resume === 'latest' ? resume : resolve(resume) };
}

function parseData(raw: unknown, at: string, resolve: (p: string) => string): DataConfig {
  if (raw === undefined) throw new ConfigError(`${at} is required: { "train": "train.jsonl", "eval"?: "eval.jsonl", "format"?: "${DATASET_FORMATS.join('" | "')}" }`);
  const d = object(raw, at, '"data"');
  unknownKeys(d, DATA_KEYS, at);
  if (typeof d.train !== 'string' || d.train === '') throw new ConfigError(`${at}.train must be a path to the training file, got ${show(d.train)}`);
  if (d.eval !== undefined && (typeof d.eval !== 'string' || d.eval === '')) throw new ConfigError(`${at}.eval must be a path, got ${show(d.eval)}`);
  if (d.format !== undefined && !(DATASET_FORMATS as readonly unknown[]).includes(d.format)) throw new ConfigError(`${at}.format must be one of ${DATASET_FORMATS.join(', ')}, got ${show(d.format)}`);
  if (d.max_length !== undefined && !(Number.isInteger(d.max_length) && (d.max_length as number) >= 2)) throw new ConfigError(`${at}.max_length must be an integer >= 2, got ${show(d.max_length)}`);
  for (const k of ['completion_only_loss', 'packing'] as const) if (d[k] !== undefined && typeof d[k] !== 'boolean') throw new ConfigError(`${at}.${k} must be true or false, got ${show(d[k])}`);
  const split = d.eval_split;
  if (split !== undefined && !(typeof split === 'number' && ((split > 0 && split < 1) || (Number.isInteger(split) && split >= 1)))) {
    throw new ConfigError(`${at}.eval_split must be a fraction in (0, 1) or a count >= 1, got ${show(split)}`);
  }
  if (split !== undefined && d.eval !== undefined) throw new ConfigError(`${at}: give "eval" (a file) or "eval_split" (held out from train), not both`);
  if (d.labels !== undefined && !(Array.isArray(d.labels) && d.labels.length >= 2 && d.labels.every((l) => typeof l === 'string'))) {
    throw new ConfigError(`${at}.labels must be a list of at least two class names, got ${show(d.labels)}`);
  }
  if (d.split !== undefined && (typeof d.split !== 'string' || !/^[\w.-]+$/.test(d.split))) throw new ConfigError(`${at}.split must be a split name such as "train", got ${show(d.split)}`);
  if (d.packing === true && d.max_length === undefined) throw new ConfigError(`${at}.packing needs max_length (the block size)`);
  return {
    train: resolve(d.train),
    eval: d.eval === undefined ? undefined : resolve(d.eval),
    format: d.format as DatasetFormat | undefined,
    maxLength: d.max_length as number | undefined,
    completionOnlyLoss: d.completion_only_loss as boolean | undefined,
    packing: d.packing as boolean | undefined,
    evalSplit: split,
    labels: d.labels,
    split: d.split,
  };
}

function parseQuantization(raw: unknown, at: string): QuantizationConfig {
  const q = object(raw, at, '"quantization"');
  unknownKeys(q, QUANT_KEYS, at);
  if (q.load_in_4bit !== true) throw new ConfigError(`${at}.load_in_4bit must be true (4-bit loading is the only quantisation offered), got ${show(q.load_in_4bit)}`);
  const type = q.bnb_4bit_quant_type ?? 'nf4';
  if (type !== 'nf4' && type !== 'fp4') throw new ConfigError(`${at}.bnb_4bit_quant_type must be "nf4" or "fp4", got ${show(type)}`);
  const double = q.bnb_4bit_use_double_quant ?? false;
  if (typeof double !== 'boolean') throw new ConfigError(`${at}.bnb_4bit_use_double_quant must be true or false, got ${show(double)}`);
  const compute = q.bnb_4bit_compute_dtype ?? 'float32';
  if (compute !== 'float32') throw new ConfigError(`${at}.bnb_4bit_compute_dtype: only "float32" compute is offered, got ${show(compute)}`);
  const skip = q.llm_int8_skip_modules;
  if (skip !== undefined && skip !== null && !(Array.isArray(skip) && skip.every((m) => typeof m === 'string'))) {
    throw new ConfigError(`${at}.llm_int8_skip_modules must be a list of module names, got ${show(skip)}`);
  }
  return { quantType: type, doubleQuant: double, skipModules: skip ?? undefined };
}

function object(v: unknown, at: string, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${at}: ${what} must be a JSON object, got ${show(v)}`);
  return v as Record<string, unknown>;
}

function unknownKeys(o: Record<string, unknown>, known: readonly string[], at: string): void {
  for (const k of Object.keys(o)) {
    if (known.includes(k)) continue;
    const near = closest(k, known);
    throw new ConfigError(`${at}: unknown key "${k}"${near ? ` (did you mean "${near}"?)` : ''}; known keys: ${known.join(', ')}`);
  }
}

/** The known key nearest to `k` by edit distance, when it is close. */
function closest(k: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(k.length / 3)) + 1;
  for (const c of known) {
    const d = editDistance(k.toLowerCase().replace(/-/g, '_'), c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
