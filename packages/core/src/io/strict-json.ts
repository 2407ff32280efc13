import { FileFormatError } from '../errors.js';

/**
 * A JSON number that is not a plain non-negative integer literal below 2^53: one written with a
 * sign, a fraction or an exponent (`-1`, `4.0`, `1e3`), or too large to be exact. Kept apart, with
 * its text, so callers can reject it where a size is required (as the Python reader rejects
 * `4.0` or `-1`) and quote it exactly in messages.
 *
 * @example
 * ```ts
 * parseStrictJson('[4.0]', 'x'); // [JsonNumberText { value: 4, text: '4.0' }]
 * ```
 */
export class JsonNumberText {
  constructor(
    /** The parsed value. */
    readonly value: number,
    /** The literal as written. */
    readonly text: string,
  ) {}
}

/**
 * A parsed JSON value: objects become `Map`s (key order kept, no prototype pitfalls), plain
 * non-negative integer literals below 2^53 become numbers, and other numbers become
 * {@link JsonNumberText}.
 *
 * @example
 * ```ts
 * const v: JsonValue = new Map([['a', [1, 2]]]);
 * ```
 */
export type JsonValue = null | boolean | number | string | JsonNumberText | JsonValue[] | Map<string, JsonValue>;

/** Nesting deeper than this is refused (a safetensors header needs 3 levels). */
const MAX_DEPTH = 64;

/**
 * Parses JSON strictly (RFC 8259): duplicate object keys, lone surrogate escapes and nesting deeper
 * than 64 levels are errors too. Every failure is a {@link FileFormatError} that starts with `where`
 * and gives the character offset.
 *
 * @example
 * ```ts
 * const header = parseStrictJson('{"a":{"dtype":"F32"}}', 'safetensors header');
 * (header as Map<string, JsonValue>).get('a');
 * ```
 */
export function parseStrictJson(text: string, where: string): JsonValue {
  const p = new Parser(text, where);
  p.skipSpace();
  const value = p.value(0);
  p.skipSpace();
  if (p.pos !== text.length) p.fail('unexpected data after the JSON value');
  return value;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

class Parser {
  pos = 0;
  constructor(
    readonly text: string,
    readonly where: string,
  ) {}

  fail(what: string): never {
    const at = this.pos < this.text.length ? `${JSON.stringify(this.text[this.pos])} at offset ${this.pos}` : `end of input at offset ${this.pos}`;
    throw new FileFormatError(`${this.where}: invalid JSON: ${what}, got ${at}`);
  }

  skipSpace(): void {
    const t = this.text;
    let i = this.pos;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.pos = i;
  }

  value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.word('true', true);
      case 'f':
        return this.word('false', false);
      case 'n':
        return this.word('null', null);
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.number();
        return this.fail('expected a value');
    }
  }

  word<T>(w: string, v: T): T {
    if (!this.text.startsWith(w, this.pos)) this.fail(`expected ${w}`);
    this.pos += w.length;
    return v;
  }

  number(): number | JsonNumberText {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) return this.fail('expected a number');
    const text = m[0];
    this.pos += text.length;
    const value = Number(text);
    if (text[0] === '-' || m[1] !== undefined || m[2] !== undefined || !Number.isSafeInteger(value)) return new JsonNumberText(value, text);
    return value;
  }

  string(): string {
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      let end = this.pos;
      while (end < t.length) {
        const c = t.charCodeAt(end);
        if (c === 0x22 || c === 0x5c || c < 0x20) break;
        end++;
      }
      out += t.slice(this.pos, end);
      this.pos = end;
      if (this.pos >= t.length) this.fail('unterminated string');
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        break;
      }
      if (c < 0x20) this.fail('control character inside a string');
      out += this.escape(); // backslash
    }
    if (/[\ud800-\udfff]/.test(out) && !isWellFormedUtf16(out)) this.fail('lone surrogate in a string');
    return out;
  }

  escape(): string {
    const t = this.text;
    const e = t[this.pos + 1];
    this.pos += 2;
    switch (e) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const hex = t.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('expected 4 hex digits after \\u');
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        this.pos -= 1;
        return this.fail('invalid escape');
    }
  }

  array(depth: number): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      out.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return out;
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  object(depth: number): Map<string, JsonValue> {
    this.pos++;
    const out = new Map<string, JsonValue>();
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const keyAt = this.pos;
      const key = this.string();
      if (out.has(key)) {
        this.pos = keyAt;
        this.fail(`duplicate key ${JSON.stringify(key)}`);
      }
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.skipSpace();
      out.set(key, this.value(depth + 1));
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return out;
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
  }
}

/**
 * True when a string has no lone surrogates, so it can be encoded as UTF-8 and back unchanged.
 *
 * @example
 * ```ts
 * isWellFormedUtf16('a\ud83d\ude00'); // true
 * isWellFormedUtf16('\ud83d'); // false
 * ```
 */
export function isWellFormedUtf16(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00) return false;
    const d = s.charCodeAt(i + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
    i++;
  }
  return true;
}
