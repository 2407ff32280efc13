import type { CheckpointSource } from '@peft/core';
import { ConfigReader } from '../config-reader.js';
import { parseJsonObject } from '../json-object.js';
import type { GenerateOptions } from './generate.js';

/**
 * Reads a checkpoint's `generation_config.json` (what transformers' `generate` starts from) as
 * {@link GenerateOptions} defaults: `max_new_tokens`, `do_sample`, `temperature`, `top_k`, `top_p`,
 * `eos_token_id` (one id or a list) and `pad_token_id`. Returns `{}` when the file is absent; fields
 * it does not know are left out. Options given to `generate` override these.
 *
 * @example
 * ```ts
 * const defaults = await readGenerationConfig(directorySource('./llama'));
 * await generate(model, ids, { ...defaults, maxNewTokens: 16 });
 * ```
 */
export async function readGenerationConfig(source: CheckpointSource): Promise<GenerateOptions> {
  const where = `${source.label}/generation_config.json`;
  const text = await source.readText('generation_config.json');
  if (text === undefined) return {};
  const r = new ConfigReader(parseJsonObject(text, where), where);
  const out: GenerateOptions = {};
  const set = <K extends keyof GenerateOptions>(key: K, value: GenerateOptions[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  set('maxNewTokens', r.has('max_new_tokens') ? r.index('max_new_tokens') : undefined);
  set('doSample', r.has('do_sample') ? r.bool('do_sample') : undefined);
  set('temperature', r.has('temperature') ? r.num('temperature') : undefined);
  set('topK', r.has('top_k') ? r.index('top_k') : undefined);
  set('topP', r.has('top_p') ? r.num('top_p') : undefined);
  if (r.has('eos_token_id')) out.eosTokenIds = r.ids('eos_token_id');
  set('padTokenId', r.optionalIndex('pad_token_id'));
  return out;
}
