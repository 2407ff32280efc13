/**
 * A real checkpoint of a short LoRA run, and a Trainer that resumes from its files with one of them
 * replaced: for the tests of the checkpoint readers. Not exported from the package.
 */
import { MethodRegistry, createCpuBackend, getPeftModel, manualSeed } from '@peft/core';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel } from '@peft/testing';
import { type CheckpointStore, memoryCheckpointStore } from '../checkpoint-store.js';
import { decodeCheckpoint } from '../checkpoint-codec.js';
import { countingExamples } from './counting-examples.js';
import { batchSource } from '../prepare-data.js';
import { Trainer } from '../trainer.js';

const backend = createCpuBackend();
const registry = new MethodRegistry();
registry.register(lora);
const args = { learningRate: 1e-2, maxSteps: 3, perDeviceTrainBatchSize: 4, saveSteps: 2, seed: 5 };
const examples = countingExamples(8, 8, 2);

async function trainer(checkpoints: CheckpointStore): Promise<Trainer> {
  manualSeed(11);
  const peft = await getPeftModel(createTinyModel('gpt2', backend, 3), loraConfig({ r: 4, loraAlpha: 8, targetModules: ['c_attn'] }), { registry, warn: () => {} });
  return new Trainer(peft, { args, train: batchSource(examples, { batchSize: 4, shuffle: true, seed: 5 }), checkpoints });
}

/**
 * The files of `checkpoint-2` of a three-step LoRA run on a tiny GPT-2.
 *
 * @example
 * ```ts
 * const files = await trainedCheckpointFiles();
 * ```
 */
export async function trainedCheckpointFiles(): Promise<ReadonlyMap<string, Uint8Array>> {
  const store = memoryCheckpointStore();
  await (await trainer(store)).train();
  return new Map(store.files('checkpoint-2'));
}

/**
 * Resumes the same run from `files` (named as in a checkpoint folder `checkpoint-2`).
 *
 * @example
 * ```ts
 * await expect(resumeFromFiles(files)).rejects.toThrow(FileFormatError);
 * ```
 */
export async function resumeFromFiles(files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  const store: CheckpointStore = {
    label: 'mem',
    save: () => Promise.resolve('checkpoint-3'),
    load: (path, b) => decodeCheckpoint((n) => Promise.resolve(files.get(n) ?? new Uint8Array()), path, b),
    list: () => Promise.resolve([{ step: 2, path: 'checkpoint-2' }]),
    prune: () => Promise.resolve(),
    removeStale: () => Promise.resolve([]),
  };
  await (await trainer(store)).train({ resumeFrom: 'latest' });
}

/**
 * `files` with the JSON file `name` replaced by `edit` of its parsed value.
 *
 * @example
 * ```ts
 * withJson(files, 'trainer_state.json', (s) => { delete s.rng; });
 * ```
 */
export function withJson(files: ReadonlyMap<string, Uint8Array>, name: string, edit: (value: Record<string, unknown>) => void): Map<string, Uint8Array> {
  const value = JSON.parse(new TextDecoder().decode(files.get(name))) as Record<string, unknown>;
  edit(value);
  return new Map(files).set(name, new TextEncoder().encode(JSON.stringify(value)));
}
