import { ConfigError, defaultGenerator, fromArray, noGrad, tidy } from '@peft/core';
import { PromptEmbedding, type PromptEncoderContext } from '@peft/core/plugin';
import type { PromptTuningConfig } from './config.js';

/**
 * The token ids TEXT init copies embeddings from, as Hugging Face PEFT picks them: the text's ids cut
 * to `count` when longer, repeated cyclically to `count` when shorter.
 *
 * @example
 * ```ts
 * initTokenIds([4, 5, 6], 7); // [4, 5, 6, 4, 5, 6, 4]
 * ```
 */
export function initTokenIds(ids: readonly number[], count: number): number[] {
  if (ids.length === 0) throw new ConfigError('prompt tuning: prompt_tuning_init_text gave no tokens');
  return Array.from({ length: count }, (_, i) => ids[i % ids.length]);
}

/**
 * Prompt tuning's encoder for a new adapter: a {@link PromptEmbedding} of
 * `numVirtualTokens · numTransformerSubmodules` rows of `tokenDim`, initialised as
 * `promptTuningInit` says: RANDOM (N(0, 1), as `nn.Embedding`), SAMPLE_VOCAB (rows of the model's
 * token table at uniformly drawn ids) or TEXT (the rows of `promptTuningInitText`'s tokens, through
 * `ctx.tokenize`). In inference mode the table is left for the saved values.
 *
 * @example
 * ```ts
 * const encoder = await createPromptTuningEncoder(config, ctx);
 * encoder.forward().shape; // [numVirtualTokens, hidden]
 * ```
 */
export async function createPromptTuningEncoder(config: PromptTuningConfig, ctx: PromptEncoderContext): Promise<PromptEmbedding> {
  const rows = config.numVirtualTokens * (config.numTransformerSubmodules ?? 1);
  const dim = config.tokenDim ?? ctx.info.hiddenSize;
  const encoder = new PromptEmbedding('prompt', rows, dim, { generator: ctx.generator, backend: ctx.backend });
  if (config.inferenceMode || config.promptTuningInit === 'RANDOM') return encoder;
  let ids: number[];
  if (config.promptTuningInit === 'SAMPLE_VOCAB') {
    const vocab = ctx.wordEmbeddings.numEmbeddings;
    ids = Array.from((ctx.generator ?? defaultGenerator()).uniform(rows), (u) => Math.min(vocab - 1, Math.floor(u * vocab)));
  } else {
    if (!ctx.tokenize) {
      throw new ConfigError('prompt tuning: prompt_tuning_init "TEXT" needs a tokenizer; pass `tokenize` in the PeftModel options (getPeftModel(model, config, { tokenize }))');
    }
    ids = initTokenIds(await ctx.tokenize(config.promptTuningInitText ?? '', config.tokenizerNameOrPath), rows);
  }
  noGrad(() => tidy(() => void encoder.embedding.weight.assign(ctx.wordEmbeddings.forward(fromArray(ids, [rows], { dtype: 'i32', backend: ctx.backend })))));
  return encoder;
}
