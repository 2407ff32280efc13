import { type Backend, FileFormatError } from '@peft/core';
import { type CheckpointContents, checkpointName, decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.js';

// The checkpoint format lives in checkpoint-codec.ts (browser-safe); these are its Node folders.
export { CHECKPOINT_FILES, checkpointName } from './checkpoint-codec.js';
export type { CheckpointContents } from './checkpoint-codec.js';

/**
 * Writes a checkpoint folder `dir/checkpoint-<step>` atomically: every file (the adapter files given
 * by `adapterFiles`, then the tensors and the state) is written and flushed into a temporary folder
 * that is renamed into place at the end, so a crash leaves either the complete checkpoint or none.
 * An existing folder of the same step is replaced. Node only.
 *
 * @example
 * ```ts
 * await writeCheckpoint('out', 10, contents, async (tmp) => peft.saveAdapter(tmp));
 * ```
 */
export async function writeCheckpoint(dir: string, step: number, contents: CheckpointContents, adapterFiles: (folder: string) => Promise<void>): Promise<string> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { writeFileAtomic, writeAll } = await import('@peft/core/node');
  const target = join(dir, checkpointName(step));
  const tmp = join(dir, `.${checkpointName(step)}.${process.pid}.${Date.now()}.tmp`);
  await fs.mkdir(tmp, { recursive: true });
  try {
    await adapterFiles(tmp);
    for (const [name, bytes] of await encodeCheckpoint(contents)) await writeFileAtomic(join(tmp, name), (h) => writeAll(h, bytes));
    const old = join(dir, `.${checkpointName(step)}.${process.pid}.${Date.now()}.old`);
    const existed = await fs.rename(target, old).then(
      () => true,
      () => false,
    );
    await fs.rename(tmp, target);
    if (existed) await fs.rm(old, { recursive: true, force: true });
    await syncDir(dir);
    return target;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Reads a checkpoint folder written by {@link writeCheckpoint}; a missing or malformed file is a
 * FileFormatError naming it. The caller disposes the tensors.
 *
 * @example
 * ```ts
 * const cp = await readCheckpoint('out/checkpoint-10', backend);
 * ```
 */
export async function readCheckpoint(folder: string, backend?: Backend): Promise<CheckpointContents> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const read = async (name: string): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await fs.readFile(join(folder, name)));
    } catch (e) {
      throw new FileFormatError(`resume: ${join(folder, name)} cannot be read (${(e as Error).message}); expected a checkpoint folder written by the trainer`, { cause: e });
    }
  };
  return decodeCheckpoint(read, folder, backend);
}

/**
 * The checkpoint folders under `dir`, oldest step first.
 *
 * @example
 * ```ts
 * const latest = (await listCheckpoints('out')).at(-1); // { step: 40, path: 'out/checkpoint-40' }
 * ```
 */
export async function listCheckpoints(dir: string): Promise<{ step: number; path: string }[]> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names
    .map((n) => /^checkpoint-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => a.step - b.step);
}

/**
 * Deletes the oldest checkpoints under `dir` so that at most `keep` remain. Each is first renamed out
 * of the `checkpoint-<step>` namespace (to a `.checkpoint-<step>.*.old` folder that
 * {@link removeStaleCheckpointFiles} clears), so a crash mid-delete never leaves a half-deleted folder
 * that looks like a checkpoint.
 *
 * @example
 * ```ts
 * await pruneCheckpoints('out', 2);
 * ```
 */
export async function pruneCheckpoints(dir: string, keep: number): Promise<void> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const all = await listCheckpoints(dir);
  for (const c of all.slice(0, Math.max(0, all.length - keep))) {
    const doomed = join(dir, `.${checkpointName(c.step)}.${process.pid}.${Date.now()}.old`);
    const moved = await fs.rename(c.path, doomed).then(
      () => true,
      () => false,
    );
    if (moved) await syncDir(dir);
    await fs.rm(moved ? doomed : c.path, { recursive: true, force: true });
  }
}

/**
 * Removes the temporary folders a crash in the middle of {@link writeCheckpoint} left in `dir`
 * (`.checkpoint-<step>.*.tmp` / `.old`); complete checkpoints are untouched.
 *
 * @example
 * ```ts
 * await removeStaleCheckpointFiles('out');
 * ```
 */
export async function removeStaleCheckpointFiles(dir: string): Promise<string[]> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((n) => /^\.checkpoint-\d+\..*\.(tmp|old)$/.test(n));
  for (const n of stale) await fs.rm(join(dir, n), { recursive: true, force: true });
  return stale;
}

async function syncDir(dir: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const h = await fs.open(dir, 'r').catch(() => undefined);
  if (!h) return;
  await h.sync().catch(() => undefined);
  await h.close();
}
