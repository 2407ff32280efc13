import { FileFormatError } from '@peft/core';

/**
 * Parses the text of a JSON file that must hold an object (config.json, tokenizer.json, an index):
 * malformed JSON or another kind of value is a `FileFormatError` that starts with `where`.
 *
 * @example
 * ```ts
 * const config = parseJsonObject(text, 'gpt2/config.json');
 * ```
 */
export function parseJsonObject(text: string, where: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(`${where}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FileFormatError(`${where}: expected a JSON object, got ${Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json}`);
  }
  return json as Record<string, unknown>;
}
