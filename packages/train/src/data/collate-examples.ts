import { ArgumentError, type Backend, ConfigError, type Tensor, fromArray } from '@peft/core';
import type { PretrainedTokenizer } from '@peft/models';
import { type Example, IGNORE_INDEX } from './example.js';

/**
 * How a batch is padded.
 *
 * @example
 * ```ts
 * const opts: PadOptions = { padTokenId: 0, paddingSide: 'left', padToMultipleOf: 8 };
 * ```
 */
export interface PadOptions {
  /** The id written at padded positions (its label is -100 and its mask 0, so the value does not matter to the loss). */
  padTokenId: number;
  /** Where padding goes (default 'right'). */
  paddingSide?: 'left' | 'right';
  /** Pad every batch to this fixed length instead of the batch's longest example; a longer example is an `ArgumentError`. */
  padTo?: number;
  /** Round the padded length up to a multiple of this (after `padTo` or the longest). */
  padToMultipleOf?: number;
}

/**
 * A padded batch on the host: rows of equal length; labels are rows for causal LM or one class id per row.
 *
 * @example
 * ```ts
 * const b: PaddedBatch = { inputIds: [[5, 6], [7, 0]], attentionMask: [[1, 1], [1, 0]], labels: [[5, 6], [7, -100]] };
 * ```
 */
export interface PaddedBatch {
  inputIds: number[][];
  attentionMask: number[][];
  labels: number[][] | number[];
}

/**
 * A batch as tensors for a model: `inputIds`, `attentionMask` (i32 `[batch, len]`), `labels` (i32
 * `[batch, len]`, or `[batch]` class ids), and the counts a trainer reports: real tokens, and
 * loss-carrying positions after the causal shift (rows for a classifier).
 *
 * @example
 * ```ts
 * const { inputIds, attentionMask, labels, tokens, targets } = collateExamples(rows, { padTokenId: 0 });
 * ```
 */
export interface CollatedBatch {
  readonly inputIds: Tensor;
  readonly attentionMask: Tensor;
  readonly labels: Tensor;
  /** Real (non-padding) input tokens. */
  readonly tokens: number;
  /** Labels other than -100 past the first position of each row (what the shifted loss averages over), or the number of rows for a classifier. */
  readonly targets: number;
  /** Class ids by row, for a classifier. */
  readonly classLabels?: readonly number[];
}

