import { JsonNumberText } from '@peft/core/plugin';

/**
 * A JSON value written as Python source: `true`/`false`/`null` become `True`/`False`/`None`, strings
 * are double-quoted with JSON's escapes (which Python's string literals read the same way), objects
 * become dicts and arrays lists; a number kept as JSON text (`0.0`) is written as that text.
 *
 * @example
 * ```ts
 * pythonLiteral({ r: 8, target_modules: ['q_proj'], bias: 'none', use_dora: false }); // '{"r": 8, "target_modules": ["q_proj"], "bias": "none", "use_dora": False}'
 * ```
 */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'float("nan")';
    if (!Number.isFinite(value)) return value > 0 ? 'float("inf")' : 'float("-inf")';
    return String(value);
  }
  if (typeof value === 'string') return pythonString(value);
  // a JSON number kept with its text (`0.0`, `1e-05`): that text is a Python literal too
  if (value instanceof JsonNumberText) return value.text;
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  if (value instanceof Map) return `{${[...(value as Map<string, unknown>)].map(([k, v]) => `${pythonString(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${pythonString(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
  throw new TypeError(`pythonLiteral: cannot write a ${typeof value} as Python`);
}

/**
 * A string as a double-quoted Python literal (JSON's escapes, plus `\u2028`/`\u2029` escaped).
 *
 * @example
 * ```ts
 * pythonString('say "hi"\n'); // '"say \\"hi\\"\\n"'
 * ```
 */
export function pythonString(text: string): string {
  return JSON.stringify(text).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Keyword arguments, one per line at `indent`, each `name=literal,`.
 *
 * @example
 * ```ts
 * pythonKwargs(new Map([['r', 8], ['bias', 'none']]), '    '); // '    r=8,\n    bias="none",'
 * ```
 */
export function pythonKwargs(kwargs: ReadonlyMap<string, unknown>, indent: string): string {
  return [...kwargs].map(([k, v]) => `${indent}${k}=${v instanceof PythonCode ? v.code : pythonLiteral(v)},`).join('\n');
}

/**
 * Python source to write verbatim where a literal would go (`torch.float32`, a variable name).
 *
 * @example
 * ```ts
 * pythonKwargs(new Map([['bnb_4bit_compute_dtype', new PythonCode('torch.float32')]]), ''); // 'bnb_4bit_compute_dtype=torch.float32,'
 * ```
 */
export class PythonCode {
  constructor(readonly code: string) {}
}
