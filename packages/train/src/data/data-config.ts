import { ConfigError } from '@peft/core';
import { type DatasetFormat, checkFormat } from './dataset-format.js';
import { kindOf } from './source-record.js';

/**
 * The `data` section of a training config: the training file, an optional held-out file, and the
 * format (inferred from the first record when absent).
 *
 * @example
 * ```ts
 * const data: DataConfig = { train: 'data/train.jsonl', eval: 'data/eval.jsonl', format: 'chat' };
 * ```
 */
export interface DataConfig {
  train: string;
  eval?: string;
  format?: DatasetFormat;
}

/**
 * Validates a `data` config object: `train` a non-empty path, `eval` a path when present, `format`
 * one of the dataset formats when present. Anything else (an unknown key too) is a `ConfigError`
 * naming the field.
 *
 * @example
 * ```ts
 * parseDataConfig({ train: 'train.jsonl', format: 'prompt_completion' }); // { train: 'train.jsonl', format: 'prompt_completion' }
 * ```
 */
export function parseDataConfig(raw: unknown, where = 'data'): DataConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${where}: expected an object { "train": PATH, "eval"?: PATH, "format"?: FORMAT }, got ${kindOf(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (key !== 'train' && key !== 'eval' && key !== 'format') throw new ConfigError(`${where}: unknown field "${key}" (expected train, eval, format)`);
  }
  const path = (key: string, required: boolean): string | undefined => {
    const v = r[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') throw new ConfigError(`${where}.${key}: expected a file path, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    return v;
  };
  const out: DataConfig = { train: path('train', true) as string };
  const evalPath = path('eval', false);
  if (evalPath !== undefined) out.eval = evalPath;
  if (r.format !== undefined) out.format = checkFormat(r.format, `${where}.format`);
  return out;
}
