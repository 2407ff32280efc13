import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.js';
import { Parameter } from '../nn/parameter.js';
import { tensor } from '../ops/creation.js';
import { AdamW } from './adamw.js';

describe('AdamW.loadStateDict', () => {
  const fresh = () => {
    const p = new Parameter(tensor([1, 2, 3]));
    return { p, opt: new AdamW([p], { lr: 0.1 }) };
  };

  it('loads a state saved after a step, which then goes on stepping', async () => {
    const a = fresh();
    a.p.grad = tensor([0.5, -0.5, 1]);
    a.opt.step();
    const saved = a.opt.stateDict({ snapshot: true });
    const b = fresh();
    b.opt.loadStateDict(saved);
    b.p.grad = tensor([0.5, -0.5, 1]);
    b.opt.step();
    expect(Array.from(await b.p.data())).toHaveLength(3);
  });

  it('refuses a state that has taken steps but lacks a moment tensor, before changing anything', () => {
    const a = fresh();
    a.p.grad = tensor([0.5, -0.5, 1]);
    a.opt.step();
    const saved = a.opt.stateDict({ snapshot: true });
    const [[index, st]] = [...saved.state];
    const { expAvgSq: _dropped, ...rest } = st;
    const b = fresh();
    expect(() => b.opt.loadStateDict({ ...saved, state: new Map([[index, rest]]) })).toThrow(
      new ArgumentError('AdamW.loadStateDict: state 0 has taken 1 steps but has no expAvgSq tensor'),
    );
    expect(() => b.opt.loadStateDict({ ...saved, state: new Map([[index, { ...st, step: 1.5 }]]) })).toThrow(/state 0.step should be a non-negative integer, got 1.5/);
  });
});
