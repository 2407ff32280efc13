import { ConfigError } from '../../errors.js';

/**
 * How a compiled pattern is anchored: `full` is Python's `re.fullmatch`, `start` is `re.match`
 * (anchored at the start only), `search` is `re.search` (anywhere).
 *
 * @example
 * ```ts
 * const a: PythonAnchor = 'full';
 * ```
 */
export type PythonAnchor = 'full' | 'start' | 'search';

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  a: boolean;
}

/** Python's Unicode word characters (`str.isalnum()` or `_`), as a class body for the `u` flag. */
const WORD = '\\p{L}\\p{N}_';
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);
const ASCII_LETTER = /^[A-Za-z]$/;
const OCT = /^[0-7]$/;
const HEX = /^[0-9A-Fa-f]$/;

class Bad extends Error {}

/** Marks a Unicode `\W` met inside a class (it cannot stay there under the `u` flag). */
const NON_WORD_IN_CLASS = '\\W(unicode)';

/** One literal code point in a form that the `u` flag accepts anywhere. */
function lit(ch: string, inClass: boolean): string {
  const cp = ch.codePointAt(0)!;
  if (SYNTAX.has(ch) || (inClass && ch === '-')) return `\\${ch}`;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x2028 && cp <= 0x2029)) return `\\u{${cp.toString(16)}}`;
  return ch;
}

/**
 * Rewrites a Python `re` pattern (str patterns, Python 3.11+ syntax) as a JavaScript source for the
 * flags `u` (+ `i`), keeping Python's meaning: `(?P<name>…)`, `(?P=name)`, `\A`, `\Z`, global inline
 * flags at the start (`(?i)`, `(?s)`, `(?m)`, `(?x)`, `(?a)`), Python's `.`, `^` and `$`, Unicode
 * `\d`/`\w`/`\b`, a `]` first in a class, `{,n}`, and literal braces. Constructs JavaScript cannot
 * express (scoped flags, atomic groups, possessive quantifiers, conditionals, `\N{…}`) are refused.
 *
 * @example
 * ```ts
 * translatePythonRegex('(?P<n>a)(?P=n)\\Z'); // { source: '(?<n>a)\\k<n>(?![\\s\\S])', flags: 'u' }
 * ```
 */
export function translatePythonRegex(pattern: string, field = 'pattern'): { source: string; flags: string } {
  try {
    return translate(pattern);
  } catch (e) {
    throw compileError(field, pattern, e);
  }
}

function compileError(field: string, pattern: string, e: unknown): ConfigError {
  const why = e instanceof Error ? e.message : String(e);
  return new ConfigError(`${field}: cannot compile the Python regular expression ${JSON.stringify(pattern)}: ${why}`);
}

