import { memorySource } from '../../../packages/core/src/index.js';
import { createModel, loadPretrained, resolveArchitecture, supportedArchitectures } from '../../../packages/models/src/index.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { type FuzzRandom, mutateJson } from '../fuzz-random.js';
import { seedBytes, sizeOf } from './seed-files.js';

/**
 * The fields of a T5 config.json: the values of the published t5-small, flan-t5-small and mt5-small
 * layouts, or with `small` the same layouts at test sizes (building a published-size model really
 * allocates hundreds of MB, which is not a finding; refusing a config that claims more than fits is
 * the memory forecast's job).
 */
function t5Config(r: FuzzRandom, small: boolean): Record<string, unknown> {
  const gated = r.chance(0.5);
  const dModel = small ? r.pick([64, 8]) : r.pick([512, 64, 8]);
  const heads = r.pick([8, 6, 2]);
  return {
    architectures: [r.pick(['T5ForConditionalGeneration', 'MT5ForConditionalGeneration', 'T5EncoderModel', 'T5Model'])],
    model_type: r.pick(['t5', 'mt5']),
    d_model: dModel,
    d_kv: r.pick([64, 32, dModel / heads]),
    d_ff: small ? r.pick([128, 256]) : gated ? r.pick([1024, 2048, 128]) : r.pick([2048, 256]),
    num_layers: small ? r.pick([1, 2]) : r.pick([6, 8, 2]),
    num_decoder_layers: small ? r.pick([1, 2, null]) : r.pick([6, 8, 2, null]),
    num_heads: heads,
    relative_attention_num_buckets: 32,
    relative_attention_max_distance: 128,
    dropout_rate: 0.1,
    layer_norm_epsilon: 1e-6,
    initializer_factor: 1.0,
    feed_forward_proj: gated ? r.pick(['gated-gelu', 'gated-silu']) : 'relu',
    is_encoder_decoder: true,
    tie_word_embeddings: !gated,
    use_cache: true,
    pad_token_id: 0,
    eos_token_id: 1,
    decoder_start_token_id: 0,
    vocab_size: small ? r.pick([512, 1000]) : r.pick([32128, 250112, 512]),
    torch_dtype: r.pick(['float32', 'bfloat16']),
    transformers_version: '4.57.0',
  };
}

/**
 * T5-family `config.json` files (t5, mt5, flan layouts; gated and plain feed-forward), clean or
 * mutated, through `resolveArchitecture`, `createModel` and `loadPretrained` (with a small unrelated
 * weights file, so a config that were accepted must still be refused by the weights' shapes). Until
 * a T5 architecture is registered, each must be a ConfigError naming the unsupported model; after,
 * each must load or be refused with a PeftError, within the allocation budget.
 *
 * @example
 * ```ts
 * await runFuzzTarget(t5ConfigTarget, { seed: 1, count: 100 });
 * ```
 */
export const t5ConfigTarget: FuzzTarget = {
  name: 't5-config',
  description: 'T5/mT5 config.json (+ unrelated small weights) → resolveArchitecture, createModel, loadPretrained',
  // nothing loads before a T5 architecture is registered (then the clean configs' weights still differ: refused)
  someLoad: supportedArchitectures().some((a) => /T5/.test(a)),
  async prepare() {
    const weights = await seedBytes('packages/models/test/fixtures/gpt2/model.safetensors');
    return (r) => {
      const via = r.pick(['resolveArchitecture', 'createModel', 'loadPretrained'] as const);
      const clean = JSON.stringify(t5Config(r, via === 'createModel'), null, 2);
      const kind = r.chance(0.3) ? 'clean' : 'mutated';
      const config = kind === 'clean' ? clean : mutateJson(r, clean);
      return {
        kind: `${kind}/${via}`,
        bytes: sizeOf(config, weights),
        run: async () => {
          const json = parsedObject(config);
          if (via === 'loadPretrained' || json === undefined) {
            // malformed JSON (or not an object) is loadPretrained's to refuse; the other two take a parsed object
            const model = await loadPretrained(memorySource({ 'config.json': config, 'model.safetensors': weights }, 'fuzz-t5'), { onWarning: () => undefined });
            for (const [, t] of model.stateDict()) t.dispose();
          } else if (via === 'resolveArchitecture') resolveArchitecture(json, 'fuzz-t5/config.json');
          else for (const [, t] of createModel(json, { skipInit: true }).stateDict()) t.dispose();
        },
      };
    };
  },
};

/** The JSON object in `text`, or undefined when it is not one. */
function parsedObject(text: string): Record<string, unknown> | undefined {
  try {
    const json = JSON.parse(text) as unknown;
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
