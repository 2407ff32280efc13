import * as v from 'valibot';
import { ConfigError, FileFormatError } from '../errors.js';

/**
 * Where a value being checked came from and what a mismatch is: `file` is named first in every
 * message; `error` picks the class (`'file-format'`, the default, for state the library writes and
 * reads back, such as checkpoints and logs; `'config'` for configs people edit); `warn`, when given,
 * hears about fields that a non-strict schema does not know (as Python's loaders tolerate unknown
 * config keys); `hint` is appended to every message (what to do).
 *
 * @example
 * ```ts
 * const opts: ValidateShapeOptions = { file: 'out/checkpoint-10/trainer_state.json' };
 * ```
 */
export interface ValidateShapeOptions {
  readonly file: string;
  readonly error?: 'file-format' | 'config';
  readonly warn?: (message: string) => void;
  readonly hint?: string;
}

/**
 * Checks a value read from disk or the network against its declared shape (a valibot schema) and
 * returns the schema's output. A mismatch throws a `FileFormatError` (or a `ConfigError`, see
 * {@link ValidateShapeOptions}) naming the file and the field path (`rng.seed`,
 * `paramGroups[0].params`) with what was expected and what came: a missing field, a value of the
 * wrong type or range, or, under a strict schema (`v.strictObject`), a field that should not be
 * there. Under a non-strict schema (`v.object`), fields it does not know are dropped from the output
 * and reported to `warn`.
 *
 * @example
 * ```ts
 * import * as v from 'valibot';
 * const RngState = v.strictObject({ seed: v.number(), counter: v.number() });
 * const rng = validateShape(RngState, JSON.parse(text), { file: 'trainer_state.json' });
 * ```
 */
export function validateShape<S extends v.GenericSchema>(schema: S, value: unknown, opts: ValidateShapeOptions): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (!result.success) {
    const issue = result.issues[0];
    const message = `${opts.file}: ${describeIssue(issue, schema, value)}${opts.hint ? `; ${opts.hint}` : ''}`;
    throw opts.error === 'config' ? new ConfigError(message) : new FileFormatError(message);
  }
  if (opts.warn) {
    const extra = unknownFields(schema, value, '');
    if (extra.length) opts.warn(`${opts.file}: ignoring unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')}`);
  }
  return result.output;
}

/** The message of one valibot issue: the field path, what was expected, what came. */
function describeIssue(issue: v.BaseIssue<unknown>, schema: AnySchema, root: unknown): string {
  const keys = (issue.path ?? []).map((p) => p.key as PropertyKey);
  const path = v.getDotPath(issue);
  const field = path ? `field "${path}"` : 'the value';
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    return `unexpected field "${path}" (this file has no such field; it was not written by this version, or was edited)`;
  }
  if (keys.length && issue.input === undefined) {
    const parent = nodeAt(root, keys.slice(0, -1));
    const parentName = keys.length > 1 ? `field "${keys.slice(0, -1).map(String).join('.')}"` : 'the value';
    if (Array.isArray(parent)) return `${parentName} should be an object, got ${show(parent)}`;
    const expects = expectsAt(schema, keys);
    return `missing ${field}${expects ? ` (expected ${expects})` : ''}`;
  }
  if (issue.kind === 'schema') return `${field} should be ${inWords(issue.expected) ?? 'something else'}, got ${show(issue.input)}`;
  return `${field} is invalid: ${issue.message}`;
}

/** The value at `keys`, or undefined when the path does not exist. */
function nodeAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = node instanceof Map ? node.get(key) : (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** What the schema expects at `keys`, in words (`number`, `an object`, …). */
function expectsAt(schema: AnySchema, keys: readonly PropertyKey[]): string | undefined {
  let s: AnySchema | undefined = schema;
  for (const key of keys) {
    while (s?.wrapped) s = s.wrapped;
    s = s?.entries ? s.entries[String(key)] : s?.item;
  }
  return inWords(s?.expects);
}

/** valibot's `expected` in words: `Object` is `an object`, `Array` `an array`. */
function inWords(expected: string | null | undefined): string | undefined {
  return expected === 'Object' ? 'an object' : expected === 'Array' ? 'an array' : (expected ?? undefined);
}

function show(x: unknown): string {
  if (x === undefined) return 'nothing';
  if (typeof x === 'number' || typeof x === 'boolean' || x === null) return String(x);
  if (typeof x === 'string') return JSON.stringify(x.length > 60 ? `${x.slice(0, 60)}…` : x);
  if (Array.isArray(x)) return `an array of ${x.length}`;
  return typeof x === 'object' ? 'an object' : typeof x;
}

type AnySchema = v.GenericSchema & { readonly entries?: Record<string, AnySchema>; readonly wrapped?: AnySchema; readonly item?: AnySchema; readonly pipe?: readonly unknown[] };

/** Paths of fields in `value` that the non-strict object schemas of `schema` do not declare. */
function unknownFields(schema: AnySchema, value: unknown, prefix: string): string[] {
  if (schema.wrapped) return value === undefined || value === null ? [] : unknownFields(schema.wrapped, value, prefix);
  if (schema.type === 'object' && schema.entries && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const out: string[] = [];
    for (const [k, item] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${k}` : k;
      const entry = schema.entries[k];
      if (!entry) out.push(path);
      else out.push(...unknownFields(entry, item, path));
    }
    return out;
  }
  if (schema.type === 'array' && schema.item && Array.isArray(value)) return value.flatMap((x, i) => unknownFields(schema.item!, x, `${prefix}[${i}]`));
  return [];
}
