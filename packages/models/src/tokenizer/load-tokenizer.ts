import { FileFormatError, type CheckpointSource } from '@peft/core';
import { openSource } from '@peft/core/plugin';
import { parseJsonObject } from '../json-object.js';
import { PretrainedTokenizer } from './pretrained-tokenizer.js';

/**
 * Loads a checkpoint's tokenizer (a source, a folder path, or a Hub id once a resolver is installed): `tokenizer.json` (required) and `tokenizer_config.json` (optional:
 * special tokens, `padding_side`, `chat_template`; a `chat_template.jinja` file, as newer transformers
 * write, takes precedence). A missing or malformed `tokenizer.json` is a
 * `FileFormatError` naming the file.
 *
 * @example
 * ```ts
 * import { directorySource } from '@peft/models/node';
 * const tokenizer = await loadTokenizer(directorySource('./gpt2'));
 * tokenizer.encode('Hello');
 * ```
 */
export async function loadTokenizer(from: string | CheckpointSource, opts: { revision?: string } = {}): Promise<PretrainedTokenizer> {
  const source = typeof from === 'string' ? await openSource(from, { kind: 'model', revision: opts.revision }) : from;
  const json = await source.readText('tokenizer.json');
  if (json === undefined) {
    throw new FileFormatError(`${source.label}/tokenizer.json: not found; expected the Hugging Face fast-tokenizer file (tokenizer.json) beside config.json`);
  }
  let config = await source.readText('tokenizer_config.json');
  // newer transformers save the chat template beside the config, in its own file
  const template = await source.readText('chat_template.jinja');
  if (template !== undefined) {
    const parsed = config === undefined ? {} : parseJsonObject(config, `${source.label}/tokenizer_config.json`);
    config = JSON.stringify({ ...parsed, chat_template: template });
  }
  return PretrainedTokenizer.fromJSON(json, config, source.label);
}
