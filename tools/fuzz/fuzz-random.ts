/**
 * A seeded generator (mulberry32) and the mutations the fuzz targets share: byte flips, splices,
 * truncation, and JSON-aware edits that keep a file almost valid so that inputs reach deep into the
 * loaders instead of failing at the first byte.
 */

/** A generator of floats in [0, 1) with helpers; the same seed gives the same sequence. @example `const r = fuzzRandom(1); r.int(10);` */
export interface FuzzRandom {
  /** The next float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** One element of `items`. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/**
 * A seeded generator (mulberry32).
 *
 * @example
 * ```ts
 * const r = fuzzRandom(42);
 * r.int(6); // the same value for the same seed
 * ```
 */
export function fuzzRandom(seed: number): FuzzRandom {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: (items) => items[int(items.length)], chance: (p) => next() < p };
}

/** Values that break parsers: extremes, wrong types, odd strings. */
const HOSTILE_JSON = [
  '-1', '0', '1', '2147483648', '4294967296', '9007199254740993', '1e308', '-1e308', '1e-320', '0.5', '-0', '1e400',
  'null', 'true', 'false', '""', '"x"', '[]', '{}', '[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]', '"\\ud800"', '"a\\u0000b"',
  '{"__proto__": {"polluted": 1}}', '"constructor"', '[1, 2, 3]', `"${'A'.repeat(5000)}"`, 'NaN', 'Infinity',
];

/**
 * Mutates bytes: bit flips, random bytes, truncation, insertion or deletion, duplication of a slice.
 *
 * @example
 * ```ts
 * const bad = mutateBytes(fuzzRandom(1), good);
 * ```
 */
export function mutateBytes(r: FuzzRandom, input: Uint8Array): Uint8Array {
  const bytes = input.slice();
  const n = bytes.length;
  if (n === 0) return randomBytes(r, 64);
  switch (r.int(6)) {
    case 0:
      for (let k = 1 + r.int(8); k > 0; k--) bytes[r.int(n)] ^= 1 << r.int(8);
      return bytes;
    case 1:
      for (let k = 1 + r.int(8); k > 0; k--) bytes[r.int(n)] = r.int(256);
      return bytes;
    case 2:
      return bytes.subarray(0, r.int(n));
    case 3: {
      const at = r.int(n);
      const del = r.int(Math.min(16, n - at) + 1);
      const ins = randomBytes(r, r.int(16));
      return concat(bytes.subarray(0, at), ins, bytes.subarray(at + del));
    }
    case 4: {
      const at = r.int(n);
      const len = 1 + r.int(Math.min(256, n - at));
      return concat(bytes.subarray(0, at + len), bytes.subarray(at, at + len), bytes.subarray(at + len));
    }
    default:
      return randomBytes(r, r.int(2 * n + 16));
  }
}

/**
 * Mutates JSON text: replaces a value with a hostile one, drops or duplicates a key, changes a digit,
 * inserts a JSON-significant character, truncates; or falls back to a byte mutation.
 *
 * @example
 * ```ts
 * const bad = mutateJson(fuzzRandom(1), '{"r": 8}');
 * ```
 */
export function mutateJson(r: FuzzRandom, text: string): string {
  const tokens = [...text.matchAll(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null/g)];
  switch (r.int(7)) {
    case 0:
    case 1: {
      // replace 1..3 value tokens with hostile ones
      let out = text;
      for (let k = 1 + r.int(3); k > 0 && tokens.length; k--) {
        const m = r.pick(tokens);
        const after = out.slice(m.index + m[0].length).trimStart();
        if (after.startsWith(':')) continue; // a key: leave it
        out = out.slice(0, m.index) + r.pick(HOSTILE_JSON) + out.slice(m.index + m[0].length);
        break;
      }
      return out;
    }
    case 2: {
      // change one digit
      const digits = [...text.matchAll(/\d/g)];
      if (!digits.length) return text;
      const d = r.pick(digits);
      return text.slice(0, d.index) + String(r.int(10)) + text.slice(d.index + 1);
    }
    case 3: {
      // remove a "key": value line (pretty-printed files) or duplicate one
      const lines = text.split('\n');
      const at = r.int(lines.length);
      if (r.chance(0.5)) lines.splice(at, 1);
      else lines.splice(at, 0, lines[at]);
      return lines.join('\n');
    }
    case 4: {
      const at = r.int(text.length + 1);
      return text.slice(0, at) + r.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', '\ud800', '\n']) + text.slice(at);
    }
    case 5:
      return text.slice(0, r.int(text.length));
    default:
      return new TextDecoder().decode(mutateBytes(r, new TextEncoder().encode(text)));
  }
}

/**
 * Mutates any text (CSV, JSONL, plain text): JSON edits on a line, line deletion/duplication, byte edits.
 *
 * @example
 * ```ts
 * const bad = mutateText(fuzzRandom(1), 'a,b\n1,2\n');
 * ```
 */
export function mutateText(r: FuzzRandom, text: string): string {
  if (r.chance(0.5)) return mutateJson(r, text);
  const lines = text.split('\n');
  const at = r.int(lines.length);
  switch (r.int(4)) {
    case 0:
      lines[at] = mutateJson(r, lines[at]);
      return lines.join('\n');
    case 1:
      lines.splice(at, 0, r.pick(['', ',', '""', '"unterminated', '\r', 'a,b,c,d,e,f', '{"text": 1}', '[]', 'x'.repeat(10_000)]));
      return lines.join('\n');
    case 2:
      return lines.reverse().join(r.pick(['\n', '\r\n', '\r', '\n\n']));
    default:
      return new TextDecoder().decode(mutateBytes(r, new TextEncoder().encode(text)));
  }
}

/** Random bytes of length `n`. @example `randomBytes(fuzzRandom(1), 16)` */
export function randomBytes(r: FuzzRandom, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = r.int(256);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
