import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { ConfigError, FileFormatError } from '../errors.js';
import { validateShape } from './validate-shape.js';

const Strict = v.strictObject({ step: v.pipe(v.number(), v.integer(), v.minValue(0)), rng: v.strictObject({ seed: v.number(), counter: v.number() }) });
const Loose = v.object({ name: v.string(), inner: v.optional(v.object({ size: v.number() })) });

describe('validateShape', () => {
  it('returns the value when it has the declared shape', () => {
    expect(validateShape(Strict, { step: 3, rng: { seed: 1, counter: 2 } }, { file: 'state.json' })).toEqual({ step: 3, rng: { seed: 1, counter: 2 } });
  });

  it('names the file and the path of a missing field', () => {
    expect(() => validateShape(Strict, { step: 3, rng: { counter: 2 } }, { file: 'cp/state.json' })).toThrow(
      new FileFormatError('cp/state.json: missing field "rng.seed" (expected number)'),
    );
  });

  it('names the file, the field, the expected type and the value of a mistyped field', () => {
    expect(() => validateShape(Strict, { step: 3, rng: { seed: 'x', counter: 2 } }, { file: 'cp/state.json' })).toThrow(
      new FileFormatError('cp/state.json: field "rng.seed" should be number, got "x"'),
    );
  });

  it('names a value out of range with the check it failed', () => {
    expect(() => validateShape(Strict, { step: -1, rng: { seed: 1, counter: 2 } }, { file: 's.json' })).toThrow(/^s\.json: field "step" is invalid: .*>=0.*-1/);
  });

  it('refuses an extra field under a strict schema, naming it', () => {
    expect(() => validateShape(Strict, { step: 3, rng: { seed: 1, counter: 2, extra: 1 } }, { file: 's.json' })).toThrow(/^s\.json: unexpected field "rng\.extra"/);
  });

  it('tolerates extra fields under a non-strict schema and reports their paths to warn', () => {
    const warnings: string[] = [];
    const out = validateShape(Loose, { name: 'a', extra: 1, inner: { size: 2, more: true } }, { file: 'c.json', warn: (m) => warnings.push(m) });
    expect(out).toEqual({ name: 'a', inner: { size: 2 } });
    expect(warnings).toEqual(['c.json: ignoring unknown fields "extra", "inner.more"']);
  });

  it('throws a ConfigError for configs, with the hint appended', () => {
    const err = (() => {
      try {
        validateShape(Loose, { name: 3 }, { file: 'config.json', error: 'config', hint: 'fix the file' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe('config.json: field "name" should be string, got 3; fix the file');
  });

  it('describes a value that is not an object at all', () => {
    expect(() => validateShape(Strict, [1, 2], { file: 's.json' })).toThrow(new FileFormatError('s.json: the value should be an object, got an array of 2'));
  });
});
