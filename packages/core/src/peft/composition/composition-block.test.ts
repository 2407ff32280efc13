import { describe, expect, it } from 'vitest';
import { ArgumentError, ConfigError } from '../../errors.js';
import { Average, BatchSplit, Parallel, Stack, compositionAdapters, isFlatStack, validateComposition } from './composition-block.js';

const kinds = new Map<string, 'layer' | 'prompt'>([
  ['lora', 'layer'],
  ['adapters', 'layer'],
  ['bitfit', 'layer'],
  ['prefix', 'prompt'],
  ['prompt', 'prompt'],
]);

describe('composition blocks', () => {
  it('lists the adapters a nested block uses, in order', () => {
    expect(compositionAdapters(Stack('prefix', Parallel('lora', Average(['adapters', 'bitfit'], [0.5, 0.5]))))).toEqual(['prefix', 'lora', 'adapters', 'bitfit']);
    expect(isFlatStack(Stack('lora', 'bitfit'))).toBe(true);
    expect(isFlatStack(Stack('lora', Parallel('bitfit')))).toBe(false);
  });

  it('accepts valid blocks and returns them as plain, frozen JSON data', () => {
    const block = Stack('prefix', Parallel('lora', 'adapters'), BatchSplit(['bitfit', Stack('lora2')], [1, 2]));
    const ok = validateComposition(Stack('prefix', Parallel('lora', 'adapters'), BatchSplit(['bitfit'], [3])), kinds);
    expect(JSON.parse(JSON.stringify(ok))).toEqual({
      type: 'stack',
      children: ['prefix', { type: 'parallel', children: ['lora', 'adapters'] }, { type: 'batchSplit', children: ['bitfit'], sizes: [3] }],
    });
    expect(Object.isFrozen(ok)).toBe(true);
    expect(() => validateComposition(block, kinds)).toThrow(/unknown adapter "lora2"/);
  });

  it('refuses unknown adapters, naming the block and the known adapters', () => {
    expect(() => validateComposition(Stack('lora', 'nope'), kinds)).toThrow(ArgumentError);
    expect(() => validateComposition(Stack('lora', 'nope'), kinds)).toThrow('composition.children[1] names unknown adapter "nope" (adapters: "lora", "adapters"');
  });

  it('refuses an adapter used twice, empty blocks and unknown block types', () => {
    expect(() => validateComposition(Parallel('lora', Stack('lora')), kinds)).toThrow(/"lora" is used twice/);
    expect(() => validateComposition(Stack(), kinds)).toThrow(/composition.children: expected a non-empty list/);
    expect(() => validateComposition({ type: 'fuse', children: ['lora'] } as never, kinds)).toThrow(/composition.type: expected one of "stack", "parallel", "average", "batchSplit", got "fuse"/);
    expect(() => validateComposition(42 as never, kinds)).toThrow(/expected an adapter name or a block/);
  });

  it('refuses average weights that do not match the children or do not sum to 1', () => {
    expect(() => validateComposition(Average(['lora', 'bitfit'], [1]), kinds)).toThrow('composition.weights: expected 2 finite numbers (one per child), got [1]');
    expect(() => validateComposition(Average(['lora', 'bitfit'], [0.5, 0.6]), kinds)).toThrow(/expected weights summing to 1, got \[0.5,0.6\] \(sum 1.1/);
    expect(() => validateComposition(Average(['lora', 'bitfit'], [0.5, Number.NaN]), kinds)).toThrow(ArgumentError);
  });

  it('refuses batchSplit sizes that are not one positive integer per child', () => {
    expect(() => validateComposition(BatchSplit(['lora', 'bitfit'], [2]), kinds)).toThrow('composition.sizes: expected 2 positive integers (rows per child), got [2]');
    expect(() => validateComposition(BatchSplit(['lora', 'bitfit'], [2, 0]), kinds)).toThrow(/positive integers/);
    expect(() => validateComposition(BatchSplit(['lora', 'bitfit'], [1.5, 1]), kinds)).toThrow(/positive integers/);
  });

  it('lets a prompt-learning adapter only be stacked at the top, and only one of them', () => {
    expect(validateComposition('prefix', kinds)).toBe('prefix');
    expect(() => validateComposition(Parallel('prefix', 'prompt'), kinds)).toThrow(ConfigError);
    expect(() => validateComposition(Parallel('prefix', 'lora'), kinds)).toThrow(/"prefix" is a prompt-learning adapter; its virtual tokens go in front of the input, so it can only be stacked/);
    expect(() => validateComposition(Stack('lora', Stack('prefix')), kinds)).toThrow(/composition.children\[1\].children\[0\]: "prefix" is a prompt-learning adapter/);
    expect(() => validateComposition(BatchSplit(['prefix', 'lora'], [1, 1]), kinds)).toThrow(/prompt-learning adapter/);
    expect(() => validateComposition(Stack('prefix', 'prompt'), kinds)).toThrow('setComposition: at most one prompt-learning adapter can be used, got "prefix", "prompt"');
  });
});
