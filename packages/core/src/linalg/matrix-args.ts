import { ArgumentError } from '../errors.js';

/**
 * Checks the arguments every host linear-algebra routine takes: a `Float64Array` holding a
 * `rows × cols` matrix in row-major order, with non-negative integer sizes and finite entries.
 * Throws an {@link ArgumentError} naming the op, what it expected and what came.
 *
 * @example
 * ```ts
 * checkMatrix('qr', new Float64Array(6), 2, 3); // passes
 * checkMatrix('qr', new Float64Array(5), 2, 3); // throws: qr: expected 6 entries (2 × 3), got 5
 * ```
 */
export function checkMatrix(op: string, a: Float64Array, rows: number, cols: number): void {
  for (const [name, size] of [['rows', rows], ['cols', cols]] as const) {
    if (!Number.isInteger(size) || size < 0) {
      throw new ArgumentError(`${op}: expected ${name} to be a non-negative integer, got ${String(size)}`);
    }
  }
  if (!(a instanceof Float64Array)) {
    const got = (a as unknown)?.constructor?.name ?? typeof a;
    throw new ArgumentError(`${op}: expected the matrix as a Float64Array, got ${String(got)}`);
  }
  if (a.length !== rows * cols) {
    throw new ArgumentError(`${op}: expected ${rows * cols} entries (${rows} × ${cols}), got ${a.length}`);
  }
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      const at = `[${Math.floor(i / cols)}, ${i % cols}]`;
      throw new ArgumentError(`${op}: expected finite entries, got ${a[i]} at ${at}`);
    }
  }
}
