import { MethodRegistry, getPeftModel, memorySource } from '../../../packages/core/src/index.js';
import { lora, loraConfig } from '../../../packages/lora/src/index.js';
import { readModelConfig } from '../../../packages/models/src/index.js';
import { forecastMemory } from '../../../packages/train/src/index.js';
import { checkForecast } from '../../../packages/cli/src/memory-estimate.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { type FuzzRandom, mutateJson } from '../fuzz-random.js';
import { sizeOf } from './seed-files.js';

/** The memory the forecast is checked against: 8 GiB, what `peft train --memory-budget 8GiB` gives. */
const BUDGET = 8 * 2 ** 30;

/** Published configs of the families users fine-tune (the size fields as on the Hub). */
const PUBLISHED: readonly Record<string, unknown>[] = [
  { model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: 50257, n_embd: 768, n_layer: 12, n_head: 12, n_positions: 1024 },
  {
    model_type: 'llama', architectures: ['LlamaForCausalLM'], vocab_size: 49152, hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30,
    num_attention_heads: 9, num_key_value_heads: 3, max_position_embeddings: 8192, tie_word_embeddings: true, rope_theta: 100000,
  },
  {
    model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], vocab_size: 151936, hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24,
    num_attention_heads: 14, num_key_value_heads: 2, max_position_embeddings: 32768, tie_word_embeddings: true, rope_theta: 1000000,
  },
  {
    model_type: 'llama', architectures: ['LlamaForCausalLM'], vocab_size: 128256, hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16,
    num_attention_heads: 32, num_key_value_heads: 8, head_dim: 64, max_position_embeddings: 131072, tie_word_embeddings: true, rope_theta: 500000,
    rope_scaling: { factor: 32, high_freq_factor: 4, low_freq_factor: 1, original_max_position_embeddings: 8192, rope_type: 'llama3' },
  },
  {
    model_type: 't5', architectures: ['T5ForConditionalGeneration'], vocab_size: 32128, d_model: 512, d_kv: 64, d_ff: 2048, num_layers: 6, num_heads: 8,
    feed_forward_proj: 'relu', tie_word_embeddings: true, is_encoder_decoder: true, decoder_start_token_id: 0, pad_token_id: 0, eos_token_id: 1,
  },
];

/**
 * The size fields of each family. A rotary model's max_position_embeddings sizes no tensor (the
 * frequencies are computed per sequence), so it is no memory claim and is left out there.
 */
const SIZE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  gpt2: ['vocab_size', 'n_embd', 'n_layer', 'n_inner', 'n_positions'],
  llama: ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers'],
  qwen2: ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers'],
  t5: ['vocab_size', 'd_model', 'd_ff', 'd_kv', 'num_layers', 'num_decoder_layers'],
};
/** Row counts (vocabularies, position tables) must reach 2^31 to pass 8 GiB at these widths; widths and depths 2^20. */
const HUGE_ROWS = [2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 1e15];
const HUGE_SIZES = [2 ** 20, 3 * 2 ** 20, 1e6, 1e7, 2 ** 31, 2 ** 40, 2 ** 53 - 1, 1e15];

/** A published config with one to three size fields set huge: each alone asks for far more than 8 GiB. */
function hugeConfig(r: FuzzRandom): Record<string, unknown> {
  const config: Record<string, unknown> = { ...r.pick(PUBLISHED) };
  const fields = SIZE_FIELDS[config.model_type as string];
  for (let k = 1 + r.int(3); k > 0; k--) {
    const field = r.pick(fields);
    config[field] = r.pick(field === 'vocab_size' || field === 'n_positions' ? HUGE_ROWS : HUGE_SIZES);
  }
  return config;
}

/**
 * `config.json` files of the GPT-2, LLaMA (SmolLM2, Llama 3.2), Qwen2 and T5 families claiming huge
 * sizes (a 2^31 vocabulary, a width of 2^20, a million layers, …), clean or mutated, through the
 * memory forecast as `peft train` runs it (`forecastMemory` with LoRA, then `checkForecast` against
 * an 8 GiB budget). Every huge claim must be refused with a PeftError before anything is allocated
 * (the forecast builds on shapes only), within the allocation budget; the published configs
 * themselves (a control) must be forecast and fit. Mutated configs may go either way.
 *
 * @example
 * ```ts
 * await runFuzzTarget(hugeConfigTarget, { seed: 1, count: 100 });
 * ```
 */
export const hugeConfigTarget: FuzzTarget = {
  name: 'huge-config',
  description: 'gpt2/llama/qwen2/t5 config.json claiming huge sizes → forecastMemory + checkForecast (8 GiB)',
  prepare() {
    const registry = new MethodRegistry();
    registry.register(lora);
    return Promise.resolve((r) => {
      const kind = r.chance(0.1) ? 'published' : r.chance(0.6) ? 'huge' : 'huge-mutated';
      const config = kind === 'published' ? r.pick(PUBLISHED) : hugeConfig(r);
      const text = kind === 'huge-mutated' ? mutateJson(r, JSON.stringify(config, null, 2)) : JSON.stringify(config);
      return {
        kind,
        bytes: sizeOf(text),
        run: async () => {
          // malformed JSON is refused here with a FileFormatError, as peft train reads config.json
          const json = await readModelConfig(memorySource({ 'config.json': text }, 'fuzz-huge'));
          const forecast = await forecastMemory(json, {
            budgetBytes: BUDGET,
            batchSize: 1,
            maxLength: 32,
            adapt: (m) => getPeftModel(m, loraConfig({ r: 8, targetModules: m.info.modelType === 't5' ? ['q', 'v'] : 'all-linear' }), { registry, warn: () => {} }),
          });
          checkForecast(forecast, { bytes: BUDGET, from: 'the fuzz budget' }, undefined, []);
          // a huge claim that the forecast let through is a finding (a plain Error counts as a crash)
          if (kind === 'huge') throw new Error(`huge-config: a config claiming ${JSON.stringify(json)} was forecast at ${forecast.peakBytes} bytes and let through`);
        },
      };
    });
  },
};
