import { FileFormatError } from '@peft/core';
import type { ChatMessage, PretrainedTokenizer } from '@peft/models';
import { chatSegments } from './chat-segments.js';
import type { FormattedRecord } from './dataset-format.js';
import { type Example, IGNORE_INDEX } from './example.js';

/**
 * Encodes a conversation with the chat template. Without `completionOnly` the whole rendering is
 * encoded at once and every token is a label; with it, the assistant and non-assistant pieces are
 * encoded one by one (so the boundary is exact) and only assistant tokens keep their labels.
 * Special tokens are not added: the template writes them.
 *
 * @example
 * ```ts
 * const { inputIds, labels } = encodeChat(tokenizer, messages, true, undefined, 'train.jsonl line 4');
 * ```
 */
export function encodeChat(tokenizer: PretrainedTokenizer, messages: readonly ChatMessage[], completionOnly: boolean, chatTemplate: string | undefined, where: string): { inputIds: number[]; labels: number[] } {
  if (!completionOnly) {
    const ids = tokenizer.encode(tokenizer.applyChatTemplate(messages, { chatTemplate }), { addSpecialTokens: false });
    return { inputIds: ids, labels: [...ids] };
  }
  const inputIds: number[] = [];
  const labels: number[] = [];
  for (const part of chatSegments(tokenizer, messages, chatTemplate, where)) {
    const ids = tokenizer.encode(part.text, { addSpecialTokens: false });
    inputIds.push(...ids);
    for (const id of ids) labels.push(part.assistant ? id : IGNORE_INDEX);
  }
  return { inputIds, labels };
}

/**
 * Encodes a classification text with the tokenizer's special tokens (`[CLS] … [SEP]`). When it is
 * longer than `maxLength` the text's own tokens are cut at the end and the special tokens around it
 * are kept, as transformers' truncation does.
 *
 * @example
 * ```ts
 * encodeClassification(tokenizer, 'the cat plays', 4); // { inputIds: [2, 4, 5, 3], cut: true }
 * ```
 */
export function encodeClassification(tokenizer: PretrainedTokenizer, text: string, maxLength: number): { inputIds: number[]; cut: boolean } {
  const full = tokenizer.encode(text);
  if (full.length <= maxLength) return { inputIds: full, cut: false };
  const content = tokenizer.encode(text, { addSpecialTokens: false });
  const extra = full.length - content.length;
  let start = -1;
  for (let p = 0; p <= extra && start < 0; p++) {
    if (content.every((id, k) => full[p + k] === id)) start = p;
  }
  if (start < 0 || extra >= maxLength) {
    // special tokens not found around the text (or they alone fill maxLength): plain cut
    return { inputIds: full.slice(0, maxLength), cut: true };
  }
  const keep = maxLength - extra;
  return { inputIds: [...full.slice(0, start), ...content.slice(0, keep), ...full.slice(start + content.length)], cut: true };
}

/**
 * Checks a pre-tokenized record against the vocabulary and fills what it leaves out: an all-ones
 * attention mask, labels equal to the ids with -100 where the mask is 0. An id at or past
 * `vocabSize` is a `FileFormatError` naming the line, field and position.
 *
 * @example
 * ```ts
 * encodeTokenized({ format: 'tokenized', line: 1, inputIds: [5, 9] }, 50257, 'train.jsonl line 1');
 * // { inputIds: [5, 9], attentionMask: [1, 1], labels: [5, 9] }
 * ```
 */
export function encodeTokenized(record: Extract<FormattedRecord, { format: 'tokenized' }>, vocabSize: number, where: string): Example {
  const check = (field: string, ids: readonly number[]) =>
    ids.forEach((id, i) => {
      if (id >= vocabSize) throw new FileFormatError(`${where}: "${field}[${i}]" is ${id}, past the vocabulary (ids below ${vocabSize})`);
    });
  check('input_ids', record.inputIds);
  const inputIds = [...record.inputIds];
  const attentionMask = record.attentionMask === undefined ? new Array<number>(inputIds.length).fill(1) : [...record.attentionMask];
  let labels: number[] | number;
  if (record.labels === undefined) labels = inputIds.map((id, i) => (attentionMask[i] === 1 ? id : IGNORE_INDEX));
  else if (typeof record.labels === 'number') labels = record.labels;
  else {
    check('labels', record.labels);
    labels = [...record.labels];
  }
  return { inputIds, attentionMask, labels };
}