function checkPadOptions(opts: PadOptions): void {
  if (!Number.isInteger(opts.padTokenId) || opts.padTokenId < 0) throw new ArgumentError(`padExamples: padTokenId must be a non-negative integer, got ${opts.padTokenId}`);
  const side = opts.paddingSide ?? 'right';
  if (side !== 'left' && side !== 'right') throw new ArgumentError(`padExamples: paddingSide must be "left" or "right", got ${JSON.stringify(side)}`);
  for (const key of ['padTo', 'padToMultipleOf'] as const) {
    const v = opts[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new ArgumentError(`padExamples: ${key} must be a positive integer, got ${v}`);
  }
}

/**
 * Pads examples to one length (the longest, `padTo`, rounded up to `padToMultipleOf`) on the chosen
 * side: ids get `padTokenId`, the mask 0, token labels -100. Examples must all carry token labels or
 * all carry class ids; an empty batch or mismatched lengths are an `ArgumentError`.
 *
 * @example
 * ```ts
 * padExamples([{ inputIds: [5, 6], attentionMask: [1, 1], labels: [5, 6] }, { inputIds: [7], attentionMask: [1], labels: [7] }], { padTokenId: 0, paddingSide: 'left' });
 * // { inputIds: [[5, 6], [0, 7]], attentionMask: [[1, 1], [0, 1]], labels: [[5, 6], [-100, 7]] }
 * ```
 */
export function padExamples(examples: readonly Example[], opts: PadOptions): PaddedBatch {
  checkPadOptions(opts);
  if (examples.length === 0) throw new ArgumentError('padExamples: expected at least one example, got none');
  if (examples[0].seq2seq) return padSeq2SeqExamples(examples, opts);
  const classes = typeof examples[0].labels === 'number';
  examples.forEach((ex, n) => {
    if ((typeof ex.labels === 'number') !== classes) throw new ArgumentError(`padExamples: example ${n} has ${classes ? 'token labels' : 'a class id'} but example 0 has ${classes ? 'a class id' : 'token labels'}`);
    if (ex.attentionMask.length !== ex.inputIds.length || (Array.isArray(ex.labels) && ex.labels.length !== ex.inputIds.length)) {
      throw new ArgumentError(`padExamples: example ${n} has ${ex.inputIds.length} ids, ${ex.attentionMask.length} mask entries${Array.isArray(ex.labels) ? ` and ${ex.labels.length} labels` : ''}; expected equal lengths`);
    }
  });
  const longest = Math.max(...examples.map((e) => e.inputIds.length));
  if (opts.padTo !== undefined && longest > opts.padTo) {
    const n = examples.findIndex((e) => e.inputIds.length === longest);
    throw new ArgumentError(`padExamples: example ${n} has ${longest} tokens, more than padTo (${opts.padTo}); truncate with maxLength first`);
  }
  let length = opts.padTo ?? longest;
  const multiple = opts.padToMultipleOf;
  if (multiple !== undefined) length = Math.ceil(length / multiple) * multiple;
  const left = (opts.paddingSide ?? 'right') === 'left';
  const pad = <V>(row: readonly V[], fill: V): V[] => {
    const extra = new Array<V>(length - row.length).fill(fill);
    return left ? [...extra, ...row] : [...row, ...extra];
  };
  return {
    inputIds: examples.map((e) => pad(e.inputIds, opts.padTokenId)),
    attentionMask: examples.map((e) => pad(e.attentionMask, 0)),
    labels: classes ? examples.map((e) => e.labels as number) : examples.map((e) => pad(e.labels as number[], IGNORE_INDEX)),
  };
}

/**
 * Pads examples (see {@link padExamples}) and uploads them as i32 tensors on `backend` (default: the
 * current backend): `inputIds`, `attentionMask` and token `labels` `[batch, len]`, class ids `[batch]`.
 *
 * @example
 * ```ts
 * const batch = collateExamples(loader.next().batch, { padTokenId: tokenizer.padTokenId ?? 0, backend });
 * model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, labels: batch.labels });
 * ```
 */
export function collateExamples(examples: readonly Example[], opts: PadOptions & { backend?: Backend }): CollatedBatch {
  const padded = padExamples(examples, opts);
  const rows = padded.inputIds.length;
  const length = padded.inputIds[0].length;
  const upload = (values: number[], shape: number[]) => fromArray(Int32Array.from(values), shape, { dtype: 'i32', backend: opts.backend });
  const tokens = padded.attentionMask.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
  const classes = typeof padded.labels[0] === 'number';
  // a causal LM's first label is never predicted; an encoder-decoder predicts every label
  const skip = examples[0].seq2seq ? 0 : 1;
  const targets = classes ? rows : (padded.labels as number[][]).reduce((s, r) => s + r.slice(skip).filter((l) => l !== IGNORE_INDEX).length, 0);
  const labelLength = classes ? 0 : (padded.labels as number[][])[0].length;
  return {
    inputIds: upload(padded.inputIds.flat(), [rows, length]),
    attentionMask: upload(padded.attentionMask.flat(), [rows, length]),
    labels: classes ? upload(padded.labels as number[], [rows]) : upload((padded.labels as number[][]).flat(), [rows, labelLength]),
    tokens,
    targets,
    classLabels: classes ? [...(padded.labels as number[])] : undefined,
  };
}

/**
 * A collator bound to a tokenizer: the pad id is the tokenizer's pad token (else its EOS token) and
 * the side its `padding_side`, unless the options say otherwise. A tokenizer with neither pad nor EOS
 * token, and no `padTokenId` given, is a `ConfigError`.
 *
 * @example
 * ```ts
 * const collate = createCollator(tokenizer, { padToMultipleOf: 8 });
 * const batch = collate(loader.next().batch, backend);
 * ```
 */
export function createCollator(tokenizer: PretrainedTokenizer, opts: Partial<PadOptions> = {}): (examples: readonly Example[], backend?: Backend) => CollatedBatch {
  const padTokenId = opts.padTokenId ?? tokenizer.padTokenId ?? tokenizer.eosTokenId;
  if (padTokenId === undefined) {
    throw new ConfigError(`${tokenizer.label}: createCollator: the tokenizer has no pad_token or eos_token to pad with; pass padTokenId`);
  }
  const settings: PadOptions = { ...opts, padTokenId, paddingSide: opts.paddingSide ?? tokenizer.paddingSide };
  checkPadOptions(settings);
  return (examples, backend) => collateExamples(examples, { ...settings, backend });
}

/**
 * Pads encoder-decoder examples: inputs and mask as {@link padExamples} does, the target labels on
 * their own to the longest target (right, with -100).
 */
function padSeq2SeqExamples(examples: readonly Example[], opts: PadOptions): PaddedBatch {
  examples.forEach((ex, n) => {
    if (!ex.seq2seq || !Array.isArray(ex.labels)) throw new ArgumentError(`padExamples: example ${n} is not an encoder-decoder example (target ids) like example 0`);
    if (ex.attentionMask.length !== ex.inputIds.length) throw new ArgumentError(`padExamples: example ${n} has ${ex.inputIds.length} ids and ${ex.attentionMask.length} mask entries; expected equal lengths`);
  });
  const inputs = padExamples(
    examples.map((e) => ({ inputIds: e.inputIds, attentionMask: e.attentionMask, labels: e.inputIds })),
    opts,
  );
  const longest = Math.max(...examples.map((e) => (e.labels as number[]).length));
  return { inputIds: inputs.inputIds, attentionMask: inputs.attentionMask, labels: examples.map((e) => [...(e.labels as number[]), ...new Array<number>(longest - (e.labels as number[]).length).fill(IGNORE_INDEX)]) };
}
