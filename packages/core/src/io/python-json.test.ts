import { describe, expect, it } from 'vitest';
import { formatPythonJson, pythonFloat } from './python-json.js';
import { JsonNumberText, parseStrictJson } from './strict-json.js';

describe('pythonFloat', () => {
  it.each([
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [0.05, '0.05'],
    [-2.5, '-2.5'],
    [123.456, '123.456'],
    [1e-4, '0.0001'],
    [1e-5, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [0.1 + 0.2, '0.30000000000000004'],
  ])('writes %d as Python repr does (%s)', (x, text) => {
    expect(pythonFloat(x)).toBe(text);
  });

  it('refuses values JSON cannot spell', () => {
    expect(() => pythonFloat(Number.NaN)).toThrow(/finite/);
  });
});

describe('formatPythonJson', () => {
  it('sorts keys, indents by two and keeps float literals', () => {
    const v = new Map<string, never>([
      ['r', 8 as never],
      ['lora_dropout', new JsonNumberText(0, '0.0') as never],
      ['target_modules', ['q_proj', 'v_proj'] as never],
      ['rank_pattern', new Map() as never],
      ['layers', [] as never],
      ['name', null as never],
    ]);
    expect(formatPythonJson(v)).toBe(
      '{\n  "layers": [],\n  "lora_dropout": 0.0,\n  "name": null,\n  "r": 8,\n  "rank_pattern": {},\n  "target_modules": [\n    "q_proj",\n    "v_proj"\n  ]\n}',
    );
  });

  it('escapes non-ASCII and control characters like ensure_ascii', () => {
    expect(formatPythonJson('é"\n\u007f~')).toBe('"\\u00e9\\"\\n\\u007f~"');
  });

  it('round-trips a Hugging Face adapter_config.json byte for byte', () => {
    const text = '{\n  "alpha_pattern": {},\n  "bias": "none",\n  "lora_dropout": 0.0,\n  "r": 4,\n  "target_modules": [\n    "c_attn"\n  ]\n}';
    expect(formatPythonJson(parseStrictJson(text, 'config'))).toBe(text);
  });
});

describe('formatPythonJson with keepOrderOf', () => {
  it('keeps the key order of the named top-level objects and sorts the rest', () => {
    const v = new Map<string, never>([
      ['rank_pattern', new Map([['v_proj', 3], ['layers\\.1', 6]]) as never],
      ['alpha', new Map([['b', 1], ['a', 2]]) as never],
    ]);
    expect(formatPythonJson(v, { keepOrderOf: ['rank_pattern'] })).toBe(
      '{\n  "alpha": {\n    "a": 2,\n    "b": 1\n  },\n  "rank_pattern": {\n    "v_proj": 3,\n    "layers\\\\.1": 6\n  }\n}',
    );
  });
});
