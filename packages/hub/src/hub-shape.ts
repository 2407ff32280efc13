import { FileFormatError } from '@peft/core';
import { validateShape } from '@peft/core/plugin';
import type * as v from 'valibot';
import { HubError } from './hub-error.js';

/**
 * Checks a value the Hub sent (a JSON answer, a download's headers) or the cache holds (a ref, a
 * stored listing) against its declared valibot schema, through `validateShape` of `@peft/core`, and
 * returns the schema's output. A mismatch is a `HubError` (reason `malformed`) whose message names
 * `where` (the URL or the cache file) and the field, what was expected and what came.
 *
 * @example
 * ```ts
 * const info = checkHubShape(RevisionInfoSchema, await res.json(), 'https://huggingface.co/api/models/org/name/revision/main');
 * info.sha;
 * ```
 */
export function checkHubShape<S extends v.GenericSchema>(schema: S, value: unknown, where: string, hint?: string): v.InferOutput<S> {
  try {
    return validateShape(schema, value, { file: where, ...(hint ? { hint } : {}) });
  } catch (e) {
    if (e instanceof FileFormatError) throw new HubError('malformed', e.message, { cause: e });
    throw e;
  }
}
