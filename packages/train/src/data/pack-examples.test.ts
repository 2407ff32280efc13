import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@peft/core';
import type { Example } from './example.js';
import { packExamples } from './pack-examples.js';

const ex = (inputIds: number[], labels: number[] = inputIds, attentionMask: number[] = inputIds.map(() => 1)): Example => ({ inputIds, attentionMask, labels });
const EOS = 2;

describe('packExamples', () => {
  it('concatenates examples with an EOS separator and cuts fixed blocks, keeping the last short one', () => {
    const blocks = packExamples([ex([10, 11, 12]), ex([20, 21]), ex([30, 31, 32, 33])], 4, { separatorId: EOS });
    expect(blocks.map((b) => b.inputIds)).toEqual([
      [10, 11, 12, EOS],
      [20, 21, EOS, 30],
      [31, 32, 33],
    ]);
    expect(blocks.map((b) => b.attentionMask)).toEqual([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1]]);
    expect(blocks.map((b) => b.labels)).toEqual(blocks.map((b) => b.inputIds));
  });

  it('does not add a separator after an example that already ends with it', () => {
    const blocks = packExamples([ex([10, EOS]), ex([20, EOS])], 8, { separatorId: EOS });
    expect(blocks.map((b) => b.inputIds)).toEqual([[10, EOS, 20, EOS]]);
  });

  it('carries labels with their tokens, -100 from completion-only loss included', () => {
    const blocks = packExamples([ex([10, 11, 12], [-100, -100, 12]), ex([20, 21], [-100, 21])], 3, { separatorId: EOS });
    expect(blocks.map((b) => b.inputIds)).toEqual([[10, 11, 12], [EOS, 20, 21]]);
    expect(blocks.map((b) => b.labels)).toEqual([[-100, -100, 12], [EOS, -100, 21]]);
  });

  it('drops the short last block with dropRemainder', () => {
    const blocks = packExamples([ex([1, 2, 3, 4, 5])], 2, { dropRemainder: true });
    expect(blocks.map((b) => b.inputIds)).toEqual([[1, 2], [3, 4]]);
  });

  it('leaves out padding (mask 0) of pre-tokenized examples', () => {
    const blocks = packExamples([ex([1, 2, 0], [1, 2, -100], [1, 1, 0]), ex([3])], 8);
    expect(blocks).toEqual([{ inputIds: [1, 2, 3], attentionMask: [1, 1, 1], labels: [1, 2, 3] }]);
  });

  it('refuses classification examples and a bad block size', () => {
    expect(() => packExamples([{ inputIds: [1], attentionMask: [1], labels: 0 }], 4)).toThrow(ArgumentError);
    expect(() => packExamples([{ inputIds: [1], attentionMask: [1], labels: 0 }], 4)).toThrow('packExamples: example 0 has a class label (0); only causal-LM examples with token labels can be packed');
    expect(() => packExamples([ex([1])], 0)).toThrow('packExamples: blockSize must be a positive integer, got 0');
  });
});
