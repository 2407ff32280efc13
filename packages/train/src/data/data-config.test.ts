import { describe, expect, it } from 'vitest';
import { ConfigError } from '@peft/core';
import { parseDataConfig } from './data-config.js';

describe('parseDataConfig', () => {
  it('reads train, eval and format', () => {
    expect(parseDataConfig({ train: 'train.jsonl' })).toEqual({ train: 'train.jsonl' });
    expect(parseDataConfig({ train: 'a.csv', eval: 'b.csv', format: 'classification' })).toEqual({ train: 'a.csv', eval: 'b.csv', format: 'classification' });
  });

  it('names the field that is wrong', () => {
    expect(() => parseDataConfig('train.jsonl')).toThrow(ConfigError);
    expect(() => parseDataConfig('train.jsonl')).toThrow('data: expected an object { "train": PATH, "eval"?: PATH, "format"?: FORMAT }, got string');
    expect(() => parseDataConfig({})).toThrow('data.train: expected a file path, got nothing');
    expect(() => parseDataConfig({ train: 3 })).toThrow('data.train: expected a file path, got 3');
    expect(() => parseDataConfig({ train: 'a', eval: '' })).toThrow('data.eval: expected a file path, got ""');
    expect(() => parseDataConfig({ train: 'a', format: 'qa' })).toThrow('data.format: expected one of "tokenized", "text", "prompt_completion", "chat", "classification", got "qa"');
    expect(() => parseDataConfig({ train: 'a', evl: 'b' })).toThrow('data: unknown field "evl" (expected train, eval, format)');
  });
});
