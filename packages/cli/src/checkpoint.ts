import type { Backend, PretrainedModel } from '@peft/core';
import { type CheckpointSource, type PretrainedTokenizer, type WeightDType, checkpointSource, loadPretrained, loadTokenizer } from '@peft/models';
import type { CliIO } from './io.js';

/**
 * Loads the model of a checkpoint folder on a backend (weight matrices in `dtype`, by default the
 * checkpoint's own); loader notes go to stderr.
 *
 * @example
 * ```ts
 * const model = await loadModelFrom(directorySource('./gpt2'), backend, io);
 * ```
 */
export function loadModelFrom(source: CheckpointSource, backend: Backend, io: CliIO, dtype?: WeightDType): Promise<PretrainedModel> {
  return loadPretrained(source, { backend, dtype, onWarning: (message) => void io.stderr.write(`peft: note: ${message}\n`) });
}

/**
 * The checkpoint's tokenizer, or undefined when the folder has no tokenizer.json (a malformed one is
 * still an error).
 *
 * @example
 * ```ts
 * const tokenizer = await optionalTokenizer(directorySource('./gpt2'));
 * ```
 */
export async function optionalTokenizer(source: CheckpointSource): Promise<PretrainedTokenizer | undefined> {
  return (await source.has('tokenizer.json')) ? loadTokenizer(source) : undefined;
}

/**
 * A checkpoint folder or Hub id as a source, for the commands' `--model` (ids resolve through the
 * Hub cache once `enableCliHub` ran; a folder wins over an id of the same name).
 *
 * @example
 * ```ts
 * const source = await checkpointFolder('./gpt2');
 * const remote = await checkpointFolder('HuggingFaceTB/SmolLM2-135M', 'main');
 * ```
 */
export function checkpointFolder(pathOrId: string, revision?: string): Promise<CheckpointSource> {
  return checkpointSource(pathOrId, { revision });
}
