import { ArgumentError, ConfigError, FileFormatError } from '@peft/core';
import type { ChatMessage, PretrainedTokenizer } from '@peft/models';
import type { DatasetFormat, FormattedRecord } from './dataset-format.js';
import { type Example, IGNORE_INDEX } from './example.js';
import type { FormattedDataset } from './format-records.js';
import { classLabels, resolveClassLabel } from './class-labels.js';
import { encodeChat, encodeChatPromptCompletion, encodeClassification, encodePromptCompletion, encodeTokenized } from './encode-record.js';

/**
 * Options of {@link tokenizeDataset}.
 *
 * @example
 * ```ts
 * const opts: TokenizeOptions = { tokenizer, maxLength: 512, completionOnlyLoss: true };
 * ```
 */
export interface TokenizeOptions {
  /** The tokenizer (required for every format but `tokenized`). */
  tokenizer?: PretrainedTokenizer;
  /** Longest example in tokens; longer ones are cut (causal LM: the end is dropped; classification keeps the special tokens around the text). */
  maxLength?: number;
  /** Take the loss on completions only: prompt tokens, and for chat everything but assistant turns, get label -100 (default false). No effect on `text` (no prompt) or `tokenized` (its labels are given) data. */
  completionOnlyLoss?: boolean;
  /** Append the EOS token after `text` documents and completions so the model learns to stop (default true; skipped when the tokenizer has no EOS or the ids already end with it). */
  appendEos?: boolean;
  /** A chat template to use instead of the tokenizer's (a Jinja source). */
  chatTemplate?: string;
  /** Classification: class names in id order; string labels map to their index (default: the sorted distinct labels of this dataset). */
  labelNames?: readonly string[];
  /** Classification (and pre-tokenized class ids): the number of classes (the model's labels); class ids must be below it. */
  numLabels?: number;
  /**
   * The model's vocabulary size: pre-tokenized ids must be below it (default: the tokenizer's), and so
   * must the ids the tokenizer makes from text (a tokenizer larger than the model's embedding table
   * would otherwise index past it).
   */
  vocabSize?: number;
  /**
   * Encoder-decoder examples (T5): the prompt (or `text`) becomes the encoder input and the completion
   * (or `target`) the labels, each encoded on its own with the tokenizer's special tokens (T5 ends both
   * with `</s>`); `tokenized` records need their own `labels`. `maxLength` cuts inputs and labels
   * separately.
   */
  seq2seq?: boolean;
}

/**
 * Examples made from a dataset, with what a trainer needs to know about them.
 *
 * @example
 * ```ts
 * const { examples, labelNames } = tokenizeDataset(formatRecords(parsed), { tokenizer });
 * ```
 */
export interface TokenizedDataset {
  readonly label: string;
  readonly format: DatasetFormat;
  readonly examples: Example[];
  /** Classification with class names: the names in id order (pass them to the eval set's tokenization). */
  readonly labelNames?: readonly string[];
  /** Classification: the number of classes (the names' count, or the largest id + 1). */
  readonly numLabels?: number;
  /** How many examples were cut to `maxLength`. */
  readonly truncated: number;
  /** How many causal-LM examples have no label to learn from (every label -100), e.g. a prompt that fills `maxLength`. */
  readonly withoutLoss: number;
}

/** The tokenizer's ids must fit the model's embedding table. */
function checkTokenizerIds(ids: readonly number[], vocabSize: number | undefined, where: string): void {
  if (vocabSize === undefined) return;
  const bad = ids.findIndex((id) => id >= vocabSize);
  if (bad >= 0) {
    throw new ConfigError(
      `tokenizeDataset: ${where}: the tokenizer made id ${ids[bad]} (token ${bad}), past the model's vocabulary (ids below ${vocabSize}); the tokenizer does not belong to this model`,
    );
  }
}

function checkPositiveInt(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new ArgumentError(`tokenizeDataset: ${name} must be a positive integer, got ${value}`);
  }
}

function needTokenizer(opts: TokenizeOptions, label: string, format: DatasetFormat): PretrainedTokenizer {
  if (opts.tokenizer === undefined) throw new ArgumentError(`tokenizeDataset: ${label}: the ${format} format needs a tokenizer`);
  return opts.tokenizer;
}

function withEos(ids: number[], tokenizer: PretrainedTokenizer, append: boolean): number[] {
  const eos = tokenizer.eosTokenId;
  if (!append || eos === undefined || ids[ids.length - 1] === eos) return ids;
  return [...ids, eos];
}

/** Runs a chat-template encoding; a template that raises on the conversation (roles must alternate, say) names the record. */
function withTemplate<R>(where: string, encode: () => R): R {
  try {
    return encode();
  } catch (e) {
    if (e instanceof ArgumentError) throw new FileFormatError(`${where}: the chat template refused the conversation (${e.message})`, { cause: e });
    throw e;
  }
}