function translate(pattern: string): { source: string; flags: string } {
  const src = [...pattern];
  const flags: Flags = { i: false, m: false, s: false, x: false, a: false };
  let pos = 0;
  // Global flags are only allowed at the very start (Python 3.11+).
  for (;;) {
    const m = /^\(\?([aiLmsux]+)\)/.exec(src.slice(pos).join(''));
    if (!m) break;
    for (const f of m[1]) {
      if (f === 'L') throw new Bad('cannot use LOCALE flag with a str pattern');
      if (f !== 'u') flags[f as keyof Flags] = true;
    }
    if (m[1].includes('a') && m[1].includes('u')) throw new Bad('ASCII and UNICODE flags are incompatible');
    pos += [...m[0]].length;
  }
  const peek = (k = 0): string | undefined => src[pos + k];
  const word = (negate: boolean): string => (flags.a ? (negate ? '\\W' : '\\w') : negate ? `[^${WORD}]` : `[${WORD}]`);
  const digit = (negate: boolean): string => (flags.a ? (negate ? '[^0-9]' : '[0-9]') : negate ? '\\P{Nd}' : '\\p{Nd}');

  /** Reads a fixed number of hex digits after `\x`, `\u`, `\U`. */
  const hex = (n: number, esc: string): string => {
    const h = src.slice(pos, pos + n);
    if (h.length < n || !h.every((c) => HEX.test(c))) throw new Bad(`incomplete escape \\${esc}${h.join('')}`);
    pos += n;
    const cp = parseInt(h.join(''), 16);
    if (cp > 0x10ffff) throw new Bad(`bad escape \\${esc}${h.join('')}`);
    return String.fromCodePoint(cp);
  };

  /** An escape valid both in and out of classes; returns a literal character or null. */
  const commonEscape = (c: string): string | null => {
    const simple: Record<string, string> = { a: '\x07', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
    if (c in simple) return simple[c];
    if (c === 'x') return hex(2, c);
    if (c === 'u') return hex(4, c);
    if (c === 'U') return hex(8, c);
    if (c === 'N') throw new Bad('\\N{...} named characters are not supported');
    return null;
  };

  const octal = (first: string, max: number): string => {
    let digits = first;
    while (digits.length < max && peek() !== undefined && OCT.test(peek()!)) digits += src[pos++];
    const cp = parseInt(digits, 8);
    if (cp > 0o377) throw new Bad(`octal escape value \\${digits} outside of range 0-0o377`);
    return String.fromCodePoint(cp);
  };

  const parseClass = (): string => {
    const negated = peek() === '^';
    if (negated) pos++;
    const start = pos;
    let body = '';
    let nonWord = false;
    /** Reads one class atom: a literal code point, or a set escape (returned with `set: true`). */
    const atom = (): { ch?: string; set?: string } => {
      const c = src[pos++];
      if (c !== '\\') return { ch: c };
      const e = src[pos++];
      if (e === undefined) throw new Bad('bad escape (end of pattern)');
      if (e === 'd' || e === 'D') return { set: digit(e === 'D') };
      if (e === 's' || e === 'S') return { set: `\\${e}` };
      if (e === 'w') return { set: flags.a ? '\\w' : WORD };
      if (e === 'W') return { set: flags.a ? '\\W' : NON_WORD_IN_CLASS };
      if (e === 'b') return { ch: '\b' };
      const common = commonEscape(e);
      if (common !== null) return { ch: common };
      if (OCT.test(e)) return { ch: octal(e, 3) };
      if (/^[0-9]$/.test(e) || ASCII_LETTER.test(e)) throw new Bad(`bad escape \\${e}`);
      return { ch: e };
    };
    for (;;) {
      if (pos >= src.length) throw new Bad('unterminated character set');
      if (src[pos] === ']' && pos !== start) {
        pos++;
        break;
      }
      const a = atom();
      if (a.set === NON_WORD_IN_CLASS) {
        nonWord = true;
        continue;
      }
      if (a.set !== undefined) {
        body += a.set;
        continue;
      }
      if (peek() === '-' && peek(1) !== undefined && peek(1) !== ']') {
        pos++;
        const b = atom();
        if (b.set !== undefined) throw new Bad(`bad character range ${a.ch!}-${b.set}`);
        if (b.ch!.codePointAt(0)! < a.ch!.codePointAt(0)!) throw new Bad(`bad character range ${a.ch!}-${b.ch!}`);
        body += `${lit(a.ch!, true)}-${lit(b.ch!, true)}`;
        continue;
      }
      body += lit(a.ch!, true);
    }
    if (!nonWord) return `[${negated ? '^' : ''}${body}]`;
    // A Unicode \W cannot sit inside a `u` class: express the union (or its complement) as a group.
    if (negated) return body ? `(?:(?![${body}])[${WORD}])` : `[${WORD}]`;
    return body ? `(?:[${body}]|[^${WORD}])` : `[^${WORD}]`;
  };

  /** Possessive quantifiers (`a*+`) have no JavaScript form. */
  const afterQuantifier = (): string => {
    if (peek() === '+') throw new Bad('possessive quantifiers are not supported');
    if (peek() === '?') {
      pos++;
      return '?';
    }
    return '';
  };

  // Back references must name a group that is already closed, as Python checks.
  let opened = 0;
  const stack: number[] = [];
  const closed = new Set<number>();
  const names = new Map<string, number>();
  const checkRef = (n: number, shown: string): void => {
    if (n > opened) throw new Bad(`invalid group reference ${shown}`);
    if (!closed.has(n)) throw new Bad(`cannot refer to an open group ${shown}`);
  };

  let out = '';
  while (pos < src.length) {
    const c = src[pos++];
    if (flags.x && /^\s$/.test(c)) continue;
    if (flags.x && c === '#') {
      while (pos < src.length && src[pos] !== '\n') pos++;
      continue;
    }
    switch (c) {
      case '\\': {
        const e = src[pos++];
        if (e === undefined) throw new Bad('bad escape (end of pattern)');
        if (e === 'A') out += '(?<![\\s\\S])';
        else if (e === 'Z') out += '(?![\\s\\S])';
        else if (e === 'd' || e === 'D') out += digit(e === 'D');
        else if (e === 'w' || e === 'W') out += word(e === 'W');
        else if (e === 's' || e === 'S') out += `\\${e}`;
        else if (e === 'b' || e === 'B') {
          if (flags.a) out += `\\${e}`;
          else {
            const w = `[${WORD}]`;
            const at = `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`;
            out += e === 'b' ? at : `(?!${at})`;
          }
        } else if (e === '0') out += lit(octal('0', 3), false);
        else if (/^[1-9]$/.test(e)) {
          if (OCT.test(e) && OCT.test(peek() ?? '') && OCT.test(peek(1) ?? '')) out += lit(octal(e, 3), false);
          else {
            let n = e;
            if (/^[0-9]$/.test(peek() ?? '')) n += src[pos++];
            checkRef(Number(n), n);
            out += `(?:\\${n})`;
          }
        } else {
          const common = commonEscape(e);
          if (common !== null) out += lit(common, false);
          else if (ASCII_LETTER.test(e)) throw new Bad(`bad escape \\${e}`);
          else out += lit(e, false);
        }
        break;
      }
      case '[':
        out += parseClass();
        break;
      case '(': {
        if (peek() !== '?') {
          stack.push(++opened);
          out += '(';
          break;
        }
        pos++;
        const rest = src.slice(pos).join('');
        let m: RegExpExecArray | null;
        if (rest.startsWith(':') || rest.startsWith('=') || rest.startsWith('!') || rest.startsWith('<=') || rest.startsWith('<!')) {
          stack.push(0);
          out += '(?';
        } else if ((m = /^P<([^>]*)>/.exec(rest))) {
          if (!/^[\p{L}_][\p{L}\p{N}_]*$/u.test(m[1])) throw new Bad(`bad character in group name '${m[1]}'`);
          if (names.has(m[1])) throw new Bad(`redefinition of group name '${m[1]}'`);
          names.set(m[1], ++opened);
          stack.push(opened);
          out += `(?<${m[1]}>`;
          pos += [...m[0]].length;
        } else if ((m = /^P=([^)]*)\)/.exec(rest))) {
          if (!/^[\p{L}_][\p{L}\p{N}_]*$/u.test(m[1])) throw new Bad(`bad character in group name '${m[1]}'`);
          const n = names.get(m[1]);
          if (n === undefined) throw new Bad(`unknown group name '${m[1]}'`);
          checkRef(n, m[1]);
          out += `\\k<${m[1]}>`;
          pos += [...m[0]].length;
        } else if ((m = /^#[^)]*\)/.exec(rest))) {
          pos += [...m[0]].length;
        } else if (/^[aiLmsux]+\)/.test(rest)) {
          throw new Bad('global flags not at the start of the expression');
        } else if (/^[aiLmsux-]+:/.test(rest)) {
          throw new Bad('scoped inline flags like (?i:...) are not supported');
        } else if (rest.startsWith('>')) {
          throw new Bad('atomic groups (?>...) are not supported');
        } else if (rest.startsWith('(')) {
          throw new Bad('conditional groups (?(id)yes|no) are not supported');
        } else {
          throw new Bad(`unknown extension ?${rest.slice(0, 2)}`);
        }
        break;
      }
      case '.':
        out += flags.s ? '[\\s\\S]' : '[^\\n]';
        break;
      case '^':
        out += flags.m ? '(?:(?<![\\s\\S])|(?<=\\n))' : '^';
        break;
      case '$':
        // Python's `$` also matches before a final newline (any newline with MULTILINE).
        out += flags.m ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))';
        break;
      case '*':
      case '+':
      case '?':
        out += c + afterQuantifier();
        break;
      case '{': {
        const m = /^(\d*)(?:(,)(\d*))?\}/.exec(src.slice(pos).join(''));
        if (!m || (m[1] === '' && m[2] === undefined)) {
          out += '\\{';
          break;
        }
        pos += m[0].length;
        const lo = m[1] === '' ? '0' : m[1];
        if (m[3] !== undefined && m[3] !== '' && Number(m[3]) < Number(lo)) throw new Bad('min repeat greater than max repeat');
        out += m[2] === undefined ? `{${lo}}` : `{${lo},${m[3]}}`;
        out += afterQuantifier();
        break;
      }
      case ')': {
        const n = stack.pop();
        if (n === undefined) throw new Bad('unbalanced parenthesis');
        closed.add(n);
        out += c;
        break;
      }
      case '|':
        out += c;
        break;
      default:
        out += lit(c, false);
    }
  }
  return { source: out, flags: flags.i ? 'iu' : 'u' };
}

