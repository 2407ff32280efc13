/**
 * The corpus as two token streams (train and held-out): every document encoded with the base
 * model's tokenizer and followed by `<|endoftext|>`. Cached beside the corpus, keyed by the hashes of
 * the corpus and the tokenizer, as little-endian u16 files.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PretrainedTokenizer } from '../../packages/models/src/index.js';
import { readCorpus } from './corpus-file.js';

/** Token ids of the training and the held-out documents. */
export interface TokenStreams {
  readonly train: Uint16Array;
  readonly heldout: Uint16Array;
}

/**
 * Encodes the corpus (or reads the cached encoding).
 *
 * @example
 * ```ts
 * const { train, heldout } = tokenStreams('data/corpus.jsonl', tokenizerText, tokenizer, eosId);
 * ```
 */
export function tokenStreams(corpusPath: string, tokenizerText: string, tokenizer: PretrainedTokenizer, eosId: number): TokenStreams {
  const hash = createHash('sha256').update(readFileSync(corpusPath)).update(tokenizerText).digest('hex').slice(0, 12);
  const dir = join(corpusPath, '..');
  const files = { train: join(dir, `tokens-${hash}-train.u16`), heldout: join(dir, `tokens-${hash}-heldout.u16`) };
  if (existsSync(files.train) && existsSync(files.heldout)) {
    const read = (p: string) => {
      const b = readFileSync(p);
      return new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    };
    return { train: read(files.train), heldout: read(files.heldout) };
  }
  const ids: Record<'train' | 'heldout', number[]> = { train: [], heldout: [] };
  for (const d of readCorpus(corpusPath)) {
    const out = ids[d.split];
    for (const t of tokenizer.encode(d.text, { addSpecialTokens: false })) out.push(t);
    out.push(eosId);
  }
  const streams = { train: Uint16Array.from(ids.train), heldout: Uint16Array.from(ids.heldout) };
  writeFileSync(files.train, streams.train);
  writeFileSync(files.heldout, streams.heldout);
  return streams;
}
