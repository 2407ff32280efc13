import { readFile } from 'node:fs/promises';
import { ConfigError, FileFormatError } from '@peft/core';
import { validateShape } from '@peft/core/plugin';
import * as v from 'valibot';

const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

/**
 * The fields `peft export-run` reads from a checkpoint's `trainer_state.json` to continue it: the step
 * reached (`global_step`) and the whole run's steps, as @peft writes them (`total_steps`) or as
 * transformers' Trainer does (`max_steps`). Not strict: the rest of either writer's state is not read
 * here (@peft's own reader checks its file strictly when training resumes).
 *
 * @example
 * ```ts
 * const state = validateShape(CHECKPOINT_STEPS_SCHEMA, JSON.parse(text), { file: 'run/checkpoint-30/trainer_state.json' });
 * ```
 */
export const CHECKPOINT_STEPS_SCHEMA = v.object({
  global_step: count,
  total_steps: v.optional(count),
  max_steps: v.optional(v.pipe(v.number(), v.safeInteger())),
});

/**
 * The field `peft export-run` reads from an adapter's `adapter_config.json` to pick the model's head:
 * `task_type` (absent or `null` when the adapter does not say). Other fields are the method's.
 *
 * @example
 * ```ts
 * const { task_type } = validateShape(ADAPTER_TASK_SCHEMA, JSON.parse(text), { file: 'adapter/adapter_config.json' });
 * ```
 */
export const ADAPTER_TASK_SCHEMA = v.object({ task_type: v.nullish(v.string()) });

/**
 * The fields `peft export-run` reads from a base model's `config.json` to pick the model's head: the
 * class names in `architectures` and `is_encoder_decoder`. Other fields are ignored, as transformers
 * ignores keys its config class does not read.
 *
 * @example
 * ```ts
 * const head = validateShape(MODEL_HEAD_SCHEMA, JSON.parse(text), { file: 'gpt2/config.json', error: 'config' });
 * ```
 */
export const MODEL_HEAD_SCHEMA = v.object({
  architectures: v.nullish(v.array(v.string())),
  is_encoder_decoder: v.nullish(v.boolean()),
});

/**
 * Reads a JSON file and checks it against `schema`: a file that cannot be read, is not JSON or does
 * not fit is a `FileFormatError` (a `ConfigError` with `error: 'config'`) naming the file and, for a
 * misfit, the field.
 *
 * @example
 * ```ts
 * const state = await readCheckedJson(join(folder, 'trainer_state.json'), CHECKPOINT_STEPS_SCHEMA);
 * ```
 */
export async function readCheckedJson<S extends v.GenericSchema>(path: string, schema: S, opts: { error?: 'file-format' | 'config'; hint?: string } = {}): Promise<v.InferOutput<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    const message = `${path}: cannot read it as JSON (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})${opts.hint ? `; ${opts.hint}` : ''}`;
    throw opts.error === 'config' ? new ConfigError(message) : new FileFormatError(message);
  }
  return validateShape(schema, raw, { file: path, ...opts });
}