function causalExample(record: FormattedRecord, opts: TokenizeOptions, where: string, tokenizer: PretrainedTokenizer): { inputIds: number[]; labels: number[] } {
  const append = opts.appendEos ?? true;
  switch (record.format) {
    case 'text': {
      const ids = withEos(tokenizer.encode(record.text), tokenizer, append);
      return { inputIds: ids, labels: [...ids] };
    }
    case 'prompt_completion':
      if (typeof record.prompt === 'string' && typeof record.completion === 'string') {
        return encodePromptCompletion(tokenizer, record.prompt, record.completion, opts.completionOnlyLoss ?? false, append);
      }
      return withTemplate(where, () => encodeChatPromptCompletion(tokenizer, record.prompt as readonly ChatMessage[], record.completion as readonly ChatMessage[], opts.completionOnlyLoss ?? false, opts.chatTemplate, where));
    case 'chat':
      return withTemplate(where, () => encodeChat(tokenizer, record.messages, opts.completionOnlyLoss ?? false, opts.chatTemplate, where));
    default:
      throw new ArgumentError(`tokenizeDataset: ${where}: not a causal-LM record (${record.format})`);
  }
}

/**
 * Turns validated records into {@link Example}s.
 *
 * - `text`: the document's ids (with the tokenizer's own special tokens, such as LLaMA's BOS), then
 *   EOS; labels are the ids.
 * - `prompt_completion`: prompt and completion encoded as one text (with special tokens), then EOS;
 *   with `completionOnlyLoss` the prompt's tokens are labelled -100 (see `encodePromptCompletion`).
 *   Conversational pairs (lists of messages) go through the chat template like `chat`, and with
 *   `completionOnlyLoss` only the completion's messages carry labels.
 * - `chat`: the conversation rendered by the chat template and encoded without added special tokens
 *   (the template writes them), as `apply_chat_template` does; no EOS is appended (templates end
 *   turns themselves). With `completionOnlyLoss` only assistant turns carry labels (see `chatSegments`).
 * - `tokenized`: the ids as given, checked against the vocabulary; missing labels are the ids with -100
 *   where the attention mask is 0; an integer `labels` is a class id.
 * - `classification`: the text with special tokens, an integer class id (class names mapped through
 *   `labelNames`).
 *
 * Ids past the vocabulary, unknown class names and records that encode to nothing are a
 * `FileFormatError` naming the file, line and field.
 *
 * @example
 * ```ts
 * const ds = tokenizeDataset(formatRecords(parseJsonl(text, 'train.jsonl')), { tokenizer, maxLength: 256, completionOnlyLoss: true });
 * ds.examples[0]; // { inputIds: [...], attentionMask: [1, ...], labels: [-100, ..., 42, 2] }
 * ```
 */
export function tokenizeDataset(dataset: FormattedDataset, opts: TokenizeOptions = {}): TokenizedDataset {
  if (opts.seq2seq) return tokenizeSeq2SeqDataset(dataset, opts);
  checkPositiveInt(opts.maxLength, 'maxLength');
  checkPositiveInt(opts.numLabels, 'numLabels');
  checkPositiveInt(opts.vocabSize, 'vocabSize');
  const { label, format } = dataset;
  const examples: Example[] = [];
  let truncated = 0;
  let withoutLoss = 0;
  const max = opts.maxLength ?? Infinity;
  if (format === 'classification') {
    const tokenizer = needTokenizer(opts, label, format);
    const classes = classLabels(dataset, opts.labelNames, opts.numLabels);
    for (const record of dataset.records) {
      if (record.format !== 'classification') continue;
      const where = `${label} line ${record.line}`;
      const { inputIds, cut } = encodeClassification(tokenizer, record.text, max);
      checkTokenizerIds(inputIds, opts.vocabSize, where);
      if (cut) truncated++;
      examples.push({ inputIds, attentionMask: new Array<number>(inputIds.length).fill(1), labels: resolveClassLabel(record.label, classes, where) });
    }
    return { label, format, examples, labelNames: classes.names, numLabels: classes.numLabels, truncated, withoutLoss };
  }
  let vocabSize = opts.vocabSize;
  if (format === 'tokenized') {
    vocabSize ??= opts.tokenizer?.vocabSize;
    if (vocabSize === undefined) throw new ArgumentError(`tokenizeDataset: ${label}: the tokenized format needs a tokenizer or vocabSize to check ids against`);
  }
  let labelKind: 'tokens' | 'class' | undefined;
  for (const record of dataset.records) {
    const where = `${label} line ${record.line}`;
    let example: Example;
    if (record.format === 'tokenized') {
      example = encodeTokenized(record, vocabSize as number, where);
      if (typeof example.labels === 'number' && opts.numLabels !== undefined && example.labels >= opts.numLabels) {
        throw new FileFormatError(`${where}: "labels" must be a class id below ${opts.numLabels}, got ${example.labels}`);
      }
      const kind = typeof example.labels === 'number' ? 'class' : 'tokens';
      labelKind ??= kind;
      if (kind !== labelKind) {
        throw new FileFormatError(`${where}: "labels" must be ${labelKind === 'class' ? 'an integer class id' : 'a list of token ids (or absent)'} like the records before it, got ${kind === 'class' ? 'an integer' : 'a list'}`);
      }
    } else {
      const { inputIds, labels } = causalExample(record, opts, where, needTokenizer(opts, label, format));
      checkTokenizerIds(inputIds, vocabSize, where);
      example = { inputIds, attentionMask: new Array<number>(inputIds.length).fill(1), labels };
    }
    if (example.inputIds.length === 0) throw new FileFormatError(`${where}: the record encodes to no tokens`);
    if (example.inputIds.length > max) {
      truncated++;
      example = {
        inputIds: example.inputIds.slice(0, max),
        attentionMask: example.attentionMask.slice(0, max),
        labels: typeof example.labels === 'number' ? example.labels : example.labels.slice(0, max),
      };
    }
    // position 0's label is never predicted (the model shifts labels left by one)
    if (Array.isArray(example.labels) && example.labels.slice(1).every((l) => l === IGNORE_INDEX)) withoutLoss++;
    examples.push(example);
  }
  return { label, format, examples, truncated, withoutLoss };
}

