import { type PretrainedModel, type Tensor, serializeTensors, type CheckpointSource } from '@peft/core';

/** Files copied unchanged from the source checkpoint by {@link savePretrained}. */
const COPIED_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja', 'vocab.txt', 'vocab.json', 'merges.txt'];

/**
 * The tensors a checkpoint of `model` holds: its state dict with tied copies left out (a tensor
 * shared under two names, such as GPT-2's head and token embedding, is written once under its first
 * name, as transformers' `save_pretrained` does).
 *
 * @example
 * ```ts
 * const tensors = checkpointTensors(model); // Map { 'transformer.wte.weight' => …, … } (no 'lm_head.weight')
 * ```
 */
export function checkpointTensors(model: PretrainedModel): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const seen = new Set<Tensor>();
  for (const [name, t] of model.stateDict()) {
    if (seen.has(t)) continue;
    seen.add(t);
    out.set(name, t);
  }
  return out;
}

/**
 * Writes `model` as a Hugging Face checkpoint folder: `model.safetensors`, and `config.json` plus the
 * tokenizer and generation files copied byte for byte from `copyFrom` (the folder the base model came
 * from); without a source config, `config.json` is written from `model.config`. All files are staged
 * and flushed before any is renamed into place, so a crash leaves the previous files. Node only.
 *
 * @example
 * ```ts
 * const merged = peft.mergeAndUnload();
 * await savePretrained(merged, 'gpt2-merged', { copyFrom: directorySource('gpt2') });
 * ```
 */
export async function savePretrained(model: PretrainedModel, dir: string, opts?: { copyFrom?: CheckpointSource }): Promise<string[]> {
  const { mkdir } = await import('node:fs/promises');
  const { writeFilesAtomic } = await import('@peft/core/node');
  await mkdir(dir, { recursive: true });
  const files: [string, Uint8Array][] = [['model.safetensors', await serializeTensors(checkpointTensors(model), { metadata: { format: 'pt' } })]];
  const src = opts?.copyFrom;
  for (const name of COPIED_FILES) {
    if (!src || !(await src.has(name))) continue;
    files.push([
      name,
      await src.withBytes(name, async (b) => {
        const out = new Uint8Array(b.size);
        await b.read(out, 0);
        return out;
      }),
    ]);
  }
  if (!files.some(([n]) => n === 'config.json')) files.push(['config.json', new TextEncoder().encode(`${JSON.stringify(model.config, null, 2)}\n`)]);
  // every file is staged and flushed before any is renamed into place: a crash leaves the previous checkpoint
  await writeFilesAtomic(dir, files);
  return files.map(([n]) => n);
}
