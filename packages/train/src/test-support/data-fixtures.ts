/**
 * Tokenizers for the data layer's tests, read from @peft/models' fixture folders. Not exported from
 * the package.
 */
import { fileURLToPath } from 'node:url';
import { type PretrainedTokenizer, loadTokenizer } from '@peft/models';
import { directorySource } from '@peft/models/node';

const TOKENIZERS = fileURLToPath(new URL('../../../models/test/fixtures/tokenizers/', import.meta.url));

/**
 * Loads a fixture tokenizer: `byte-bpe` (ChatML template, EOS `<|im_end|>`, pad `<|endoftext|>`,
 * left padding), `metaspace` (LLaMA-2 style template with BOS/EOS, right padding), `wordpiece` (BERT).
 *
 * @example
 * ```ts
 * const tokenizer = await fixtureTokenizer('byte-bpe');
 * ```
 */
export function fixtureTokenizer(name: 'byte-bpe' | 'metaspace' | 'wordpiece'): Promise<PretrainedTokenizer> {
  return loadTokenizer(directorySource(TOKENIZERS + name));
}
