import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../errors.js';
import { JsonNumberText, isWellFormedUtf16, parseStrictJson } from './strict-json.js';

const parse = (s: string) => parseStrictJson(s, 'test');

describe('parseStrictJson', () => {
  it('parses objects into ordered maps and plain integers into numbers', () => {
    const v = parse(' {"b": [1, 20, 0], "a": {"x": "y"}, "t": true, "f": false, "n": null} ');
    expect(v).toBeInstanceOf(Map);
    const m = v as Map<string, unknown>;
    expect([...m.keys()]).toEqual(['b', 'a', 't', 'f', 'n']);
    expect(m.get('b')).toEqual([1, 20, 0]);
    expect((m.get('a') as Map<string, unknown>).get('x')).toBe('y');
    expect(m.get('t')).toBe(true);
    expect(m.get('n')).toBe(null);
  });

  it('marks signed, fractional and exponent numbers as non-integer literals', () => {
    const v = parse('[-1, 4.0, 1e3, 0]') as unknown[];
    expect(v[0]).toEqual(new JsonNumberText(-1, '-1'));
    expect(v[1]).toEqual(new JsonNumberText(4, '4.0'));
    expect(v[2]).toEqual(new JsonNumberText(1000, '1e3'));
    expect(v[3]).toBe(0);
  });

  it('decodes escapes, including surrogate pairs', () => {
    expect(parse('"a\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"')).toBe('a"\\/\b\f\n\r\té😀');
  });

  it('keeps a "__proto__" key as plain data', () => {
    const m = parse('{"__proto__": "x"}') as Map<string, unknown>;
    expect(m.get('__proto__')).toBe('x');
  });

  it.each([
    ['{"a":1,"a":2}', 'duplicate key "a"'],
    ['{"a":1,}', 'expected a string key'],
    ['[1,]', 'expected a value'],
    ['{"a" 1}', "expected ':'"],
    ['"abc', 'unterminated string'],
    ['"a\u0001"', 'control character'],
    ['"\\x"', 'invalid escape'],
    ['"\\u12"', '4 hex digits'],
    ['"\\ud800"', 'lone surrogate'],
    ['01', 'unexpected data after the JSON value'],
    ['{} x', 'unexpected data after the JSON value'],
    ['tru', 'expected true'],
    ['', 'expected a value, got end of input'],
    ['\ufeff{}', 'expected a value'],
    ['[1 2]', "expected ',' or ']'"],
  ])('rejects %j with a FileFormatError (%s)', (text, fragment) => {
    expect(() => parse(text)).toThrow(FileFormatError);
    expect(() => parse(text)).toThrow(fragment);
  });

  it('refuses deep nesting instead of overflowing the stack', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(() => parse(deep)).toThrow(/nesting deeper than 64/);
  });
});

describe('isWellFormedUtf16', () => {
  it('accepts pairs and rejects lone surrogates in either order', () => {
    expect(isWellFormedUtf16('abc\ud83d\ude00')).toBe(true);
    expect(isWellFormedUtf16('\ude00\ud83d')).toBe(false);
    expect(isWellFormedUtf16('x\ud83d')).toBe(false);
  });
});
