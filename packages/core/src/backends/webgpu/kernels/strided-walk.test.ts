import { describe, expect, it } from 'vitest';
import { collapse, planWalk, walkOffsets, walkWordCount } from './strided-walk.js';

describe('strided walks', () => {
  it('collapse merges axes every view walks contiguously and drops size-1 axes', () => {
    expect(collapse([2, 3, 4], [[12, 4, 1]])).toEqual({ shape: [24], strides: [[1]] });
    expect(collapse([2, 3, 4], [[12, 4, 1], [0, 0, 1]])).toEqual({ shape: [6, 4], strides: [[4, 1], [0, 1]] });
    expect(collapse([3, 1, 5], [[5, 99, 1]])).toEqual({ shape: [15], strides: [[1]] });
    expect(collapse([4, 3], [[1, 4]])).toEqual({ shape: [4, 3], strides: [[1, 4]] });
    expect(collapse([1, 1], [[7, 3]])).toEqual({ shape: [], strides: [[]] });
  });

  it('classifies views as contiguous, broadcast scalars or strided', () => {
    expect(planWalk([6, 4], [{ strides: [4, 1], offset: 3 }]).sig).toEqual({ rank: 1, kinds: ['c'] });
    expect(planWalk([6, 4], [{ strides: [0, 0], offset: 3 }, { strides: [4, 1], offset: 0 }]).sig).toEqual({ rank: 1, kinds: ['b', 'c'] });
    const w = planWalk([6, 4], [{ strides: [4, 1], offset: 0 }, { strides: [1, 6], offset: 2 }]);
    expect(w.sig).toEqual({ rank: 2, kinds: ['c', 's'] });
    // offsets, the inner size, then the strides of the strided view
    expect(w.words).toEqual([0, 2, 4, 1, 6]);
    expect(walkWordCount(w.sig)).toBe(w.words.length);
    expect(planWalk([], [{ strides: [], offset: 5 }]).sig).toEqual({ rank: 0, kinds: ['c'] });
  });

  it('generates WGSL that computes the same offsets as the strides (checked by evaluating it)', () => {
    const shape = [3, 4, 5];
    const strides = [1, 15, 3];
    const w = planWalk(shape, [{ strides, offset: 7 }, { strides: [20, 5, 1], offset: 0 }]);
    const src = walkOffsets(w.sig, 0, 'i', ['oa', 'ob'], 't');
    // evaluate the generated statements as JavaScript over the parameter words
    const js = src
      .replace(/P\.w\[(\d+)\]\.([xyzw])/g, (_, v, c) => `P[${Number(v) * 4 + 'xyzw'.indexOf(c)}]`)
      .replace(/\b(let|var) /g, 'let ')
      .replace(/q_t = q_t \/ (P\[\d+\])/g, 'q_t = Math.floor(q_t / $1)');
    const run = new Function('P', 'i', `${js}; return [oa, ob];`) as (p: number[], i: number) => number[];
    for (let i = 0; i < 60; i++) {
      const c = [Math.floor(i / 20), Math.floor(i / 5) % 4, i % 5];
      expect(run(w.words, i)).toEqual([7 + c[0] * 1 + c[1] * 15 + c[2] * 3, i]);
    }
  });
});
