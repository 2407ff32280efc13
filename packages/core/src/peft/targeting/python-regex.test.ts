import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { compilePythonRegex, pythonFullMatch, pythonMatch, pythonSearch, translatePythonRegex } from './python-regex.js';

// Every expectation below was checked against CPython 3's `re` module.
describe('Python regular expressions in JavaScript', () => {
  it('anchors every alternative of a full match, not only the first and last', () => {
    expect(pythonFullMatch('q_proj|v_proj', 'model.q_proj')).toBe(false);
    expect(pythonFullMatch('q_proj|v_proj', 'v_proj')).toBe(true);
    expect(pythonFullMatch('q_proj|v_proj', 'q_projx')).toBe(false);
  });

  it('matches the regex target of the llama_lora_regex fixture against full module names', () => {
    const p = '.*\\.(self_attn\\.(q|v)_proj|mlp\\.down_proj)';
    expect(pythonFullMatch(p, 'model.layers.0.self_attn.q_proj')).toBe(true);
    expect(pythonFullMatch(p, 'model.layers.1.mlp.down_proj')).toBe(true);
    expect(pythonFullMatch(p, 'model.layers.0.self_attn.k_proj')).toBe(false);
    expect(pythonFullMatch(p, 'self_attn.q_proj')).toBe(false);
  });

  it('translates named groups and named back references', () => {
    expect(translatePythonRegex('(?P<n>a)(?P=n)\\Z')).toEqual({ source: '(?<n>a)\\k<n>(?![\\s\\S])', flags: 'u' });
    expect(pythonFullMatch('(?P<x>ab)(?P=x)', 'abab')).toBe(true);
    expect(pythonFullMatch('(?P<x>ab)(?P=x)', 'abac')).toBe(false);
    expect(pythonMatch('(?P<layer>\\d+)', '12x')?.groups?.layer).toBe('12');
  });

  it('reads \\A and \\Z as the ends of the string and $ as the end or before a final newline', () => {
    expect(pythonMatch('abc\\Z', 'abc')).not.toBeNull();
    expect(pythonMatch('abc\\Z', 'abc\n')).toBeNull();
    expect(pythonFullMatch('\\Aabc', 'abc')).toBe(true);
    expect(pythonMatch('abc$', 'abc\n')).not.toBeNull();
    expect(pythonFullMatch('abc$', 'abc\n')).toBe(false);
  });

  it('applies global inline flags written at the start', () => {
    expect(pythonFullMatch('(?i)Q_PROJ', 'q_proj')).toBe(true);
    expect(pythonFullMatch('a.c', 'a\nc')).toBe(false);
    expect(pythonFullMatch('(?s)a.c', 'a\nc')).toBe(true);
    expect(pythonSearch('(?m)^b$', 'a\nb\nc')).not.toBeNull();
    expect(pythonSearch('^b$', 'a\nb\nc')).toBeNull();
    expect(pythonFullMatch('(?x) a b  # comment\n c', 'abc')).toBe(true);
    expect(pythonFullMatch('(?i)(?s)A.C', 'a\nc')).toBe(true);
  });

  it("keeps Python's dot, which excludes only \\n", () => {
    expect(pythonFullMatch('a.c', 'a\rc')).toBe(true);
  });

  it('treats a leading ] in a class, {,n}, and braces that are no quantifier like Python', () => {
    expect(pythonFullMatch('[]a]+', ']a]')).toBe(true);
    expect(pythonFullMatch('[^]a]', 'b')).toBe(true);
    expect(pythonFullMatch('a{,2}', 'aa')).toBe(true);
    expect(pythonFullMatch('a{,2}', 'aaa')).toBe(false);
    expect(pythonFullMatch('a{x}', 'a{x}')).toBe(true);
    expect(pythonFullMatch('a{}', 'a{}')).toBe(true);
    expect(pythonFullMatch('x}', 'x}')).toBe(true);
  });

  it('uses Unicode digits and word characters unless (?a) is given', () => {
    expect(pythonFullMatch('\\d+', '١٢')).toBe(true);
    expect(pythonFullMatch('(?a)\\d+', '١٢')).toBe(false);
    expect(pythonFullMatch('\\w+', 'é_1')).toBe(true);
    expect(pythonFullMatch('[\\W]', 'é')).toBe(false);
    expect(pythonFullMatch('[\\W]', '-')).toBe(true);
    expect(pythonFullMatch('[^\\W]', 'é')).toBe(true);
    expect(pythonSearch('\\bé', 'é')).not.toBeNull();
  });

  it('accepts escaped punctuation, comments, hex, octal and numbered back references', () => {
    expect(pythonFullMatch('\\_\\-\\#', '_-#')).toBe(true);
    expect(pythonFullMatch('[\\-a]', '-')).toBe(true);
    expect(pythonFullMatch('a(?#note)b', 'ab')).toBe(true);
    expect(pythonFullMatch('\\x41\\u0042\\U00000043\\101', 'ABCA')).toBe(true);
    expect(pythonFullMatch('(a)\\1', 'aa')).toBe(true);
  });

  it('returns the groups of re.match as Python numbers them', () => {
    expect(pythonMatch('.*?\\.[^.]*\\.(\\d+)\\.', 'model.layers.1.experts.0.w1')?.[1]).toBe('1');
    expect(pythonMatch('.*\\.[^.]*\\.(\\d+)\\.', 'model.layers.1.experts.0.w1')?.[1]).toBe('0');
    expect(pythonMatch('(.*\\.)?(layers\\.1\\.self_attn\\.v_proj)$', 'model.layers.11.self_attn.v_proj')).toBeNull();
  });

  it('refuses what Python refuses, naming the field and the pattern', () => {
    for (const bad of ['\\q', 'a(?i)b', '(', '[a', 'a{3,1}', '(?L)a', '(?<x>a)', '[z-a]', '\\1(a)']) {
      expect(() => pythonFullMatch(bad, 'x', 'target_modules')).toThrow(ConfigError);
    }
    expect(() => pythonFullMatch('(q_proj', 'x', 'target_modules')).toThrow(/target_modules: .*"\(q_proj"/);
  });

  it('refuses Python constructs JavaScript cannot express instead of misreading them', () => {
    for (const p of ['(?i:a)', 'a*+', '(?>a)', '\\N{DIGIT ONE}', '(?(1)a|b)']) {
      expect(() => compilePythonRegex(p, 'full', 'exclude_modules')).toThrow(/exclude_modules: .*not supported/);
    }
  });

  it('compiles each pattern once per anchoring', () => {
    expect(compilePythonRegex('a|b', 'full')).toBe(compilePythonRegex('a|b', 'full'));
    expect(compilePythonRegex('a|b', 'full')).not.toBe(compilePythonRegex('a|b', 'start'));
  });
});
