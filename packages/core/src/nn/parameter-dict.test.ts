import { describe, expect, it } from 'vitest';
import { withBackend } from '../backend-registry.js';
import { ArgumentError } from '../errors.js';
import { ones, tensor } from '../ops/creation.js';
import { mul } from '../ops/elementwise.js';
import { tidy } from '../scope.js';
import { testBackends } from '../test-support/backends.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { ParameterDict } from './parameter-dict.js';

/** A layer holding per-adapter vectors the way (IA)³ does, next to a sibling child. */
class Scaled extends Module {
  readonly before = this.registerModule('before', new Module());
  vectors = this.registerModule('ia3_l', new ParameterDict());
  readonly after = this.registerModule('after', new Module());
}

describe.each(await testBackends())('ParameterDict on $name', ({ backend }) => {
  const on = <T>(fn: () => T): T => withBackend(backend, fn);
  const param = (values: number[]): Parameter => on(() => new Parameter(tensor(values)));

  it('names each entry <dict>.<key> inside its parent, with no .weight level', () => {
    const layer = new Scaled();
    layer.vectors.set('default', param([1, 2]));
    layer.vectors.set('other', param([3, 4]));
    expect([...layer.stateDict().keys()]).toEqual(['ia3_l.default', 'ia3_l.other']);
    expect([...layer.namedParameters()].map(([n]) => n)).toEqual(['ia3_l.default', 'ia3_l.other']);
    expect(layer.getParameter('ia3_l.other')).toBe(layer.vectors.get('other'));
    layer.dispose();
  });

  it('returns the live parameters from set and get, and lists keys in insertion order', async () => {
    const dict = new ParameterDict();
    const b = param([5, 6, 7]);
    expect(dict.set('b', b)).toBe(b);
    dict.set('a', param([1]));
    expect(dict.get('b')).toBe(b);
    expect(dict.get('b').backend).toBe(backend);
    expect([...(await dict.get('b').data())]).toEqual([5, 6, 7]);
    expect(dict.has('a')).toBe(true);
    expect(dict.has('c')).toBe(false);
    expect([...dict.keys()]).toEqual(['b', 'a']);
    dict.dispose();
  });

  it('names the missing key and the keys present when get fails', () => {
    const dict = new ParameterDict();
    expect(() => dict.get('default')).toThrow('ParameterDict.get: no entry "default" (keys: none)');
    dict.set('a', param([1]));
    dict.set('b', param([2]));
    expect(() => dict.get('c')).toThrow(ArgumentError);
    expect(() => dict.get('c')).toThrow('ParameterDict.get: no entry "c" (keys: "a", "b")');
    dict.dispose();
  });

  it('refuses a key that is already present or contains a dot', () => {
    const dict = new ParameterDict();
    dict.set('a', param([1]));
    expect(() => dict.set('a', param([2]))).toThrow(/"a" is already registered/);
    expect(() => dict.set('a.b', param([2]))).toThrow(/without dots/);
    expect([...dict.keys()]).toEqual(['a']);
    dict.dispose();
  });

  it('deletes an entry in place, keeping the others and the parent’s key order, without disposing it', async () => {
    const layer = new Scaled();
    const [a, b, c] = [param([1]), param([2]), param([3])];
    layer.vectors.set('a', a);
    layer.vectors.set('b', b);
    layer.vectors.set('c', c);
    const dict = layer.vectors;
    expect(dict.delete('b')).toBe(b);
    expect(layer.vectors).toBe(dict);
    expect([...dict.keys()]).toEqual(['a', 'c']);
    expect(dict.has('b')).toBe(false);
    expect([...layer.stateDict().keys()]).toEqual(['ia3_l.a', 'ia3_l.c']);
    expect(dict.delete('missing')).toBeUndefined();
    expect([...(await b.data())]).toEqual([2]);
    dict.set('b', b);
    expect([...layer.stateDict().keys()]).toEqual(['ia3_l.a', 'ia3_l.c', 'ia3_l.b']);
    layer.dispose();
  });

  it('keeps one parameter held under two keys visible under both', () => {
    const dict = new ParameterDict();
    const shared = dict.set('a', param([1]));
    dict.set('b', shared);
    expect([...dict.keys()]).toEqual(['a', 'b']);
    expect(dict.get('b')).toBe(shared);
    expect([...dict.without('a').keys()]).toEqual(['b']);
    dict.dispose();
  });

  it('without builds a new dict of the other entries, sharing their parameters and training mode', async () => {
    const dict = new ParameterDict();
    const [a, b, c] = [param([1]), param([2]), param([3])];
    dict.set('a', a);
    dict.set('b', b);
    dict.set('c', c);
    dict.eval();
    const rest = dict.without('b');
    expect(rest).toBeInstanceOf(ParameterDict);
    expect(rest).not.toBe(dict);
    expect([...rest.keys()]).toEqual(['a', 'c']);
    expect(rest.get('a')).toBe(a);
    expect(rest.get('c')).toBe(c);
    expect(rest.training).toBe(false);
    expect([...dict.keys()]).toEqual(['a', 'b', 'c']);
    expect(dict.without('missing').training).toBe(false);
    expect([...dict.without('missing').keys()]).toEqual(['a', 'b', 'c']);
    b.dispose();
    expect([...(await rest.get('c').data())]).toEqual([3]);
    rest.dispose();
  });

  it('swaps in for the old dict through replaceModule, keeping the parent’s child order and names', () => {
    const layer = new Scaled();
    const gone = layer.vectors.set('gone', param([1]));
    layer.vectors.set('kept', param([2]));
    const old = layer.vectors;
    layer.replaceModule('ia3_l', old.without('gone'));
    gone.dispose();
    expect(layer.vectors).not.toBe(old);
    expect([...layer.namedChildren()].map(([n]) => n)).toEqual(['before', 'ia3_l', 'after']);
    expect([...layer.stateDict().keys()]).toEqual(['ia3_l.kept']);
    layer.dispose();
  });

  it('passes gradients to the parameter get returns', async () => {
    const dict = new ParameterDict();
    dict.set('default', param([2, 3]));
    tidy(() => on(() => mul(dict.get('default'), ones([2])).sum().backward()));
    const grad = dict.get('default').grad;
    expect(grad).not.toBeNull();
    expect([...(await grad!.data())]).toEqual([1, 1]);
    dict.dispose();
  });

  it('clones into a dict of copied parameters under the same keys', async () => {
    const dict = new ParameterDict();
    dict.set('default', param([7, 8]));
    const copy = dict.clone();
    expect(copy).toBeInstanceOf(ParameterDict);
    expect([...copy.keys()]).toEqual(['default']);
    expect(copy.get('default')).not.toBe(dict.get('default'));
    expect([...(await copy.get('default').data())]).toEqual([7, 8]);
    copy.set('other', param([1]));
    expect(dict.has('other')).toBe(false);
    dict.dispose();
    copy.dispose();
  });
});
