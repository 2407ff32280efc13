import { ArgumentError } from '../errors.js';
import { compareCodePoints } from './safetensors-writer.js';
import { JsonNumberText, type JsonValue } from './strict-json.js';

/**
 * A float the way Python's `repr` writes it: the shortest round-trip digits, always with a `.0` or an
 * exponent, exponents as `e-05` / `e+16` (used below 1e-4 and from 1e16). `Infinity`/`NaN` have no
 * JSON spelling and are refused.
 *
 * @example
 * ```ts
 * pythonFloat(0);     // '0.0'
 * pythonFloat(1e-5);  // '1e-05'
 * pythonFloat(0.05);  // '0.05'
 * ```
 */
export function pythonFloat(x: number): string {
  if (!Number.isFinite(x)) throw new ArgumentError(`pythonFloat: expected a finite number, got ${x}`);
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const digits = mantissa.replace('.', '');
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  return `${sign}${whole}.${digits.slice(exp + 1) || '0'}`;
}

/**
 * Serialises a JSON value as Python's `json.dumps(value, indent=2, sort_keys=True)` does (what Hugging
 * Face writes for `adapter_config.json`): keys sorted by code point at every level, two-space
 * indentation, `", "`-free separators inside lines, non-ASCII escaped as `\uXXXX`, and
 * {@link JsonNumberText} values written verbatim (so a float field keeps its `0.0`). The objects under
 * the top-level keys in `keepOrderOf` keep their own key order (where the order has a meaning, as in
 * `rank_pattern`, whose first matching key wins).
 *
 * @example
 * ```ts
 * formatPythonJson(new Map([['r', 8], ['lora_dropout', new JsonNumberText(0, '0.0')]]));
 * // '{\n  "lora_dropout": 0.0,\n  "r": 8\n}'
 * ```
 */
export function formatPythonJson(value: JsonValue, opts?: { sortKeys?: boolean; keepOrderOf?: readonly string[] }): string {
  const sortKeys = opts?.sortKeys ?? true;
  const keep = new Set(opts?.keepOrderOf ?? []);
  const write = (v: JsonValue, indent: string, sort = sortKeys): string => {
    if (v === null) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new ArgumentError(`formatPythonJson: expected finite numbers, got ${v}`);
      return Number.isInteger(v) ? String(v) : pythonFloat(v);
    }
    if (typeof v === 'string') return quote(v);
    if (v instanceof JsonNumberText) return v.text;
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((x) => inner + write(x, inner)).join(',\n')}\n${indent}]`;
    }
    const keys = [...v.keys()];
    if (keys.length === 0) return '{}';
    if (sort) keys.sort(compareCodePoints);
    return `{\n${keys.map((k) => `${inner}${quote(k)}: ${write(v.get(k)!, inner, sortKeys && !(indent === '' && keep.has(k)))}`).join(',\n')}\n${indent}}`;
  };
  return write(value, '');
}

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
