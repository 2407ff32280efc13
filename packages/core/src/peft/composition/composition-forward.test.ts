import { describe, expect, it } from 'vitest';
import { testBackends } from '../../test-support/backends.js';
import { readF64 } from '../../test-support/numeric.js';
import { fromArray } from '../../ops/creation.js';
import { add, mul } from '../../ops/elementwise.js';
import type { Tensor } from '../../tensor.js';
import { Average, BatchSplit, Parallel, Stack } from './composition-block.js';
import { composeAdapters } from './composition-forward.js';

const backends = await testBackends();

describe.each(backends)('composeAdapters on $name', ({ backend }) => {
  // x: two rows [1, 2] and [3, 4]; the base output y = 10·x
  const x = (): Tensor => fromArray([1, 2, 3, 4], [2, 2], { backend });
  const y = (): Tensor => fromArray([10, 20, 30, 40], [2, 2], { backend });
  // 'add' adds the input, 'double' doubles the output, 'plus1' adds 1; 'missing' is not on this layer
  const apply = (name: string, xs: Tensor, ys: Tensor): Tensor | undefined =>
    name === 'add' ? add(ys, xs) : name === 'double' ? mul(ys, 2) : name === 'plus1' ? add(ys, 1) : undefined;
  const run = (block: Parameters<typeof composeAdapters>[0]): Promise<Float64Array> => readF64(composeAdapters(block, x(), y(), apply, 'Test'));
  const rows = (f: (x: number, y: number) => number): number[] => [1, 2, 3, 4].map((v) => f(v, 10 * v));

  it('a stack applies the children in turn, each on the output the previous one left', async () => {
    expect([...(await run(Stack('add', 'double')))]).toEqual(rows((a, b) => 2 * (b + a)));
    expect([...(await run(Stack('double', 'add')))]).toEqual(rows((a, b) => 2 * b + a));
  });

  it('an adapter the layer does not hold leaves the output unchanged', async () => {
    expect([...(await run(Stack('missing', 'add', 'missing2')))]).toEqual(rows((a, b) => b + a));
    const yy = y();
    expect(composeAdapters(Parallel('missing'), x(), yy, apply, 'Test')).toBe(yy);
  });

  it('parallel sums the changes of the children, each from the same input and base output', async () => {
    expect([...(await run(Parallel('add', 'double', 'plus1')))]).toEqual(rows((a, b) => b + a + b + 1));
  });

  it('average weights the changes', async () => {
    expect([...(await run(Average(['add', 'double'], [0.25, 0.75])))]).toEqual(rows((a, b) => b + 0.25 * a + 0.75 * b));
  });

  it('batchSplit sends row ranges to the children, and checks the sizes against the batch', async () => {
    expect([...(await run(BatchSplit(['add', Stack('double', 'plus1')], [1, 1])))]).toEqual([10 + 1, 20 + 2, 61, 81]);
    expect(() => composeAdapters(BatchSplit(['add', 'double'], [1, 2]), x(), y(), apply, 'LoraLinear')).toThrow(
      'LoraLinear: batchSplit sizes [1, 2] sum to 3, but the batch has 2 rows',
    );
  });

  it('nests blocks', async () => {
    expect([...(await run(Stack('plus1', Parallel('add', Stack('double', 'double')))))]).toEqual(rows((a, b) => b + 1 + a + 3 * (b + 1)));
  });
});
