import { ArgumentError, ConfigError, type CheckpointSource } from '@peft/core';

/**
 * Checks token ids that arrive as JavaScript numbers (prompts for generation, batches built on the
 * host) against the model's vocabulary: every id must be an integer in `[0, vocabSize)`. Ids already
 * on the GPU are not read back to be checked (that would stall every step); they are checked where
 * they enter from JavaScript: here, and by the training data loader against the vocabulary.
 *
 * @example
 * ```ts
 * checkTokenIds('generate', [[5, 17, 2]], model.info.vocabSize);
 * checkTokenIds('generate', [[5, 70000]], 50257); // ArgumentError naming row 0, position 1
 * ```
 */
export function checkTokenIds(op: string, rows: readonly (ArrayLike<number>)[], vocabSize: number): void {
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let i = 0; i < row.length; i++) {
      const id = row[i];
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new ArgumentError(`${op}: token id ${id} at row ${r}, position ${i} is outside the vocabulary [0, ${vocabSize}); the ids do not come from this model's tokenizer`);
      }
    }
  }
}

/** transformers' defaults for fields a config may leave out (the model is built with them). */
const DEFAULTS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  gpt2: { n_embd: 768, n_layer: 12, vocab_size: 50257, n_positions: 1024 },
  llama: { hidden_size: 4096, num_hidden_layers: 32, intermediate_size: 11008, vocab_size: 32000, max_position_embeddings: 2048 },
  mistral: { hidden_size: 4096, num_hidden_layers: 32, intermediate_size: 14336, vocab_size: 32000, max_position_embeddings: 131072 },
  qwen2: { hidden_size: 4096, num_hidden_layers: 32, intermediate_size: 22016, vocab_size: 151936, max_position_embeddings: 32768 },
  bert: { hidden_size: 768, num_hidden_layers: 12, intermediate_size: 3072, vocab_size: 30522, max_position_embeddings: 512 },
};

/** A positive integer config value (or the model type's default when absent), 0 when malformed (the config reader reports those). */
function dim(config: Readonly<Record<string, unknown>>, ...keys: string[]): number {
  const defaults = typeof config.model_type === 'string' && Object.hasOwn(DEFAULTS, config.model_type) ? DEFAULTS[config.model_type] : {};
  for (const k of keys) {
    const v = config[k] === undefined || config[k] === null ? defaults[k] : config[k];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  return 0;
}

/**
 * A lower bound of the number of values a transformer config describes: the token (and position)
 * embeddings plus, per layer, two square attention projections and two MLP matrices. Architectures
 * differ in the rest, so this undercounts every supported one.
 *
 * @example
 * ```ts
 * configParameterLowerBound({ n_embd: 768, n_layer: 12, vocab_size: 50257, n_positions: 1024 }); // ≈ 1.2e8
 * ```
 */
export function configParameterLowerBound(config: Readonly<Record<string, unknown>>): number {
  const hidden = dim(config, 'n_embd', 'hidden_size', 'd_model');
  // T5 names its (encoder) layers num_layers and its feed-forward width d_ff
  const layers = dim(config, 'n_layer', 'num_hidden_layers', 'num_layers');
  const inner = dim(config, 'n_inner', 'intermediate_size', 'd_ff') || 4 * hidden;
  const vocab = dim(config, 'vocab_size');
  const positions = dim(config, 'n_positions', 'max_position_embeddings');
  return (vocab + positions) * hidden + layers * (2 * hidden * hidden + 2 * hidden * inner);
}

/**
 * Refuses, before anything is allocated, a config.json that describes a model far larger than its
 * checkpoint can hold: at most 4 values per byte of weights (4-bit packing, with a factor 2 to spare)
 * plus 4M. A mismatched or corrupted config (`n_embd: 76800000`) otherwise makes `loadPretrained`
 * allocate gigabytes of zeros before the shape check on the weights could refuse them. Sharded
 * checkpoints are measured by the index's `metadata.total_size` when present.
 *
 * @example
 * ```ts
 * await checkConfigFitsCheckpoint(config, directorySource('./gpt2'), './gpt2/config.json');
 * ```
 */
export async function checkConfigFitsCheckpoint(
  config: Readonly<Record<string, unknown>>,
  source: CheckpointSource,
  where: string,
  lowerBound: number = configParameterLowerBound(config),
): Promise<void> {
  let bytes: number | undefined;
  if (await source.has('model.safetensors')) bytes = await source.withBytes('model.safetensors', (b) => Promise.resolve(b.size));
  else {
    const index = await source.readText('model.safetensors.index.json');
    const total = index === undefined ? undefined : totalSize(index);
    if (total !== undefined) bytes = total;
  }
  if (bytes === undefined) return; // the weight loader reports missing files
  const needed = lowerBound;
  const fits = 4 * bytes + 4 * 2 ** 20;
  if (needed > fits) {
    throw new ConfigError(
      `${where}: describes a model of at least ${needed.toExponential(2)} parameters, but its weights hold ${bytes} bytes (at most ${fits.toExponential(2)} values); config.json and the weights do not belong together`,
    );
  }
}

function totalSize(indexText: string): number | undefined {
  try {
    const v = (JSON.parse(indexText) as { metadata?: { total_size?: unknown } } | null)?.metadata?.total_size;
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
  } catch {
    return undefined; // the weight loader reports a malformed index with its own message
  }
}
