import { type Backend, FileFormatError, type Tensor, loadSafetensorsTensors, serializeTensors } from '@peft/core';
import { validateShape } from '@peft/core/plugin';
import { OptimizerFileMetadataSchema } from './optimizer-state-schema.js';

/** File names inside a checkpoint folder. @example `join(dir, CHECKPOINT_FILES.state)` */
export const CHECKPOINT_FILES = Object.freeze({
  /** Every trainable parameter by its in-memory name (exact f32 values). */
  params: 'trainable_params.safetensors',
  /** Optimizer state tensors (`state.<index>.<key>`); counters and groups in the metadata. */
  optimizer: 'optimizer.safetensors',
  /** State of the adapters' training hooks (AdaLoRA's sensitivity averages). */
  hooks: 'training_hooks.safetensors',
  /** Step, epoch, data position, random state, early-stopping state (JSON). */
  state: 'trainer_state.json',
});

/**
 * Everything a training checkpoint holds besides the adapter files: written by the trainer, read
 * back on resume.
 *
 * @example
 * ```ts
 * const cp: CheckpointContents = { params, optimizer: { tensors, meta }, hooks: new Map(), state: { globalStep: 10 } };
 * ```
 */
export interface CheckpointContents {
  readonly params: ReadonlyMap<string, Tensor>;
  readonly optimizer: { readonly tensors: ReadonlyMap<string, Tensor>; readonly meta: unknown };
  readonly hooks: ReadonlyMap<string, Tensor>;
  readonly state: Readonly<Record<string, unknown>>;
}

/** The name of the checkpoint folder of step `step`. @example `checkpointName(50) // 'checkpoint-50'` */
export function checkpointName(step: number): string {
  return `checkpoint-${step}`;
}

/**
 * The files of a checkpoint (everything but the adapter files) as bytes, named as in
 * {@link CHECKPOINT_FILES}. The tensors are read now, so later training does not change the result.
 *
 * @example
 * ```ts
 * const files = await encodeCheckpoint(contents); // Map { 'trainable_params.safetensors' => Uint8Array, … }
 * ```
 */
export async function encodeCheckpoint(contents: CheckpointContents): Promise<Map<string, Uint8Array>> {
  return new Map([
    [CHECKPOINT_FILES.params, await serializeTensors(contents.params)],
    [CHECKPOINT_FILES.optimizer, await serializeTensors(contents.optimizer.tensors, { metadata: { optimizer: JSON.stringify(contents.optimizer.meta) } })],
    [CHECKPOINT_FILES.hooks, await serializeTensors(contents.hooks)],
    [CHECKPOINT_FILES.state, new TextEncoder().encode(`${JSON.stringify(contents.state, null, 2)}\n`)],
  ]);
}

/**
 * Reads a checkpoint back from its files: `read(name)` gives the bytes of one file (and rejects,
 * with a message naming it, when it cannot); `where` names the checkpoint in errors. A malformed
 * file is a FileFormatError naming it. The caller disposes the tensors.
 *
 * @example
 * ```ts
 * const cp = await decodeCheckpoint(async (name) => files.get(name)!, 'checkpoint-10', backend);
 * ```
 */
export async function decodeCheckpoint(read: (name: string) => Promise<Uint8Array>, where: string, backend?: Backend): Promise<CheckpointContents> {
  const tensors = (name: string, bytes: Uint8Array): ReturnType<typeof loadSafetensorsTensors> => {
    try {
      return loadSafetensorsTensors(bytes, { backend });
    } catch (e) {
      throw new FileFormatError(`resume: ${where}/${name}: ${(e as Error).message}`, { cause: e });
    }
  };
  const stateText = new TextDecoder().decode(await read(CHECKPOINT_FILES.state));
  let state: unknown;
  try {
    state = JSON.parse(stateText);
  } catch (e) {
    throw new FileFormatError(`resume: ${where}/${CHECKPOINT_FILES.state}: invalid JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof state !== 'object' || state === null || Array.isArray(state)) throw new FileFormatError(`resume: ${where}/${CHECKPOINT_FILES.state}: expected a JSON object`);
  const params = tensors(CHECKPOINT_FILES.params, await read(CHECKPOINT_FILES.params)).tensors;
  const opt = tensors(CHECKPOINT_FILES.optimizer, await read(CHECKPOINT_FILES.optimizer));
  const hooks = tensors(CHECKPOINT_FILES.hooks, await read(CHECKPOINT_FILES.hooks)).tensors;
  const file = `${where}/${CHECKPOINT_FILES.optimizer}`;
  const { optimizer } = validateShape(OptimizerFileMetadataSchema, opt.metadata ?? {}, { file: `${file} (metadata)` });
  let meta: unknown;
  try {
    meta = JSON.parse(optimizer);
  } catch (e) {
    throw new FileFormatError(`resume: ${file}: the "optimizer" metadata is not valid JSON`, { cause: e });
  }
  return { params, optimizer: { tensors: opt.tensors, meta }, hooks, state: state as Record<string, unknown> };
}
