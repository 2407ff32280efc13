import { serializeTensors, tensor } from '@peft/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resumeFromFiles, trainedCheckpointFiles } from './test-support/resume-from-files.js';

let files: ReadonlyMap<string, Uint8Array>;
beforeAll(async () => {
  files = await trainedCheckpointFiles();
});
const hooks = async (names: string[]) => new Map(files).set('training_hooks.safetensors', await serializeTensors(new Map(names.map((n) => [n, tensor([1, 2])]))));

describe('the tensor names of training_hooks.safetensors', () => {
  it('refuses a name that is not <adapter>.<key>, naming the file and the entry', async () => {
    await expect(resumeFromFiles(await hooks(['default.ipt', 'ipt']))).rejects.toThrow(
      /^checkpoint-2\/training_hooks\.safetensors \(tensor names\): field "1" is invalid: .*<adapter>\.<key>/,
    );
  });

  it('passes well-formed names on to the adapters\' hooks, which refuse state for an adapter without one', async () => {
    await expect(resumeFromFiles(await hooks(['default.ipt']))).rejects.toThrow(/loadTrainingState: state "default.ipt" belongs to no adapter with training state/);
  });
});
