import { FileFormatError } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { parseMetricsJsonl } from './metrics-log.js';

describe('a metrics.jsonl line', () => {
  it('reads back with its named values, nested ones included', () => {
    expect(parseMetricsJsonl('{"step":1,"loss":2.5,"lr":[0.1,0.2],"eval":{"acc":null,"ok":true}}\n')).toEqual([{ step: 1, loss: 2.5, lr: [0.1, 0.2], eval: { acc: null, ok: true } }]);
  });

  it('without a step is a FileFormatError naming the line and the field', () => {
    expect(() => parseMetricsJsonl('{"step":1}\n{"loss":1}\n')).toThrow(new FileFormatError('metrics.jsonl: line 2: missing field "step" (expected number)'));
  });

  it('with a mistyped step names it', () => {
    expect(() => parseMetricsJsonl('{"step":"3"}\n')).toThrow(new FileFormatError('metrics.jsonl: line 1: field "step" should be number, got "3"'));
    expect(() => parseMetricsJsonl('{"step":-3}\n')).toThrow(/^metrics\.jsonl: line 1: field "step" is invalid: .*>=0.*-3/);
  });

  it('with extra named values is read as it is: every run logs its own values', () => {
    expect(parseMetricsJsonl('{"step":4,"my_metric":"x"}\n')).toEqual([{ step: 4, my_metric: 'x' }]);
  });

  it('that is not an object is named', () => {
    expect(() => parseMetricsJsonl('[1]\n')).toThrow(new FileFormatError('metrics.jsonl: line 1: the value should be an object, got an array of 1'));
  });
});
