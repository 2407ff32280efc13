import type { BottleneckPlacement } from './config.js';

/**
 * The modules a bottleneck adapter wraps when `target_modules` is null, by model type and placement.
 * Serial adapters (Houlsby, Pfeiffer) wrap a sublayer's output projection, so they act on the
 * sublayer's output before the residual is added (where Houlsby et al. place them); parallel adapters
 * wrap the whole MLP, so they read its input. BERT's feed-forward block is split in two
 * (`intermediate`, then `output` = LayerNorm(dense(h) + residual)): its parallel adapter wraps
 * `output` and reads the residual stream, which is the MLP's input. A string is a full-match regex
 * (BERT's `output.dense` suffix would also match the attention's `attention.output.dense`).
 *
 * @example
 * ```ts
 * BOTTLENECK_DEFAULT_TARGETS.gpt2.houlsby; // ['c_proj'] (attn.c_proj and mlp.c_proj)
 * ```
 */
export const BOTTLENECK_DEFAULT_TARGETS: Readonly<Record<string, Readonly<Record<BottleneckPlacement, string | readonly string[]>>>> = {
  gpt2: { houlsby: ['c_proj'], pfeiffer: ['mlp.c_proj'], parallel: ['mlp'] },
  llama: { houlsby: ['o_proj', 'down_proj'], pfeiffer: ['down_proj'], parallel: ['mlp'] },
  mistral: { houlsby: ['o_proj', 'down_proj'], pfeiffer: ['down_proj'], parallel: ['mlp'] },
  qwen2: { houlsby: ['o_proj', 'down_proj'], pfeiffer: ['down_proj'], parallel: ['mlp'] },
  bert: { houlsby: ['output.dense'], pfeiffer: '.*\\.layer\\.\\d+\\.output\\.dense', parallel: '.*\\.layer\\.\\d+\\.output' },
  roberta: { houlsby: ['output.dense'], pfeiffer: '.*\\.layer\\.\\d+\\.output\\.dense', parallel: '.*\\.layer\\.\\d+\\.output' },
};

/**
 * The default targets of a placement for a model type, or undefined when none are known (then
 * `target_modules` must be given).
 *
 * @example
 * ```ts
 * bottleneckDefaultTargets('llama', 'pfeiffer'); // ['down_proj']
 * ```
 */
export function bottleneckDefaultTargets(modelType: string, placement: BottleneckPlacement): string | readonly string[] | undefined {
  return BOTTLENECK_DEFAULT_TARGETS[modelType]?.[placement];
}
