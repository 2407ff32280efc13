import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeAll, writeFileAtomic } from '@peft/core/node';
import { adapterCheckpointFiles, type CheckpointStore } from './checkpoint-store.js';
import { listCheckpoints, pruneCheckpoints, readCheckpoint, removeStaleCheckpointFiles, writeCheckpoint } from './checkpoint.js';

/**
 * A {@link CheckpointStore} of folders under `dir` (Node only): `dir/checkpoint-<step>/` holds the
 * adapter files as `saveAdapter` writes them, the trainable parameters, the optimizer state and the
 * trainer state. Each folder is written into a temporary folder and renamed into place, so a crash
 * leaves the complete checkpoint or none; `removeStale` clears such leftovers.
 *
 * @example
 * ```ts
 * import { checkpointFileStore } from '@peft/train/node';
 * const trainer = new Trainer(peft, { args: { saveSteps: 50 }, train: source, checkpoints: checkpointFileStore('out') });
 * ```
 */
export function checkpointFileStore(dir: string): CheckpointStore {
  return {
    label: dir,
    save: (step, contents, adapters) =>
      writeCheckpoint(dir, step, contents, async (tmp) => {
        for (const [name, bytes] of adapterCheckpointFiles(adapters)) {
          const path = join(tmp, name);
          if (name.includes('/')) await mkdir(dirname(path), { recursive: true });
          await writeFileAtomic(path, (h) => writeAll(h, bytes));
        }
      }),
    load: (path, backend) => readCheckpoint(path, backend),
    list: () => listCheckpoints(dir),
    prune: (keep) => pruneCheckpoints(dir, keep),
    removeStale: () => removeStaleCheckpointFiles(dir),
  };
}
