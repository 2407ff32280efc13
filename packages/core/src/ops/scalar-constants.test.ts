import { describe, expect, it } from 'vitest';
import { testOpBackends } from '../test-support/backends.js';
import { readF64 } from '../test-support/numeric.js';
import { tidy } from '../scope.js';
import { fromArray } from './creation.js';
import { add, mul } from './elementwise.js';
import { scalarConstant, scalarConstantBuffers } from './scalar-constants.js';

const backends = await testOpBackends();

describe.each(backends)('scalar constants on $name', ({ backend }) => {
  it('hands out views of one constant per value and dtype', async () => {
    const a = scalarConstant(0.125, 'f32', backend);
    const held = scalarConstantBuffers(backend);
    const b = scalarConstant(0.125, 'f32', backend);
    expect(scalarConstantBuffers(backend)).toBe(held);
    expect(a).not.toBe(b);
    a.dispose(); // a view: the constant survives
    expect([...(await readF64(b))]).toEqual([0.125]);
    const i = scalarConstant(3, 'i32', backend);
    const z = scalarConstant(-0, 'f32', backend);
    expect(i.dtype).toBe('i32');
    expect(Object.is((await readF64(z))[0], -0)).toBe(true);
    expect(scalarConstantBuffers(backend)).toBe(held + 2);
    b.dispose();
    i.dispose();
    z.dispose();
  });

  it('gives scalar operands their values without a fill per op', async () => {
    const x = fromArray([1, 2, 3], [3], { backend });
    mul(x, 7).dispose(); // makes the constant
    const held = scalarConstantBuffers(backend);
    const before = backend.memory().liveBuffers;
    const y = tidy(() => add(mul(x, 7), 0.5));
    expect([...(await readF64(y))]).toEqual([7.5, 14.5, 21.5]);
    y.dispose();
    expect(backend.memory().liveBuffers - before).toBe(scalarConstantBuffers(backend) - held); // only the new 0.5
  });
});
