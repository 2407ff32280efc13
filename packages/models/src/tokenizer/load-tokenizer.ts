import { FileFormatError } from '@peft/core';
import type { CheckpointSource } from '../checkpoint-source.js';
import { PretrainedTokenizer } from './pretrained-tokenizer.js';

/**
 * Loads a checkpoint's tokenizer: `tokenizer.json` (required) and `tokenizer_config.json` (optional:
 * special tokens, `padding_side`, `chat_template`). A missing or malformed `tokenizer.json` is a
 * `FileFormatError` naming the file.
 *
 * @example
 * ```ts
 * import { directorySource } from '@peft/models/node';
 * const tokenizer = await loadTokenizer(directorySource('./gpt2'));
 * tokenizer.encode('Hello');
 * ```
 */
export async function loadTokenizer(source: CheckpointSource): Promise<PretrainedTokenizer> {
  const json = await source.readText('tokenizer.json');
  if (json === undefined) {
    throw new FileFormatError(`${source.label}/tokenizer.json: not found; expected the Hugging Face fast-tokenizer file (tokenizer.json) beside config.json`);
  }
  const config = await source.readText('tokenizer_config.json');
  return PretrainedTokenizer.fromJSON(json, config, source.label);
}
