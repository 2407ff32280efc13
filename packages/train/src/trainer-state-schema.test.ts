import { FileFormatError } from '@peft/core';
import { validateShape } from '@peft/core/plugin';
import { beforeAll, describe, expect, it } from 'vitest';
import { resumeFromFiles, trainedCheckpointFiles, withJson } from './test-support/resume-from-files.js';
import { TrainerStateSchema } from './trainer-state-schema.js';

let files: ReadonlyMap<string, Uint8Array>;
beforeAll(async () => {
  files = await trainedCheckpointFiles();
});
const STATE = 'trainer_state.json';

describe('trainer_state.json', () => {
  it('as the Trainer writes it has the declared shape, and resumes', async () => {
    const state = JSON.parse(new TextDecoder().decode(files.get(STATE))) as unknown;
    expect(validateShape(TrainerStateSchema, state, { file: STATE })).toEqual(state);
    await expect(resumeFromFiles(files)).resolves.toBeUndefined();
  });

  it('without rng is a FileFormatError naming the file and the field (it was a TypeError in Generator.setState)', async () => {
    const bad = withJson(files, STATE, (s) => delete s.rng);
    await expect(resumeFromFiles(bad)).rejects.toThrow(new FileFormatError('checkpoint-2/trainer_state.json: missing field "rng" (expected an object)'));
  });

  it('with a mistyped field is a FileFormatError naming its path', async () => {
    const bad = withJson(files, STATE, (s) => ((s.rng as Record<string, unknown>).counter = '7'));
    await expect(resumeFromFiles(bad)).rejects.toThrow(new FileFormatError('checkpoint-2/trainer_state.json: field "rng.counter" should be number, got "7"'));
  });

  it('with a field the Trainer does not write is refused (the file is ours: strict)', async () => {
    const bad = withJson(files, STATE, (s) => (s.learning_rate = 0.1));
    await expect(resumeFromFiles(bad)).rejects.toThrow(/^checkpoint-2\/trainer_state\.json: unexpected field "learning_rate"/);
  });

  it('with a negative step is refused with the check it failed', async () => {
    const bad = withJson(files, STATE, (s) => (s.global_step = -1));
    await expect(resumeFromFiles(bad)).rejects.toThrow(/^checkpoint-2\/trainer_state\.json: field "global_step" is invalid: .*>=0.*-1/);
  });

  it('with a malformed data loader position names the loader field and its own field', async () => {
    const bad = withJson(files, STATE, (s) => ((s.loader as Record<string, unknown>).epoch = 'x'));
    await expect(resumeFromFiles(bad)).rejects.toThrow(new FileFormatError('checkpoint-2/trainer_state.json: field "loader": DataLoader.restore: field "epoch" should be number, got "x"'));
  });
});
