import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Backend, type PretrainedModel, type Tensor, fromArray, loadSafetensorsTensors } from '@peft/core';
import { directorySource } from '@peft/core/node';
import { loadPretrained } from '@peft/models';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The folder of the golden PEFT cases kept in this repository (`packages/testing/fixtures/cases`). @example `join(FIXTURE_CASES, 'gpt2_lora')` */
export const FIXTURE_CASES = join(HERE, '..', 'fixtures', 'cases');

/** The folder of the tiny base models (`packages/models/test/fixtures/<model>`). @example `fixtureModelDir('gpt2')` */
export function fixtureModelDir(model: string): string {
  return join(HERE, '..', '..', 'models', 'test', 'fixtures', model);
}

/** The folder of one golden case. @example `caseDir('llama_lora')` */
export function caseDir(name: string): string {
  return join(FIXTURE_CASES, name);
}

/**
 * A case's `case.json`, as written by the Python generator (field meanings: the fixtures README).
 *
 * @example
 * ```ts
 * const c = readFixtureCase('gpt2_lora');
 * c.print_trainable_parameters; // 'trainable params: 1,024 || …'
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the JSON differs per case kind
export type FixtureCase = Record<string, any>;

/** Reads `case.json` of a case. @example `readFixtureCase('gpt2_lora').model // 'gpt2'` */
export function readFixtureCase(name: string): FixtureCase {
  return JSON.parse(readFileSync(join(caseDir(name), 'case.json'), 'utf8')) as FixtureCase;
}

/** Whether a case has a file. @example `hasCaseFile('llama_lora_grads', 'grads_step0.safetensors')` */
export function hasCaseFile(name: string, file: string): boolean {
  return existsSync(join(caseDir(name), file));
}

/** A case's safetensors file as tensors on `backend` (floats as f32). @example `readCaseTensors('gpt2_lora', 'merged_changed_weights.safetensors', backend)` */
export function readCaseTensors(name: string, file: string, backend: Backend): Map<string, Tensor> {
  return loadSafetensorsTensors(readFileSync(join(caseDir(name), file)), { backend }).tensors;
}

/** Loads a fixture base model on `backend`. @example `await loadFixtureModel('llama', backend)` */
export async function loadFixtureModel(model: string, backend: Backend): Promise<PretrainedModel> {
  return loadPretrained(directorySource(fixtureModelDir(model)), { backend });
}

/** A nested number array as an i32 tensor. @example `intTensor([[1, 2]], backend)` */
export function intTensor(rows: number[][] | number[], backend: Backend): Tensor {
  if (typeof rows[0] === 'number') return fromArray(rows as number[], [rows.length], { dtype: 'i32', backend });
  const r = rows as number[][];
  return fromArray(r.flat(), [r.length, r[0].length], { dtype: 'i32', backend });
}

/** A nested number array flattened. @example `flat([[1, 2], [3]]) // [1, 2, 3]` */
export function flat(x: unknown): number[] {
  return (x as unknown[]).flat(Infinity as 1) as number[];
}

/**
 * The values of a `[batch, seq, vocab]` array at positions whose mask is 1 (padded positions carry
 * arbitrary values in transformers, so they are never compared).
 *
 * @example
 * ```ts
 * expectClose(meaningful(ours, mask, 100), meaningful(flat(c.logits_adapter), mask, 100), 1e-5);
 * ```
 */
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
