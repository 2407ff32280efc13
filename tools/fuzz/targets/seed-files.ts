import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The repository root. @example `ROOT + 'packages/models'` */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Reads a repository file as bytes. @example `await seedBytes('packages/models/test/fixtures/gpt2/model.safetensors')` */
export async function seedBytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(ROOT + path));
}

/** Reads a repository file as text. @example `await seedText('packages/models/test/fixtures/gpt2/config.json')` */
export function seedText(path: string): Promise<string> {
  return readFile(ROOT + path, 'utf8');
}

/** The models' fixture checkpoints (tiny random GPT-2, LLaMA, BERT written by transformers). */
export const MODEL_FIXTURES = ['gpt2', 'llama', 'bert'] as const;

/** The tokenizer fixtures (byte-level BPE with a chat template, metaspace, WordPiece). */
export const TOKENIZER_FIXTURES = ['byte-bpe', 'metaspace', 'wordpiece'] as const;

/** Byte length of a string or bytes. @example `sizeOf('abc') // 3` */
export function sizeOf(...files: (string | Uint8Array | undefined)[]): number {
  let n = 0;
  for (const f of files) n += f === undefined ? 0 : typeof f === 'string' ? Buffer.byteLength(f) : f.length;
  return n;
}
