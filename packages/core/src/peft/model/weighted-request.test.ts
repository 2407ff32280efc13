import { describe, expect, it } from 'vitest';
import { ArgumentError, ConfigError } from '../../errors.js';
import { Linear } from '../../nn/linear.js';
import type { PeftConfig } from '../method/config-schema.js';
import { ModulesToSaveWrapper } from './modules-to-save.js';
import { checkWeightedRequest } from './weighted-request.js';

const config = (peftType: string): PeftConfig => ({ peftType }) as PeftConfig;

/** The two things the check reads of a PeftModel. */
function host(configs: Record<string, string>, wrappers: [string, ModulesToSaveWrapper][] = []) {
  return { peftConfig: new Map(Object.entries(configs).map(([n, t]) => [n, config(t)])), wrappers: () => wrappers };
}

const request = (adapters: string[], weights: number[], name = 'mix') => ({ adapters, weights, name, combinationType: 'svd' as const });

describe('checkWeightedRequest', () => {
  it('returns the configs of a valid request in request order', () => {
    const h = host({ a: 'LORA', b: 'LORA' });
    expect(checkWeightedRequest(h, request(['b', 'a'], [0.3, 0.7]))).toEqual([h.peftConfig.get('b'), h.peftConfig.get('a')]);
  });

  it('refuses no adapters, or a weight count that differs, naming both counts', () => {
    const h = host({ a: 'LORA' });
    expect(() => checkWeightedRequest(h, request([], []))).toThrow(ArgumentError);
    expect(() => checkWeightedRequest(h, request(['a'], [1, 2]))).toThrow('expected one weight per adapter, got 1 adapters and 2 weights');
  });

  it('refuses an unknown adapter, listing the ones present', () => {
    expect(() => checkWeightedRequest(host({ a: 'LORA' }), request(['a', 'zz'], [1, 1]))).toThrow('no adapter named "zz" (adapters: a)');
  });

  it('refuses adapters of two methods', () => {
    expect(() => checkWeightedRequest(host({ a: 'LORA', b: 'IA3' }), request(['a', 'b'], [1, 1]))).toThrow(ConfigError);
  });

  it('does nothing (undefined) when an adapter of the new name exists, as Python PEFT', () => {
    expect(checkWeightedRequest(host({ a: 'LORA', mix: 'LORA' }), request(['a'], [1]))).toBeUndefined();
  });

  it('refuses two adapters that each train their own copy of one module', () => {
    const w = new ModulesToSaveWrapper(new Linear(2, 2));
    w.addAdapter('a');
    w.addAdapter('b');
    expect(() => checkWeightedRequest(host({ a: 'LORA', b: 'LORA' }, [['classifier', w]]), request(['a', 'b'], [1, 1]))).toThrow(/own copy of classifier \(modules_to_save\)/);
    expect(checkWeightedRequest(host({ a: 'LORA', b: 'LORA' }, [['classifier', w]]), request(['a'], [1]))).toHaveLength(1);
    w.dispose();
  });
});
