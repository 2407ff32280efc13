import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, FileFormatError } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../test-support/harness.js';
import { ADAPTER_TASK_SCHEMA, CHECKPOINT_STEPS_SCHEMA, MODEL_HEAD_SCHEMA, readCheckedJson } from './export-input-schemas.js';

/** Writes `value` (JSON, or raw text) as `name` in a scratch folder and returns the path. */
function file(name: string, value: unknown): string {
  const path = join(scratchDir(), name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

describe("a checkpoint's trainer_state.json as export-run reads it", () => {
  it("reads @peft's and transformers' step counts, and ignores the rest of either state", async () => {
    await expect(readCheckedJson(file('trainer_state.json', { global_step: 30, total_steps: 100, rng: { seed: 1 } }), CHECKPOINT_STEPS_SCHEMA)).resolves.toEqual({ global_step: 30, total_steps: 100 });
    await expect(readCheckedJson(file('trainer_state.json', { global_step: 40, max_steps: 120, log_history: [] }), CHECKPOINT_STEPS_SCHEMA)).resolves.toEqual({ global_step: 40, max_steps: 120 });
  });

  it('without global_step is a FileFormatError naming the file and the field', async () => {
    const path = file('trainer_state.json', { total_steps: 100 });
    await expect(readCheckedJson(path, CHECKPOINT_STEPS_SCHEMA)).rejects.toThrow(new FileFormatError(`${path}: missing field "global_step" (expected number)`));
  });

  it('with a mistyped or negative step names the field and the value', async () => {
    const typed = file('trainer_state.json', { global_step: '30' });
    await expect(readCheckedJson(typed, CHECKPOINT_STEPS_SCHEMA)).rejects.toThrow(new FileFormatError(`${typed}: field "global_step" should be number, got "30"`));
    const negative = file('trainer_state.json', { global_step: 3, total_steps: -5 });
    await expect(readCheckedJson(negative, CHECKPOINT_STEPS_SCHEMA)).rejects.toThrow(/trainer_state\.json: field "total_steps" is invalid: .*-5/);
  });

  it('that is not JSON, or not there, is a FileFormatError naming the file', async () => {
    const broken = file('trainer_state.json', '{"global_step": 3');
    await expect(readCheckedJson(broken, CHECKPOINT_STEPS_SCHEMA)).rejects.toThrow(FileFormatError);
    await expect(readCheckedJson(broken, CHECKPOINT_STEPS_SCHEMA)).rejects.toThrow(`${broken}: cannot read it as JSON (`);
    await expect(readCheckedJson(join(scratchDir(), 'absent.json'), CHECKPOINT_STEPS_SCHEMA)).rejects.toThrow(/absent\.json: cannot read it as JSON \(ENOENT\)/);
  });
});

describe("an adapter's adapter_config.json as export-run reads it", () => {
  it('takes task_type, absent or null when the adapter does not say, and ignores the method fields', async () => {
    await expect(readCheckedJson(file('adapter_config.json', { peft_type: 'LORA', task_type: 'SEQ_CLS', r: 8 }), ADAPTER_TASK_SCHEMA)).resolves.toEqual({ task_type: 'SEQ_CLS' });
    await expect(readCheckedJson(file('adapter_config.json', { peft_type: 'LORA', task_type: null }), ADAPTER_TASK_SCHEMA)).resolves.toEqual({ task_type: null });
    await expect(readCheckedJson(file('adapter_config.json', { peft_type: 'LORA' }), ADAPTER_TASK_SCHEMA)).resolves.toEqual({});
  });

  it('with a mistyped task_type, or not an object, is a FileFormatError naming the field', async () => {
    const path = file('adapter_config.json', { peft_type: 'LORA', task_type: 7 });
    await expect(readCheckedJson(path, ADAPTER_TASK_SCHEMA)).rejects.toThrow(new FileFormatError(`${path}: field "task_type" should be string, got 7`));
    await expect(readCheckedJson(file('adapter_config.json', '"LORA"'), ADAPTER_TASK_SCHEMA)).rejects.toThrow(/adapter_config\.json: the value should be an object, got "LORA"/);
  });
});

describe("a base model's config.json as export-run reads it", () => {
  it('takes the architectures and is_encoder_decoder, ignoring the size fields', async () => {
    await expect(readCheckedJson(file('config.json', { architectures: ['BertForSequenceClassification'], hidden_size: 32 }), MODEL_HEAD_SCHEMA, { error: 'config' })).resolves.toEqual({
      architectures: ['BertForSequenceClassification'],
    });
  });

  it('with a class name that is not a string is a ConfigError naming the entry (it was a TypeError in endsWith)', async () => {
    const path = file('config.json', { architectures: [5] });
    await expect(readCheckedJson(path, MODEL_HEAD_SCHEMA, { error: 'config' })).rejects.toThrow(new ConfigError(`${path}: field "architectures.0" should be string, got 5`));
  });

  it('with a missing entry list stands for no head given, and a mistyped flag is refused', async () => {
    await expect(readCheckedJson(file('config.json', { model_type: 't5' }), MODEL_HEAD_SCHEMA, { error: 'config' })).resolves.toEqual({});
    await expect(readCheckedJson(file('config.json', { is_encoder_decoder: 'yes' }), MODEL_HEAD_SCHEMA, { error: 'config' })).rejects.toThrow(/config\.json: field "is_encoder_decoder" should be/);
  });
});
