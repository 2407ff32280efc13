import { type PretrainedModel, type Tensor, serializeTensors } from '@peft/core';
import type { CheckpointSource } from '@peft/core';

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
 * Writes `model` as a Hugging Face checkpoint folder: `model.safetensors` (every file written
 * atomically), and `config.json` plus the tokenizer and generation files copied byte for byte from
 * `copyFrom` (the folder the base model came from); without a source config, `config.json` is
 * written from `model.config`. Node only.
 *
 * @example
 * ```ts
 * const merged = peft.mergeAndUnload();
 * await savePretrained(merged, 'gpt2-merged', { copyFrom: directorySource('gpt2') });
 * ```
 */
export async function savePretrained(model: PretrainedModel, dir: string, opts?: { copyFrom?: CheckpointSource }): Promise<string[]> {
  const { mkdir } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { writeFileAtomic, writeAll } = await import('@peft/core/node');
  await mkdir(dir, { recursive: true });
  const write = (name: string, bytes: Uint8Array): Promise<void> => writeFileAtomic(join(dir, name), (h) => writeAll(h, bytes));
  const written: string[] = [];
  await write('model.safetensors', await serializeTensors(checkpointTensors(model), { metadata: { format: 'pt' } }));
  written.push('model.safetensors');
  const src = opts?.copyFrom;
  for (const name of COPIED_FILES) {
    const bytes = src && (await src.has(name)) ? await src.withBytes(name, async (b) => {
            const out = new Uint8Array(b.size);
            await b.read(out, 0);
            return out;
          }) : undefined;
    if (bytes) {
      await write(name, bytes);
      written.push(name);
    }
  }
  if (!written.includes('config.json')) {
    await write('config.json', new TextEncoder().encode(`${JSON.stringify(model.config, null, 2)}\n`));
    written.push('config.json');
  }
  return written;
}
