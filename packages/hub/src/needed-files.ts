import { SafetensorsIndexSchema } from './hub-api-schemas.js';
import { HubError } from './hub-error.js';
import { checkHubShape } from './hub-shape.js';

/**
 * The shard files a `model.safetensors.index.json` names (its `weight_map`'s values, once each,
 * sorted), after checking the file against {@link SafetensorsIndexSchema}: text that is not JSON, or
 * a map that is missing or names something other than a path inside the repository, is a `HubError`
 * (`malformed`) naming `where` and the field.
 *
 * @example
 * ```ts
 * indexShards('{"weight_map": {"a": "model-1.safetensors"}}', 'org/name/model.safetensors.index.json'); // ['model-1.safetensors']
 * ```
 */
export function indexShards(text: string, where: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new HubError('malformed', `${where}: not valid JSON (${(e as Error).message})`);
  }
  const { weight_map: map } = checkHubShape(SafetensorsIndexSchema, json, where);
  return [...new Set(Object.values(map))].sort();
}

/** The files a base model may need besides its weights: config, generation config, tokenizer. */
export const MODEL_FILES: readonly string[] = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja'];
/** A saved adapter's two files. */
export const ADAPTER_FILES: readonly string[] = ['adapter_config.json', 'adapter_model.safetensors'];

/**
 * The files of a repository (`paths`, at one commit) that a base model or an adapter needs, under a
 * subfolder `prefix` (`''` or `'sub/'`): for a model, the config, generation config, tokenizer files
 * and `model.safetensors`, or the index and the shards its `weight_map` names (read with `readIndex`);
 * for an adapter, its two files. Files the repository lacks are left out (the loader names what is
 * missing), except `model.safetensors` when `paths` may be incomplete (offline).
 *
 * @example
 * ```ts
 * const files = await neededFiles(paths, 'model', '', async (p) => fetchText(p));
 * ```
 */
export async function neededFiles(
  paths: readonly string[],
  kind: 'model' | 'adapter',
  prefix: string,
  readIndex: (path: string) => Promise<string>,
  opts: { incomplete?: boolean } = {},
): Promise<string[]> {
  const has = new Set(paths);
  if (kind === 'adapter') return ADAPTER_FILES.map((f) => prefix + f).filter((p) => has.has(p));
  const out = MODEL_FILES.map((f) => prefix + f).filter((p) => has.has(p));
  const index = `${prefix}model.safetensors.index.json`;
  if (has.has(index)) {
    out.push(index);
    out.push(...indexShards(await readIndex(index), index).map((s) => prefix + s));
  } else if (opts.incomplete || has.has(`${prefix}model.safetensors`)) out.push(`${prefix}model.safetensors`);
  return out;
}
