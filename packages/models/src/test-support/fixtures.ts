import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Backend, type Tensor, fromArray } from '@peft/core';

/** The package's copy of the golden fixtures (made by Python transformers + peft). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures');

/** A fixture base model folder (`gpt2`, `llama`, `bert`). */
export function modelDir(name: 'gpt2' | 'llama' | 'bert' | 't5'): string {
  return join(FIXTURES, name);
}

/** A parsed case.json: free-form JSON written by the Python fixture generator (see the fixtures README). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture JSON has a different shape per case
export type FixtureCase = Record<string, any>;

/** A case's parsed case.json. */
export function readCase(name: string): FixtureCase {
  return JSON.parse(readFileSync(join(FIXTURES, 'cases', `${name}.json`), 'utf8')) as FixtureCase;
}

/** Nested number arrays → i32 tensor. */
export function intTensor(rows: number[][], backend: Backend): Tensor {
  return fromArray(rows.flat(), [rows.length, rows[0].length], { dtype: 'i32', backend });
}

/** Flattens nested arrays of numbers. */
export function flat(x: unknown): number[] {
  return (x as unknown[]).flat(Infinity as 1) as number[];
}

/** Values of `[batch, seq, vocab]` logits at the positions where `mask` is 1, row by row. */
export function meaningful(values: ArrayLike<number>, mask: number[][], vocab: number): number[] {
  const out: number[] = [];
  const seq = mask[0].length;
  mask.forEach((row, b) =>
    row.forEach((m, s) => {
      if (m) for (let v = 0; v < vocab; v++) out.push(values[(b * seq + s) * vocab + v]);
    }),
  );
  return out;
}
