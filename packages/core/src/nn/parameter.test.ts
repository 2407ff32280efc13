import { liveBuffers } from '../test-support/numeric.js';
import { describe, expect, it } from 'vitest';
import { withBackend } from '../backend-registry.js';
import { DTypeError, ShapeError } from '../errors.js';
import { tensor, zeros } from '../ops/creation.js';
import { tidy } from '../scope.js';
import { testBackends } from '../test-support/backends.js';
import { Parameter, isParameter } from './parameter.js';
import { Variable } from './variable.js';

describe.each(await testBackends())('Parameter on $name', ({ backend }) => {
  const on = <T>(fn: () => T): T => withBackend(backend, fn);

  it('requires a gradient by default and can be frozen', () => {
    const p = on(() => new Parameter(tensor([1, 2])));
    expect(p.requiresGrad).toBe(true);
    expect(isParameter(p)).toBe(true);
    expect(on(() => new Parameter(tensor([1]), { requiresGrad: false })).requiresGrad).toBe(false);
    expect(on(() => new Parameter(tensor([1], { dtype: 'i32' }))).requiresGrad).toBe(false);
    expect(() => on(() => new Parameter(tensor([1], { dtype: 'i32' }), { requiresGrad: true }))).toThrow(/floating-point/);
  });

  it('survives the tidy scope it was created in and takes over the given tensor', async () => {
    let value!: ReturnType<typeof tensor>;
    let p!: Parameter;
    on(() =>
      tidy(() => {
        value = tensor([4, 5]);
        p = new Parameter(value);
      }),
    );
    expect(value.isDisposed).toBe(true);
    expect(p.isDisposed).toBe(false);
    expect([...(await p.data())]).toEqual([4, 5]);
  });

  it('assign swaps in new values, while views taken before keep the old ones', async () => {
    const p = on(() => new Parameter(tensor([[1, 2], [3, 4]])));
    const row = p.slice([0, 0], [1, 2]);
    const detached = p.detach();
    tidy(() => {
      p.assign(p.mul(10));
    });
    expect(await p.array()).toEqual([[10, 20], [30, 40]]);
    expect(await row.array()).toEqual([[1, 2]]);
    expect(await detached.array()).toEqual([[1, 2], [3, 4]]);
    row.dispose();
    detached.dispose();
  });

  it('assign accepts a strided value and reads it in the right order', async () => {
    const p = on(() => new Parameter(tensor([[1, 2], [3, 4]])));
    const t = on(() => tensor([[5, 6], [7, 8]]));
    p.assign(t.transpose());
    t.dispose();
    expect(await p.array()).toEqual([[5, 7], [6, 8]]);
  });

  it('assign rejects another shape or dtype, naming the parameter', () => {
    const p = on(() => new Parameter(zeros([2, 3]), { name: 'fc.weight' }));
    expect(() => p.assign(on(() => zeros([3, 2])))).toThrow(ShapeError);
    expect(() => p.assign(on(() => zeros([3, 2])))).toThrow('assign (fc.weight): expected a value of shape [2, 3], got [3, 2]');
    expect(() => p.assign(on(() => zeros([2, 3], { dtype: 'i32' })))).toThrow(DTypeError);
  });

  it('frees its memory and gradient on dispose, and only then', () => {
    const before = liveBuffers(backend);
    const p = on(() => new Parameter(tensor([1, 2])));
    p.grad = on(() => tensor([0.1, 0.2]));
    tidy(() => p.assign(p.add(1)));
    expect(liveBuffers(backend)).toBe(before + 2);
    p.dispose();
    expect(liveBuffers(backend)).toBe(before);
    expect(p.grad).toBeNull();
  });

  it('a Variable is kept but does not require a gradient', () => {
    const v = on(() => {
      let made!: Variable;
      tidy(() => {
        made = new Variable(zeros([2]));
      });
      return made;
    });
    expect(v.isDisposed).toBe(false);
    expect(v.requiresGrad).toBe(false);
    expect(isParameter(v)).toBe(false);
  });
});
