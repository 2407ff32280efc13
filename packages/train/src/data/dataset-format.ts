import { ConfigError } from '@peft/core';
import type { ChatMessage } from '@peft/models';
import type { SourceRecord } from './source-record.js';

/**
 * The shape of a dataset's records:
 * - `tokenized`: `{ input_ids, attention_mask?, labels? }` (token ids, already encoded);
 * - `text`: `{ text }` (causal LM over the whole text);
 * - `prompt_completion`: `{ prompt, completion }`, both strings, or both lists of chat messages
 *   ("conversational": the prompt's messages, then the completion's, through the chat template);
 * - `chat`: `{ messages: [{ role, content }, …] }` (rendered with the tokenizer's chat template);
 * - `classification`: `{ text, label }` (label an integer class id or a class name).
 *
 * @example
 * ```ts
 * const format: DatasetFormat = 'prompt_completion';
 * ```
 */
export type DatasetFormat = 'tokenized' | 'text' | 'prompt_completion' | 'chat' | 'classification';

/** Every dataset format, in the order inference tries them. @example `DATASET_FORMATS.includes('chat') // true` */
export const DATASET_FORMATS: readonly DatasetFormat[] = ['tokenized', 'chat', 'prompt_completion', 'classification', 'text'];

/**
 * A validated record of one format, with its source line.
 *
 * @example
 * ```ts
 * const r: FormattedRecord = { format: 'text', line: 1, text: 'Once upon a time' };
 * ```
 */
export type FormattedRecord =
  | { readonly format: 'tokenized'; readonly line: number; readonly inputIds: readonly number[]; readonly attentionMask?: readonly number[]; readonly labels?: readonly number[] | number }
  | { readonly format: 'text'; readonly line: number; readonly text: string }
  | { readonly format: 'prompt_completion'; readonly line: number; readonly prompt: string | readonly ChatMessage[]; readonly completion: string | readonly ChatMessage[] }
  | { readonly format: 'chat'; readonly line: number; readonly messages: readonly ChatMessage[] }
  | { readonly format: 'classification'; readonly line: number; readonly text: string; readonly label: number | string };

/**
 * Picks a dataset format from the first record's fields: `input_ids` → tokenized, `messages` →
 * chat, `prompt` and `completion` → prompt_completion, `text` and `label` → classification, `text`
 * → text. Fields that fit none are a `ConfigError` listing the fields found and what each format needs.
 *
 * @example
 * ```ts
 * inferFormat({ line: 1, fields: { prompt: 'Q', completion: 'A' } }, 'train.jsonl'); // 'prompt_completion'
 * ```
 */
export function inferFormat(record: SourceRecord, label: string): DatasetFormat {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(record.fields, k);
  if (has('input_ids')) return 'tokenized';
  if (has('messages')) return 'chat';
  if (has('prompt') && has('completion')) return 'prompt_completion';
  // an encoder-decoder's source/target pair reads as a prompt and its completion
  if (has('text') && has('target')) return 'prompt_completion';
  if (has('text') && has('label')) return 'classification';
  if (has('text')) return 'text';
  const found = Object.keys(record.fields);
  throw new ConfigError(
    `${label} line ${record.line}: cannot infer the dataset format from the fields [${found.join(', ')}]; expected input_ids (tokenized), messages (chat), prompt and completion or text and target (prompt_completion), text and label (classification) or text (text), or set data.format`,
  );
}

/**
 * Checks a dataset format name (from a config file); anything else is a `ConfigError` naming the field.
 *
 * @example
 * ```ts
 * checkFormat('chat', 'data.format'); // 'chat'
 * ```
 */
export function checkFormat(value: unknown, field = 'format'): DatasetFormat {
  if (typeof value === 'string' && (DATASET_FORMATS as readonly string[]).includes(value)) return value as DatasetFormat;
  throw new ConfigError(`${field}: expected one of "tokenized", "text", "prompt_completion", "chat", "classification", got ${JSON.stringify(value)}`);
}
