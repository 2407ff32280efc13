import { readFile } from 'node:fs/promises';
import { FileFormatError } from '@peft/core';

/**
 * The token batch `peft forward --input` reads: `input_ids` with the optional `attention_mask`
 * (default all ones) and `token_type_ids`, each `[batch, seq]`.
 *
 * @example
 * ```ts
 * const inputs: InputBatch = { inputIds: [[1, 2]], attentionMask: [[1, 1]] };
 * ```
 */
export interface InputBatch {
  inputIds: number[][];
  attentionMask: number[][];
  tokenTypeIds?: number[][];
  /** An encoder-decoder's decoder ids `[batch, targetSeq]` (T5). */
  decoderInputIds?: number[][];
}

/**
 * Reads and checks an input file: a JSON object with `input_ids` (a non-empty list of equally long,
 * non-empty rows of non-negative integers below `vocabSize` when given), and optionally
 * `attention_mask` (0/1) and `token_type_ids` of the same shape. Problems are `FileFormatError`s
 * naming the file and the field.
 *
 * @example
 * ```ts
 * const { inputIds, attentionMask } = await readInputFile('inputs.json', 50257);
 * ```
 */
export async function readInputFile(path: string, vocabSize?: number): Promise<InputBatch> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FileFormatError(`forward: cannot read the input file ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(`forward: ${path}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  return parseInputBatch(json, path, vocabSize);
}

/**
 * Checks a parsed input object (see {@link readInputFile}).
 *
 * @example
 * ```ts
 * parseInputBatch({ input_ids: [[5, 6]] }, 'inline'); // { inputIds: [[5, 6]], attentionMask: [[1, 1]] }
 * ```
 */
export function parseInputBatch(json: unknown, where: string, vocabSize?: number): InputBatch {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FileFormatError(`forward: ${where}: expected a JSON object with "input_ids", got ${Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json}`);
  }
  const obj = json as Record<string, unknown>;
  if (obj.input_ids === undefined) throw new FileFormatError(`forward: ${where}: missing "input_ids" (a [batch, seq] list of token ids)`);
  const inputIds = intMatrix(obj.input_ids, 'input_ids', where);
  const shape = [inputIds.length, inputIds[0].length];
  const limit = vocabSize ?? Infinity;
  checkValues(inputIds, 'input_ids', where, (v) => v >= 0 && v < limit, vocabSize === undefined ? 'non-negative ids' : `ids in [0, ${vocabSize})`);
  const sameShape = (m: number[][], name: string) => {
    if (m.length !== shape[0] || m[0].length !== shape[1]) {
      throw new FileFormatError(`forward: ${where}: expected "${name}" to have the shape of input_ids [${shape.join(', ')}], got [${m.length}, ${m[0].length}]`);
    }
  };
  let attentionMask = inputIds.map((r) => r.map(() => 1));
  if (obj.attention_mask !== undefined) {
    attentionMask = intMatrix(obj.attention_mask, 'attention_mask', where);
    sameShape(attentionMask, 'attention_mask');
    checkValues(attentionMask, 'attention_mask', where, (v) => v === 0 || v === 1, '0 or 1');
  }
  const batch: InputBatch = { inputIds, attentionMask };
  if (obj.token_type_ids !== undefined) {
    batch.tokenTypeIds = intMatrix(obj.token_type_ids, 'token_type_ids', where);
    sameShape(batch.tokenTypeIds, 'token_type_ids');
    checkValues(batch.tokenTypeIds, 'token_type_ids', where, (v) => v >= 0, 'non-negative ids');
  }
  if (obj.decoder_input_ids !== undefined) {
    const ids = intMatrix(obj.decoder_input_ids, 'decoder_input_ids', where);
    if (ids.length !== shape[0]) throw new FileFormatError(`forward: ${where}: expected "decoder_input_ids" to have ${shape[0]} rows like input_ids, got ${ids.length}`);
    checkValues(ids, 'decoder_input_ids', where, (v) => v >= 0 && v < limit, vocabSize === undefined ? 'non-negative ids' : `ids in [0, ${vocabSize})`);
    batch.decoderInputIds = ids;
  }
  return batch;
}

function intMatrix(value: unknown, name: string, where: string): number[][] {
  const fail = (what: string) => new FileFormatError(`forward: ${where}: expected "${name}" to be a non-empty [batch, seq] list of lists of integers, ${what}`);
  if (!Array.isArray(value) || value.length === 0) throw fail(`got ${JSON.stringify(value)?.slice(0, 40)}`);
  const rows = value as unknown[];
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length === 0) throw fail(`but row ${i} is ${JSON.stringify(row)?.slice(0, 40)}`);
    const bad = (row as unknown[]).findIndex((v) => typeof v !== 'number' || !Number.isInteger(v));
    if (bad >= 0) throw fail(`but [${i}][${bad}] is ${JSON.stringify((row as unknown[])[bad])}`);
  });
  const lengths = rows.map((r) => (r as unknown[]).length);
  if (lengths.some((n) => n !== lengths[0])) throw fail(`but the rows have different lengths [${lengths.join(', ')}] (pad them and mark padding in attention_mask)`);
  return rows as number[][];
}

function checkValues(m: number[][], name: string, where: string, ok: (v: number) => boolean, expected: string): void {
  for (let i = 0; i < m.length; i++) {
    const j = m[i].findIndex((v) => !ok(v));
    if (j >= 0) throw new FileFormatError(`forward: ${where}: expected "${name}" to hold ${expected}, got ${m[i][j]} at [${i}][${j}]`);
  }
}
