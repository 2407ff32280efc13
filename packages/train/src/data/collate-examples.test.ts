import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, ConfigError, createCpuBackend } from '@peft/core';
import { PretrainedTokenizer } from '@peft/models';
import { collateExamples, createCollator, padExamples } from './collate-examples.js';
import type { Example } from './example.js';
import { fixtureTokenizer } from '../test-support/data-fixtures.js';

const ex = (inputIds: number[], labels: number[] | number = inputIds): Example => ({ inputIds, attentionMask: inputIds.map(() => 1), labels });
const backend = createCpuBackend();

describe('padExamples', () => {
  const rows = [ex([5, 6, 7], [-100, 6, 7]), ex([8])];

  it('pads on the right to the longest example: pad ids, mask 0, labels -100', () => {
    expect(padExamples(rows, { padTokenId: 0 })).toEqual({
      inputIds: [[5, 6, 7], [8, 0, 0]],
      attentionMask: [[1, 1, 1], [1, 0, 0]],
      labels: [[-100, 6, 7], [8, -100, -100]],
    });
  });

  it('pads on the left when asked', () => {
    expect(padExamples(rows, { padTokenId: 9, paddingSide: 'left' })).toEqual({
      inputIds: [[5, 6, 7], [9, 9, 8]],
      attentionMask: [[1, 1, 1], [0, 0, 1]],
      labels: [[-100, 6, 7], [-100, -100, 8]],
    });
  });

  it('pads to a fixed length, or up to a multiple', () => {
    expect(padExamples(rows, { padTokenId: 0, padTo: 5 }).inputIds).toEqual([[5, 6, 7, 0, 0], [8, 0, 0, 0, 0]]);
    expect(padExamples(rows, { padTokenId: 0, padToMultipleOf: 4 }).inputIds).toEqual([[5, 6, 7, 0], [8, 0, 0, 0]]);
    expect(() => padExamples(rows, { padTokenId: 0, padTo: 2 })).toThrow('padExamples: example 0 has 3 tokens, more than padTo (2); truncate with maxLength first');
  });

  it('keeps class ids as one label per row', () => {
    expect(padExamples([ex([1, 2], 1), ex([3], 0)], { padTokenId: 0 }).labels).toEqual([1, 0]);
  });

  it('rejects an empty batch, mixed label kinds and a bad side', () => {
    expect(() => padExamples([], { padTokenId: 0 })).toThrow('padExamples: expected at least one example, got none');
    expect(() => padExamples([ex([1], 1), ex([2])], { padTokenId: 0 })).toThrow('padExamples: example 1 has token labels but example 0 has a class id');
    expect(() => padExamples(rows, { padTokenId: 0, paddingSide: 'top' as 'left' })).toThrow(ArgumentError);
  });
});

describe('collateExamples', () => {
  it('makes i32 tensors [batch, len] and counts tokens and loss positions', async () => {
    const batch = collateExamples([ex([5, 6, 7], [-100, 6, 7]), ex([8, 9], [8, -100])], { padTokenId: 0, backend });
    expect(batch.inputIds.dtype).toBe('i32');
    expect(batch.inputIds.shape).toEqual([2, 3]);
    expect(batch.attentionMask.shape).toEqual([2, 3]);
    expect(batch.labels.shape).toEqual([2, 3]);
    expect(Array.from(await batch.inputIds.data())).toEqual([5, 6, 7, 8, 9, 0]);
    expect(Array.from(await batch.attentionMask.data())).toEqual([1, 1, 1, 1, 1, 0]);
    expect(Array.from(await batch.labels.data())).toEqual([-100, 6, 7, 8, -100, -100]);
    expect(batch.tokens).toBe(5);
    expect(batch.targets).toBe(2); // 6 and 7; the first position of a row is never a target
    expect(batch.classLabels).toBeUndefined();
  });

  it('makes class labels a [batch] tensor', async () => {
    const batch = collateExamples([ex([1, 2], 2), ex([3], 0)], { padTokenId: 0, backend });
    expect(batch.labels.shape).toEqual([2]);
    expect(batch.labels.dtype).toBe('i32');
    expect(Array.from(await batch.labels.data())).toEqual([2, 0]);
    expect(batch.targets).toBe(2);
    expect(batch.classLabels).toEqual([2, 0]);
  });
});

describe('createCollator', () => {
  let bpe: PretrainedTokenizer;
  beforeAll(async () => {
    bpe = await fixtureTokenizer('byte-bpe'); // pad <|endoftext|> = 0, padding_side left
  });

  it('takes the pad id and side from the tokenizer', async () => {
    const batch = createCollator(bpe)([ex([5, 6]), ex([7])], backend);
    expect(Array.from(await batch.inputIds.data())).toEqual([5, 6, bpe.padTokenId, 7]);
    expect(Array.from(await batch.attentionMask.data())).toEqual([1, 1, 0, 1]);
  });

  it('lets options override the tokenizer', async () => {
    const batch = createCollator(bpe, { paddingSide: 'right', padTokenId: 9 })([ex([5, 6]), ex([7])], backend);
    expect(Array.from(await batch.inputIds.data())).toEqual([5, 6, 7, 9]);
  });

  it('falls back to EOS, and fails clearly without pad or EOS', async () => {
    const llama = await fixtureTokenizer('metaspace'); // no pad token, EOS </s>
    const batch = createCollator(llama)([ex([5, 6]), ex([7])], backend);
    expect(Array.from(await batch.inputIds.data())).toEqual([5, 6, 7, llama.eosTokenId]);
    const bare = new PretrainedTokenizer({ model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: 'a' } }, {}, 'bare');
    expect(() => createCollator(bare)).toThrow(ConfigError);
    expect(() => createCollator(bare)).toThrow('bare: createCollator: the tokenizer has no pad_token or eos_token to pad with; pass padTokenId');
  });
});
