import { isLinearLike, mul, type AdapterTrainingHooks, type PeftMethod, type TrainingHooksContext } from '@peft/core/plugin';
import { ADALORA_SCHEMA, type AdaLoraConfig } from './config.js';
import { SvdLinear, createSvdLayer } from './layer.js';
import { orthogonalRegularizer } from './orthogonal-regularizer.js';
import { RankAllocator } from './rank-allocator.js';
import { prunedState } from './rank-pattern.js';

/**
 * Hugging Face PEFT's default AdaLoRA `target_modules` per model type
 * (`TRANSFORMERS_MODELS_TO_ADALORA_TARGET_MODULES_MAPPING`), used when a config gives none.
 *
 * @example
 * ```ts
 * ADALORA_DEFAULT_TARGETS.llama; // ['q_proj', 'v_proj']
 * ```
 */
export const ADALORA_DEFAULT_TARGETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  t5: ['q', 'k', 'v', 'o', 'wi', 'wo'],
  mt5: ['q', 'k', 'v', 'o', 'wi_0', 'wi_1', 'wo'],
  bart: ['q_proj', 'k_proj', 'v_proj', 'out_proj', 'fc1', 'fc2'],
  gpt2: ['c_attn'],
  bloom: ['query_key_value'],
  opt: ['q_proj', 'k_proj', 'v_proj', 'out_proj', 'fc1', 'fc2'],
  gptj: ['q_proj', 'v_proj'],
  gpt_neox: ['query_key_value'],
  gpt_neo: ['q_proj', 'v_proj'],
  llama: ['q_proj', 'v_proj'],
  llama4: ['q_proj', 'v_proj'],
  bert: ['query', 'value'],
  roberta: ['query', 'key', 'value', 'dense'],
  'deberta-v2': ['query_proj', 'key_proj', 'value_proj', 'dense'],
  gpt_bigcode: ['c_attn'],
  deberta: ['in_proj'],
  gemma: ['q_proj', 'v_proj'],
  gemma2: ['q_proj', 'v_proj'],
  gemma3_text: ['q_proj', 'v_proj'],
  qwen2: ['q_proj', 'v_proj'],
  qwen3: ['q_proj', 'v_proj'],
  nemotron_h: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
});

/**
 * The training hooks of one AdaLoRA adapter: the orthogonal regulariser
 * (`orth_reg_weight · mean ‖A·Aᵀ − I‖_F, ‖Bᵀ·B − I‖_F`) added to the loss, and the
 * {@link RankAllocator} run after every optimizer step, whose `rank_pattern` goes into the stored
 * config (so `saveAdapter` writes it and prunes the saved tensors). The allocator's moving averages
 * and the current `rank_pattern` are the hooks' state.
 *
 * @example
 * ```ts
 * const hooks = adaloraTrainingHooks(ctx);
 * const loss = add(out.loss, hooks.regularizer!()!);
 * await hooks.afterOptimizerStep!(step);
 * ```
 */
export function adaloraTrainingHooks(ctx: TrainingHooksContext<AdaLoraConfig>): AdapterTrainingHooks {
  const layers = new Map([...ctx.layers].filter((e): e is [string, SvdLinear] => e[1] instanceof SvdLinear));
  const allocator = new RankAllocator({
    layers,
    adapterName: ctx.adapterName,
    config: () => ctx.config(),
    setRankPattern: (masks) => ctx.updateConfig(ADALORA_SCHEMA.create({ ...ctx.config(), rankPattern: masks })),
  });
  return {
    // added in training and evaluation mode alike, as PEFT does
    regularizer() {
      const weight = ctx.config().orthRegWeight;
      const term = orthogonalRegularizer(layers.values(), ctx.adapterName);
      return term && mul(term, weight);
    },
    afterOptimizerStep: async (step) => void (await allocator.update(step)),
    stateDict: () => allocator.stateDict(),
    loadStateDict: (state) => allocator.loadStateDict(state),
    dispose: () => allocator.dispose(),
  };
}

/**
 * AdaLoRA as a {@link PeftMethod} (`peft_type` "ADALORA"): SVD-form low-rank adapters on Linear and
 * GPT-2 Conv1D layers whose ranks are pruned during training to a budget, with Hugging Face PEFT
 * 0.21's names, defaults and file format. The orthogonal regulariser and the rank allocation run by
 * themselves: `PeftModel.forward` adds the regulariser to the loss in training mode, and the trainer
 * (or your loop, through `await peft.afterOptimizerStep(step)`) runs the allocation after each step.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { adalora, adaloraConfig } from '@peft/adalora';
 * registerMethod(adalora);
 * const peft = await getPeftModel(model, adaloraConfig({ initR: 12, targetR: 4, tinit: 200, tfinal: 500, totalStep: 3000, targetModules: ['q_proj', 'v_proj'] }));
 * ```
 */
export const adalora: PeftMethod<AdaLoraConfig> = {
  peftType: 'ADALORA',
  packageName: '@peft/adalora',
  schema: ADALORA_SCHEMA,
  defaultTargets: (modelType) => (Object.hasOwn(ADALORA_DEFAULT_TARGETS, modelType) ? ADALORA_DEFAULT_TARGETS[modelType] : undefined),
  canWrap: (m) => isLinearLike(m),
  createLayer: createSvdLayer,
  adjustConfig: (config, wrapped, warn) => {
    // as PEFT: fan_in_fan_out follows the wrapped layers (on for GPT-2's Conv1D)
    if (config.fanInFanOut || !wrapped.some((m) => isLinearLike(m) && m.fanInFanOut)) return config;
    warn('adalora: fan_in_fan_out is false but a target module is a Conv1D (weight stored [in, out]); setting fan_in_fan_out to true');
    return ADALORA_SCHEMA.create({ ...config, fanInFanOut: true });
  },
  savedState: prunedState,
  trainingHooks: adaloraTrainingHooks,
};
