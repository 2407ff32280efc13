import { ArgumentError } from '@peft/core';
import type { Example } from './example.js';

/**
 * Options of {@link packExamples}.
 *
 * @example
 * ```ts
 * const opts: PackOptions = { separatorId: tokenizer.eosTokenId, dropRemainder: true };
 * ```
 */
export interface PackOptions {
  /** A token put between examples (usually EOS), with itself as its label; not added after an example that already ends with it. */
  separatorId?: number;
  /** Drop the last block when it is shorter than `blockSize` (default false: keep it, the collator pads it). */
  dropRemainder?: boolean;
}

/**
 * Packs causal-LM examples into blocks of `blockSize` tokens: the examples' real tokens (attention
 * mask 1) are concatenated in order, with a separator between them, and cut into consecutive blocks
 * ("wrapped" packing: an example may continue into the next block, and tokens of a block attend
 * across example boundaries). Labels travel with their tokens, so -100 from completion-only loss is
 * kept. Classification examples (one class id) cannot be packed: an `ArgumentError`.
 *
 * @example
 * ```ts
 * const blocks = packExamples(examples, 1024, { separatorId: tokenizer.eosTokenId });
 * blocks.every((b) => b.inputIds.length <= 1024); // true
 * ```
 */
export function packExamples(examples: readonly Example[], blockSize: number, opts: PackOptions = {}): Example[] {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new ArgumentError(`packExamples: blockSize must be a positive integer, got ${blockSize}`);
  const sep = opts.separatorId;
  if (sep !== undefined && (!Number.isInteger(sep) || sep < 0)) throw new ArgumentError(`packExamples: separatorId must be a non-negative integer, got ${sep}`);
  const ids: number[] = [];
  const labels: number[] = [];
  examples.forEach((ex, n) => {
    if (!Array.isArray(ex.labels)) throw new ArgumentError(`packExamples: example ${n} has a class label (${ex.labels}); only causal-LM examples with token labels can be packed`);
    if (ex.labels.length !== ex.inputIds.length || ex.attentionMask.length !== ex.inputIds.length) {
      throw new ArgumentError(`packExamples: example ${n} has ${ex.inputIds.length} ids, ${ex.attentionMask.length} mask entries and ${ex.labels.length} labels; expected equal lengths`);
    }
    if (n > 0 && sep !== undefined && ids.length > 0 && ids[ids.length - 1] !== sep) {
      ids.push(sep);
      labels.push(sep);
    }
    for (let i = 0; i < ex.inputIds.length; i++) {
      if (ex.attentionMask[i] === 0) continue;
      ids.push(ex.inputIds[i]);
      labels.push(ex.labels[i]);
    }
  });
  const blocks: Example[] = [];
  for (let start = 0; start < ids.length; start += blockSize) {
    const end = Math.min(ids.length, start + blockSize);
    if (end - start < blockSize && opts.dropRemainder) break;
    blocks.push({ inputIds: ids.slice(start, end), attentionMask: new Array<number>(end - start).fill(1), labels: labels.slice(start, end) });
  }
  return blocks;
}
