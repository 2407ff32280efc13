import { describe, expect, it } from 'vitest';
import { directorySource } from '@peft/core/node';
import { generate, loadPretrained, loadTokenizer } from '@peft/models';
import { fixtureModelDir } from '@peft/testing';
import { completionAccuracy } from '../completion-accuracy.js';
import { collateExamples } from './collate-examples.js';
import { loadDataset } from './load-dataset.js';

/** A tiny T5 with a SentencePiece (Unigram) tokenizer.json (tools/t5-variants.py). */
const T5_DIR = fixtureModelDir('variants/t5-tokenizer');

describe('encoder-decoder (seq2seq) data', () => {
  it('turns text/target and prompt/completion pairs into encoder inputs and target labels, each ending with </s>', async () => {
    const tokenizer = await loadTokenizer(directorySource(T5_DIR));
    const text = '{"text":"sentiment: i loved this film","target":"positive"}\n{"prompt":"sentiment: this was a terrible meal","completion":"negative"}\n';
    const ds = loadDataset(text, 'train.jsonl', { tokenizer, seq2seq: true });
    expect(ds.format).toBe('prompt_completion');
    expect(ds.examples[0]).toEqual({
      inputIds: tokenizer.encode('sentiment: i loved this film'),
      attentionMask: tokenizer.encode('sentiment: i loved this film').map(() => 1),
      labels: tokenizer.encode('positive'),
      seq2seq: true,
    });
    expect(ds.examples[1].labels).toEqual(tokenizer.encode('negative'));
    expect((ds.examples[0].labels as number[]).at(-1)).toBe(1);
    const cut = loadDataset(text, 'train.jsonl', { tokenizer, seq2seq: true, maxLength: 3 });
    expect(cut.truncated).toBe(2);
    expect(cut.examples.every((e) => e.inputIds.length <= 3 && (e.labels as number[]).length <= 3)).toBe(true);
  });

  it('refuses records that are not source/target pairs, saying what to give', async () => {
    const tokenizer = await loadTokenizer(directorySource(T5_DIR));
    expect(() => loadDataset('{"text":"only a text"}\n', 'train.jsonl', { tokenizer, seq2seq: true })).toThrow(
      'train.jsonl line 1: an encoder-decoder trains on source/target pairs; expected "prompt" and "completion" strings, "text" and "target", or "input_ids" with "labels", got a text record',
    );
    expect(() => loadDataset('{"input_ids":[3,4]}\n', 'train.jsonl', { tokenizer, seq2seq: true })).toThrow('needs "labels", the list of target ids');
  });

  it('pads the encoder inputs and the target labels each to their own longest, labels with -100', () => {
    const batch = collateExamples(
      [
        { inputIds: [5, 6, 7], attentionMask: [1, 1, 1], labels: [8, 1], seq2seq: true },
        { inputIds: [5], attentionMask: [1], labels: [9, 9, 9, 1], seq2seq: true },
      ],
      { padTokenId: 0 },
    );
    expect(batch.inputIds.shape).toEqual([2, 3]);
    expect(batch.labels.shape).toEqual([2, 4]);
    expect(batch.targets).toBe(6);
    expect(batch.tokens).toBe(4);
    expect(() => collateExamples([{ inputIds: [5], attentionMask: [1], labels: [8], seq2seq: true }, { inputIds: [5], attentionMask: [1], labels: [5] }], { padTokenId: 0 })).toThrow(
      'example 1 is not an encoder-decoder example',
    );
  });

  it('scores a generation-based accuracy on the decoder’s tokens', async () => {
    const source = directorySource(T5_DIR);
    const [model, tokenizer] = await Promise.all([loadPretrained(source, { onWarning: () => {} }), loadTokenizer(source)]);
    const prompts = ['sentiment: i loved this film', 'translate English to German: the cat sleeps'];
    const result = await completionAccuracy(model, tokenizer, prompts.map((prompt) => ({ prompt, completion: 'positive' })), { batchSize: 2 });
    // each prediction is the decoder's text after its start token, as the prompt alone gives it (the batch right-padded)
    const want = tokenizer.encode('positive').length;
    for (const [i, p] of prompts.entries()) {
      const alone = await generate(model, [tokenizer.encode(p)], { maxNewTokens: want });
      expect(result.predictions[i].generated).toBe(tokenizer.decode(alone.sequences[0].slice(1), { skipSpecialTokens: true }));
    }
    expect(result.predictions.some((p) => p.generated.trim() !== '')).toBe(true);
    const matches = result.predictions.filter((p) => p.generated.trim().startsWith('positive') && !/\w/.test(p.generated.trim().charAt(8))).length;
    expect(result.accuracy).toBe(matches / prompts.length);
  });
});
