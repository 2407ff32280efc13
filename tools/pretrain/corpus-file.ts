/** Reading the corpus written by build-corpus.ts. */
import { readFileSync } from 'node:fs';

/** One line of corpus.jsonl. */
export interface CorpusDoc {
  readonly source: string;
  readonly id: string;
  readonly split: 'train' | 'heldout';
  readonly text: string;
}

/**
 * Reads corpus.jsonl.
 *
 * @example
 * ```ts
 * const train = readCorpus('tools/pretrain/data/corpus.jsonl').filter((d) => d.split === 'train');
 * ```
 */
export function readCorpus(path: string): CorpusDoc[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as CorpusDoc);
}
