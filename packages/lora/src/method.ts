import { ConfigError, Embedding, type Module } from '@peft/core';
import {
  isLinearLike,
  type ExtraParameter,
  type ExtraParametersContext,
  type LayerContext,
  type PeftMethod,
  loraFamilyTargets,
} from '@peft/core/plugin';
import { LORA_SCHEMA, type LoraConfig } from './config.js';
import { LoraEmbedding } from './lora-embedding.js';
import { LoraLinear } from './lora-linear.js';
import { addWeightedLoraAdapter } from './weighted-adapter.js';

/** Hugging Face's names of embedding layers whose full weight is saved when they are targeted. */
const EMBEDDING_LAYER_NAMES = ['embed_tokens', 'lm_head'];

function mentionsEmbeddingLayer(targets: LoraConfig['targetModules']): boolean {
  if (targets === null) return false;
  // Python's `name in target_modules`: membership for a list, a substring test for a regex string
  return EMBEDDING_LAYER_NAMES.some((n) => targets.includes(n));
}

/**
 * Wraps a dense layer or an embedding table in a new LoRA layer holding adapter `ctx.adapterName`.
 *
 * @example
 * ```ts
 * const layer = createLoraLayer(new Linear(32, 64), ctx); // a LoraLinear
 * ```
 */
export function createLoraLayer(base: Module, ctx: LayerContext<LoraConfig>): LoraLinear | LoraEmbedding {
  let layer: LoraLinear | LoraEmbedding;
  if (base instanceof Embedding) layer = new LoraEmbedding(base);
  else if (isLinearLike(base)) layer = new LoraLinear(base);
  else {
    throw new ConfigError(`lora: cannot wrap ${ctx.path}, a ${base.constructor.name} (LoRA supports Linear, Conv1D and Embedding layers)`);
  }
  layer.addAdapter(ctx.adapterName, ctx);
  return layer;
}

/**
 * The base-model parameters a LoRA adapter also trains and saves:
 *
 * - `bias: "all"`: every bias of the model (trained, saved);
 * - `bias: "lora_only"`: the base biases of the layers holding this adapter (trained, and saved as
 *   `<module>.base_layer.bias`, as Hugging Face PEFT 0.21 does);
 * - when `target_modules` names `embed_tokens` or `lm_head` (Hugging Face's
 *   `save_embedding_layers="auto"`): the full base weight of the wrapped input / output embedding
 *   (saved, not trained).
 *
 * @example
 * ```ts
 * for (const p of loraExtraParameters(ctx)) console.log(p.path, p.trainable, p.saved);
 * ```
 */
export function* loraExtraParameters(ctx: ExtraParametersContext<LoraConfig>): Iterable<ExtraParameter> {
  const { config, layers, model } = ctx;
  if (config.bias === 'all') {
    // PEFT saves every state-dict entry named like a bias, including those inside modules-to-save
    // wrappers (`classifier.modules_to_save.bias`, `classifier.original_module.bias`), adapter name left out
    const copy = `.modules_to_save.${ctx.adapterName}.`;
    for (const [path, parameter] of model.namedParameters()) {
      const last = path.slice(path.lastIndexOf('.') + 1);
      if (last !== 'bias' || /(^|\.)lora_[^.]*\./.test(path)) continue;
      if (path.includes('.modules_to_save.')) {
        if (path.includes(copy)) yield { path: path.replace(copy, '.modules_to_save.'), parameter, trainable: true, saved: true };
        continue;
      }
      yield { path, parameter, trainable: !path.includes('.original_module.'), saved: true };
    }
  } else if (config.bias === 'lora_only') {
    for (const [path, layer] of layers) {
      if (layer instanceof LoraLinear && layer.bias) yield { path: `${path}.base_layer.bias`, parameter: layer.bias, trainable: true, saved: true };
    }
  }
  if (mentionsEmbeddingLayer(config.targetModules)) {
    const m = model as Module & { getInputEmbeddings?: () => Module; info?: { outputHeadPath?: string } };
    const input = m.getInputEmbeddings?.();
    const head = m.info?.outputHeadPath;
    for (const [path, layer] of layers) {
      const isInput = input !== undefined && (layer === input || layer.baseLayer === input);
      if (isInput || path === head) yield { path: `${path}.base_layer.weight`, parameter: layer.baseWeight(), trainable: false, saved: true };
    }
  }
}

/**
 * LoRA as a {@link PeftMethod} (`peft_type` "LORA"): LoRA, rsLoRA and DoRA on Linear, GPT-2 Conv1D
 * and Embedding layers, with Hugging Face PEFT 0.21's names, defaults and file format. Register it
 * once, then use `getPeftModel` / `PeftModel.fromPretrained` from `@peft/core`.
 *
 * PiSSA / OLoRA adapters (`initLoraWeights: 'pissa' | 'olora'`) finish their initialisation in
 * `LoraLinear.initializeAdapter`, which `PeftModel.addAdapter` awaits.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { lora, loraConfig } from '@peft/lora';
 * registerMethod(lora);
 * const peft = await getPeftModel(model, loraConfig({ r: 8, loraAlpha: 16, targetModules: ['q_proj', 'v_proj'] }));
 * ```
 */
export const lora: PeftMethod<LoraConfig> = {
  peftType: 'LORA',
  packageName: '@peft/lora',
  schema: LORA_SCHEMA,
  defaultTargets: loraFamilyTargets,
  canWrap: (m) => m instanceof Embedding || isLinearLike(m),
  createLayer: createLoraLayer,
  adjustConfig: (config, wrapped, warn) => {
    // PEFT switches fan_in_fan_out on (and saves it so) when a target stores its weight [in, out]
    if (config.fanInFanOut || !wrapped.some((m) => isLinearLike(m) && m.fanInFanOut)) return config;
    warn('lora: fan_in_fan_out is false but a target module is a Conv1D (weight stored [in, out]); setting fan_in_fan_out to true');
    return LORA_SCHEMA.create({ ...config, fanInFanOut: true });
  },
  extraParameters: loraExtraParameters,
  addWeightedAdapter: addWeightedLoraAdapter,
};
