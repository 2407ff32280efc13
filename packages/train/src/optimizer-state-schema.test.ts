import { FileFormatError, loadSafetensorsTensors, serializeTensors } from '@peft/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resumeFromFiles, trainedCheckpointFiles } from './test-support/resume-from-files.js';

let files: ReadonlyMap<string, Uint8Array>;
beforeAll(async () => {
  files = await trainedCheckpointFiles();
});
const FILE = 'optimizer.safetensors';

/** The checkpoint with the "optimizer" metadata of optimizer.safetensors edited (or the whole metadata replaced). */
async function withMeta(edit: (meta: { numbers: Record<string, Record<string, unknown>>; paramGroups: Record<string, unknown>[] }) => void, metadata?: Record<string, string>): Promise<Map<string, Uint8Array>> {
  const { tensors, metadata: old } = loadSafetensorsTensors(files.get(FILE)!);
  const meta = JSON.parse(old!.optimizer) as Parameters<typeof edit>[0];
  edit(meta);
  const bytes = await serializeTensors(tensors, { metadata: metadata ?? { optimizer: JSON.stringify(meta) } });
  for (const t of tensors.values()) t.dispose();
  return new Map(files).set(FILE, bytes);
}

describe('the optimizer state of a checkpoint (AdamW)', () => {
  it('as the Trainer writes it resumes', async () => {
    await expect(resumeFromFiles(await withMeta(() => undefined))).resolves.toBeUndefined();
  });

  it('without a group\'s params is a FileFormatError naming the field (it was a TypeError in AdamW.loadStateDict)', async () => {
    const bad = await withMeta((m) => delete m.paramGroups[0].params);
    await expect(resumeFromFiles(bad)).rejects.toThrow(
      new FileFormatError('checkpoint-2/optimizer.safetensors (metadata "optimizer"): missing field "paramGroups.0.params" (expected an array)'),
    );
  });

  it('with a mistyped counter is a FileFormatError naming its path', async () => {
    const bad = await withMeta((m) => (m.numbers['0'].step = 'two'));
    await expect(resumeFromFiles(bad)).rejects.toThrow(new FileFormatError('checkpoint-2/optimizer.safetensors (metadata "optimizer"): field "numbers.0.step" should be number, got "two"'));
  });

  it('with a hyperparameter AdamW does not have is refused (strict)', async () => {
    const bad = await withMeta((m) => (m.paramGroups[0].momentum = 0.9));
    await expect(resumeFromFiles(bad)).rejects.toThrow(/^checkpoint-2\/optimizer\.safetensors \(metadata "optimizer"\): unexpected field "paramGroups\.0\.momentum"/);
  });

  it('without the "optimizer" metadata entry is a FileFormatError naming it', async () => {
    const bad = await withMeta(() => undefined, { other: '1' });
    await expect(resumeFromFiles(bad)).rejects.toThrow(new FileFormatError('checkpoint-2/optimizer.safetensors (metadata): missing field "optimizer" (expected string)'));
  });
});