const cache = new Map<string, RegExp>();

/**
 * Compiles a Python `re` pattern once (cached) as a JavaScript RegExp anchored like `re.fullmatch`,
 * `re.match` or `re.search`. Throws a {@link ConfigError} naming `field` and the pattern when it
 * cannot be compiled.
 *
 * @example
 * ```ts
 * compilePythonRegex('.*\\.q_proj', 'full', 'target_modules').test('model.layers.0.self_attn.q_proj'); // true
 * ```
 */
export function compilePythonRegex(pattern: string, anchor: PythonAnchor = 'search', field = 'pattern'): RegExp {
  const cacheKey = `${anchor}\u0000${pattern}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  let re: RegExp;
  try {
    const { source, flags } = translate(pattern);
    // A non-capturing group keeps alternatives inside the anchors and group numbers unchanged.
    const anchored = anchor === 'full' ? `^(?:${source})$` : anchor === 'start' ? `^(?:${source})` : source;
    re = new RegExp(anchored, flags);
  } catch (e) {
    throw compileError(field, pattern, e);
  }
  cache.set(cacheKey, re);
  return re;
}

/**
 * Python's `re.fullmatch(pattern, text) is not None`: the whole text must match.
 *
 * @example
 * ```ts
 * pythonFullMatch('.*\\.(q|v)_proj', 'model.layers.0.self_attn.q_proj'); // true
 * pythonFullMatch('q_proj|v_proj', 'x.q_proj'); // false: both alternatives are anchored
 * ```
 */
export function pythonFullMatch(pattern: string, text: string, field?: string): boolean {
  return compilePythonRegex(pattern, 'full', field).test(text);
}

/**
 * Python's `re.match(pattern, text)`: a match anchored at the start (not the end), or null. The
 * result carries the groups like Python's match object (`m[1]`, `m.groups.name`).
 *
 * @example
 * ```ts
 * pythonMatch('.*\\.h\\.(\\d+)\\.', 'transformer.h.1.attn.c_attn')?.[1]; // '1'
 * ```
 */
export function pythonMatch(pattern: string, text: string, field?: string): RegExpExecArray | null {
  return compilePythonRegex(pattern, 'start', field).exec(text);
}

/**
 * Python's `re.search(pattern, text)`: the first match anywhere, or null.
 *
 * @example
 * ```ts
 * pythonSearch('attn', 'transformer.h.0.attn.c_attn')?.index; // 16
 * ```
 */
export function pythonSearch(pattern: string, text: string, field?: string): RegExpExecArray | null {
  return compilePythonRegex(pattern, 'search', field).exec(text);
}
