import { JsonNumberText } from '@peft/core/plugin';
import { describe, expect, it } from 'vitest';
import { PythonCode, pythonKwargs, pythonLiteral, pythonString } from './python-literal.js';

describe('pythonLiteral', () => {
  it('writes JSON values as Python literals', () => {
    expect(pythonLiteral({ a: [1, 2.5, -3e-8], b: true, c: false, d: null, e: 'x' })).toBe('{"a": [1, 2.5, -3e-8], "b": True, "c": False, "d": None, "e": "x"}');
    expect(pythonLiteral(new Map([['k', new JsonNumberText(0, '0.0')]]))).toBe('{"k": 0.0}');
  });

  it('escapes strings so Python reads the same text', () => {
    expect(pythonString('a "b"\n\\c\u2028')).toBe('"a \\"b\\"\\n\\\\c\\u2028"');
  });

  it('writes keyword arguments one per line, code verbatim', () => {
    expect(pythonKwargs(new Map<string, unknown>([['r', 8], ['dtype', new PythonCode('torch.float32')]]), '  ')).toBe('  r=8,\n  dtype=torch.float32,');
  });
});
