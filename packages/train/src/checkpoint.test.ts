import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError, createCpuBackend, tensor } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FILES, listCheckpoints, readCheckpoint, removeStaleCheckpointFiles, writeCheckpoint } from './checkpoint.js';

const backend = createCpuBackend();
const contents = () => ({
  params: new Map([['w', tensor([1.5, -2], { backend })]]),
  optimizer: { tensors: new Map([['state.0.expAvg', tensor([0.25, 0.5], { backend })]]), meta: { numbers: { 0: { step: 3 } }, paramGroups: [] } },
  hooks: new Map(),
  state: { global_step: 3 },
});

describe('training checkpoints', () => {
  it('write a complete folder under its step and read back the same values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-ckpt-'));
    const path = await writeCheckpoint(dir, 3, contents(), async (tmp) => writeFileSync(join(tmp, 'adapter_config.json'), '{}'));
    expect(readdirSync(dir)).toEqual(['checkpoint-3']);
    expect(readdirSync(path).sort()).toEqual(['adapter_config.json', ...Object.values(CHECKPOINT_FILES)].sort());
    const back = await readCheckpoint(path, backend);
    expect(Array.from(await back.params.get('w')!.data())).toEqual([1.5, -2]);
    expect(back.optimizer.meta).toEqual({ numbers: { 0: { step: 3 } }, paramGroups: [] });
    expect(back.state.global_step).toBe(3);
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([3]);
  });

  it('leave nothing behind when the adapter files fail, and clear the leftovers of a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-ckpt-'));
    await expect(writeCheckpoint(dir, 1, contents(), () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(readdirSync(dir)).toEqual([]);
    await writeCheckpoint(dir, 2, contents(), async () => {});
    mkdirSync(join(dir, '.checkpoint-4.999.123.tmp'));
    expect(await removeStaleCheckpointFiles(dir)).toEqual(['.checkpoint-4.999.123.tmp']);
    expect(readdirSync(dir)).toEqual(['checkpoint-2']);
  });

  it('name the file when a checkpoint is damaged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-ckpt-'));
    const path = await writeCheckpoint(dir, 5, contents(), async () => {});
    writeFileSync(join(path, CHECKPOINT_FILES.optimizer), 'not safetensors');
    await expect(readCheckpoint(path, backend)).rejects.toThrow(FileFormatError);
    await expect(readCheckpoint(path, backend)).rejects.toThrow(/optimizer\.safetensors/);
    writeFileSync(join(path, CHECKPOINT_FILES.state), '{');
    await expect(readCheckpoint(path, backend)).rejects.toThrow(/trainer_state\.json: invalid JSON/);
  });
});
