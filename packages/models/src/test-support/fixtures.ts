import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Backend, type Tensor, fromArray } from '@peft/core';

/** The package's copy of the golden fixtures (made by Python transformers + peft). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures');

/** A fixture base model folder (`gpt2`, `llama`, `bert`). */
export function modelDir(name: 'gpt2' | 'llama' | 'bert'): string {
  return join(FIXTURES, name);
}

/** A case's parsed case.json. */
export function readCase(name: string): Record<string, any> {
  return JSON.parse(readFileSync(join(FIXTURES, 'cases', `${name}.json`), 'utf8')) as Record<string, any>;
}

/** Nested number arrays → i32 tensor. */
export function intTensor(rows: number[][], backend: Backend): Tensor {
  return fromArray(rows.flat(), [rows.length, rows[0].length], { dtype: 'i32', backend });
}

/** Flattens nested arrays of numbers. */
export function flat(x: unknown): number[] {
  return (x as unknown[]).flat(Infinity as 1) as number[];
}
