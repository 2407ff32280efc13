import { FileFormatError } from '@peft/core';
import type { ChatMessage, PretrainedTokenizer } from '@peft/models';
import { type ChatSegment, chatSegments, promptCompletionSegments } from './chat-segments.js';
import type { FormattedRecord } from './dataset-format.js';
import { type Example, IGNORE_INDEX } from './example.js';

/**
 * How many leading ids two lists share.
 *
 * @example
 * ```ts
 * commonPrefix([1, 2, 3], [1, 2, 4]); // 2
 * ```
 */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return k;
}

/**
 * Encodes a prompt and its completion as one text (with the tokenizer's special tokens, so the ids
 * are those of the text the model would see), then EOS when `appendEos` (and the tokenizer has one
 * the ids do not already end with). The completion starts where the prompt's own encoding stops
 * matching; with `completionOnly` everything before it is labelled -100.
 *
 * @example
 * ```ts
 * const { inputIds, labels } = encodePromptCompletion(tokenizer, 'Q: 2+2?\nA:', ' 4', true, true);
 * ```
 */
export function encodePromptCompletion(tokenizer: PretrainedTokenizer, prompt: string, completion: string, completionOnly: boolean, appendEos: boolean): { inputIds: number[]; labels: number[] } {
  const ids = tokenizer.encode(prompt + completion);
  const eos = tokenizer.eosTokenId;
  if (appendEos && eos !== undefined && ids[ids.length - 1] !== eos) ids.push(eos);
  const start = completionOnly ? commonPrefix(tokenizer.encode(prompt), ids) : 0;
  return { inputIds: ids, labels: ids.map((id, i) => (i < start ? IGNORE_INDEX : id)) };
}

/**
 * Encodes rendered pieces of a conversation as one text (no added special tokens) and labels the
 * tokens of the assistant pieces, -100 elsewhere. When the pieces encoded one by one (each behind a
 * special token, so none is taken for the start of a text) give the same ids as the whole, their token
 * counts place the boundaries; otherwise the token where a piece ends is found by encoding the text up
 * to there and counting the ids it shares with the whole. Either way the ids are those of the whole
 * text. At a boundary inside a word, an assistant piece gets every token from the first one the
 * prefix's own encoding does not share (so a token that straddles its start is its), and none that
 * straddles its end.
 *
 * @example
 * ```ts
 * const { inputIds, labels } = encodeSegments(tokenizer, chatSegments(tokenizer, messages));
 * ```
 */
export function encodeSegments(tokenizer: PretrainedTokenizer, segments: readonly ChatSegment[]): { inputIds: number[]; labels: number[] } {
  const full = segments.map((s) => s.text).join('');
  const inputIds = tokenizer.encode(full, { addSpecialTokens: false });
  const labels = new Array<number>(inputIds.length).fill(IGNORE_INDEX);
  // fast path: the pieces encoded one by one give the same ids as the whole (boundaries at special
  // tokens or pre-tokenizer splits), so each piece's token count is its span. Pieces after the first
  // are encoded behind a special token and that token's ids are dropped, so that a tokenizer that
  // treats the start of a text specially (SentencePiece's leading "▁") sees them mid-text.
  const anchor = tokenizer.eosToken ?? tokenizer.bosToken ?? tokenizer.padToken ?? '';
  const anchorIds = anchor === '' ? [] : tokenizer.encode(anchor, { addSpecialTokens: false });
  const pieces = segments.map((s, k) => {
    if (k === 0 || anchorIds.length === 0) return tokenizer.encode(s.text, { addSpecialTokens: false });
    const ids = tokenizer.encode(anchor + s.text, { addSpecialTokens: false });
    return commonPrefix(ids, anchorIds) === anchorIds.length ? ids.slice(anchorIds.length) : [-1];
  });
  if (pieces.reduce((n, p) => n + p.length, 0) === inputIds.length && pieces.flat().every((id, i) => id === inputIds[i])) {
    let token = 0;
    segments.forEach((part, k) => {
      if (part.assistant) for (let t = token; t < token + pieces[k].length; t++) labels[t] = inputIds[t];
      token += pieces[k].length;
    });
    return { inputIds, labels };
  }
  // general path: encode the rendering up to each boundary and count the ids it shares with the whole
  let chars = 0;
  let token = 0;
  const tokenAt = (end: number) => (end === full.length ? inputIds.length : Math.max(token, commonPrefix(tokenizer.encode(full.slice(0, end), { addSpecialTokens: false }), inputIds)));
  for (const part of segments) {
    chars += part.text.length;
    const next = tokenAt(chars);
    if (part.assistant) for (let t = token; t < next; t++) labels[t] = inputIds[t];
    token = next;
  }
  return { inputIds, labels };
}

/**
 * Encodes a conversation with the chat template: the whole rendering is encoded at once, without
 * added special tokens (the template writes them), as `apply_chat_template` does. Every token is a
 * label unless `completionOnly`, where only assistant turns (see `chatSegments`) keep theirs (see
 * `encodeSegments`); the ids are the same either way.
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
  return encodeSegments(tokenizer, chatSegments(tokenizer, messages, chatTemplate, where));
}

/**
 * Encodes a conversational prompt-completion pair with the chat template (the prompt's messages,
 * then the completion's), like {@link encodeChat}; with `completionOnly` only the completion's
 * tokens keep their labels (see `promptCompletionSegments`).
 *
 * @example
 * ```ts
 * encodeChatPromptCompletion(tokenizer, [{ role: 'user', content: 'Hi' }], [{ role: 'assistant', content: 'Hello!' }], true, undefined, 'train.jsonl line 1');
 * ```
 */
export function encodeChatPromptCompletion(tokenizer: PretrainedTokenizer, prompt: readonly ChatMessage[], completion: readonly ChatMessage[], completionOnly: boolean, chatTemplate: string | undefined, where: string): { inputIds: number[]; labels: number[] } {
  if (!completionOnly) return encodeChat(tokenizer, [...prompt, ...completion], false, chatTemplate, where);
  return encodeSegments(tokenizer, promptCompletionSegments(tokenizer, prompt, completion, chatTemplate, where));
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
 * `vocabSize` is a `FileFormatError` naming the line, field and position, and so are causal labels
 * (`alignedLabels`) of another length than the ids; an encoder-decoder's target labels may differ.
 *
 * @example
 * ```ts
 * encodeTokenized({ format: 'tokenized', line: 1, inputIds: [5, 9] }, 50257, 'train.jsonl line 1');
 * // { inputIds: [5, 9], attentionMask: [1, 1], labels: [5, 9] }
 * ```
 */
export function encodeTokenized(record: Extract<FormattedRecord, { format: 'tokenized' }>, vocabSize: number, where: string, alignedLabels = true): Example {
  const check = (field: string, ids: readonly number[]) =>
    ids.forEach((id, i) => {
      if (id >= vocabSize) throw new FileFormatError(`${where}: "${field}[${i}]" is ${id}, past the vocabulary (ids below ${vocabSize})`);
    });
  check('input_ids', record.inputIds);
  if (alignedLabels && Array.isArray(record.labels) && record.labels.length !== record.inputIds.length) {
    throw new FileFormatError(`${where}: "labels" must have as many entries as "input_ids" (${record.inputIds.length}), got ${record.labels.length}`);
  }
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