/**
 * The encoder-decoder form of {@link tokenizeDataset} (`opts.seq2seq`): prompt/completion (or
 * text/target) pairs become encoder inputs and target labels, `tokenized` records keep their own
 * `labels`. Other formats are refused with what to use instead.
 *
 * @example
 * ```ts
 * const ds = tokenizeSeq2SeqDataset(formatRecords(parseJsonl('{"text":"translate: hi","target":"salut"}', 'train.jsonl')), { tokenizer });
 * ds.examples[0]; // { inputIds: [...], attentionMask: [1, ...], labels: [...], seq2seq: true }
 * ```
 */
export function tokenizeSeq2SeqDataset(dataset: FormattedDataset, opts: TokenizeOptions = {}): TokenizedDataset {
  checkPositiveInt(opts.maxLength, 'maxLength');
  checkPositiveInt(opts.vocabSize, 'vocabSize');
  const { label, format } = dataset;
  const max = opts.maxLength ?? Infinity;
  const examples: Example[] = [];
  let truncated = 0;
  let withoutLoss = 0;
  const vocabSize = opts.vocabSize ?? opts.tokenizer?.vocabSize;
  for (const record of dataset.records) {
    const where = `${label} line ${record.line}`;
    let inputIds: number[];
    let attentionMask: number[] | undefined;
    let labels: number[];
    if (record.format === 'tokenized') {
      if (vocabSize === undefined) throw new ArgumentError(`tokenizeDataset: ${label}: the tokenized format needs a tokenizer or vocabSize to check ids against`);
      if (!Array.isArray(record.labels)) throw new FileFormatError(`${where}: an encoder-decoder's tokenized record needs "labels", the list of target ids, got ${record.labels === undefined ? 'none' : 'a class id'}`);
      const ex = encodeTokenized(record, vocabSize, where, false);
      ({ inputIds, attentionMask } = ex);
      labels = ex.labels as number[];
    } else if (record.format === 'prompt_completion' && typeof record.prompt === 'string' && typeof record.completion === 'string') {
      const tokenizer = needTokenizer(opts, label, format);
      inputIds = tokenizer.encode(record.prompt);
      labels = withEos(tokenizer.encode(record.completion), tokenizer, opts.appendEos ?? true);
      checkTokenizerIds(inputIds, opts.vocabSize, where);
      checkTokenizerIds(labels, opts.vocabSize, where);
    } else {
      throw new FileFormatError(
        `${where}: an encoder-decoder trains on source/target pairs; expected "prompt" and "completion" strings, "text" and "target", or "input_ids" with "labels", got a ${record.format} record`,
      );
    }
    if (inputIds.length === 0) throw new FileFormatError(`${where}: the record's input encodes to no tokens`);
    if (inputIds.length > max || labels.length > max) truncated++;
    inputIds = inputIds.slice(0, max);
    labels = labels.slice(0, max);
    attentionMask = (attentionMask ?? inputIds.map(() => 1)).slice(0, max);
    if (labels.every((l) => l === IGNORE_INDEX)) withoutLoss++;
    examples.push({ inputIds, attentionMask, labels, seq2seq: true });
  }
  return { label, format, examples, truncated, withoutLoss };
}
