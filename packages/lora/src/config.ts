import { ConfigError } from '@peft/core';
import { type ConfigField, type ConfigOf, type ConfigOptions, type JsonValue, TARGET_FIELDS, configField, defineConfig } from '@peft/core/plugin';
import { initLoraWeightsField } from './init-lora-weights.js';

const WHAT = '@peft/lora';

/**
 * `loftq_config`: Hugging Face keeps it only for `init_lora_weights="loftq"` (not supported here) and
 * otherwise resets it to `{}`; any object is accepted and stored as `{}`.
 */
function ignoredObject(key: string): ConfigField<JsonValue> {
  return {
    key,
    defaultValue: new Map(),
    read(v, where) {
      const isObject = v instanceof Map || (typeof v === 'object' && v !== null && !Array.isArray(v));
      if (!isObject) throw new ConfigError(`${where}: ${key} must be an object, got ${JSON.stringify(v) ?? String(v)}`);
      return new Map();
    },
    write: () => new Map(),
  };
}

/**
 * The fields of LoRA's `adapter_config.json` as Hugging Face PEFT 0.21 writes them, by camelCase
 * option name. Options this package does not implement accept only their default value.
 *
 * @example
 * ```ts
 * LORA_FIELDS.r.defaultValue; // 8
 * ```
 */
export const LORA_FIELDS = {
  ...TARGET_FIELDS,
  r: configField.int('r', 8, { min: 1 }),
  loraAlpha: configField.number('lora_alpha', 8),
  loraDropout: configField.float('lora_dropout', 0, { min: 0, max: 1 }),
  fanInFanOut: configField.bool('fan_in_fan_out', false),
  bias: configField.choice('bias', ['none', 'all', 'lora_only'] as const, 'none'),
  useRslora: configField.bool('use_rslora', false),
  useDora: configField.bool('use_dora', false),
  initLoraWeights: initLoraWeightsField(),
  loraBias: configField.bool('lora_bias', false),
  rankPattern: configField.pattern('rank_pattern', { int: true }),
  alphaPattern: configField.pattern('alpha_pattern'),
  // stored for other tools, no effect here
  autoMapping: configField.json('auto_mapping', null),
  megatronCore: configField.json('megatron_core', 'megatron.core'),
  loftqConfig: ignoredObject('loftq_config'),
  evaConfig: configField.json('eva_config', null),
  cordaConfig: configField.json('corda_config', null),
  loraGaConfig: configField.json('lora_ga_config', null),
  qaloraGroupSize: configField.int('qalora_group_size', 16, { min: 1 }),
  // features of Hugging Face PEFT this package does not implement: only the default is accepted
  megatronConfig: configField.unsupported('megatron_config', null, WHAT),
  trainableTokenIndices: configField.unsupported('trainable_token_indices', null, WHAT),
  layerReplication: configField.unsupported('layer_replication', null, WHAT),
  targetParameters: configField.unsupported('target_parameters', null, WHAT, [[]]),
  useQalora: configField.unsupported('use_qalora', false, WHAT),
  veloraConfig: configField.unsupported('velora_config', null, WHAT),
  aloraInvocationTokens: configField.unsupported('alora_invocation_tokens', null, WHAT),
  montecloraConfig: configField.unsupported('monteclora_config', null, WHAT),
  useBdlora: configField.unsupported('use_bdlora', null, WHAT),
  arrowConfig: configField.unsupported('arrow_config', null, WHAT),
  kasaConfig: configField.unsupported('kasa_config', null, WHAT),
  ensureWeightTying: configField.unsupported('ensure_weight_tying', false, WHAT),
};

/**
 * A LoRA adapter's configuration: Hugging Face PEFT's `LoraConfig` with camelCase names (`r`,
 * `loraAlpha`, `loraDropout`, `targetModules`, `useRslora`, `useDora`, `initLoraWeights`, `bias`,
 * `rankPattern`, …). Read from and written to `adapter_config.json` by {@link LORA_SCHEMA}.
 *
 * @example
 * ```ts
 * const config: LoraConfig = loraConfig({ r: 16, loraAlpha: 32, targetModules: ['q_proj', 'v_proj'] });
 * config.useRslora; // false
 * ```
 */
export type LoraConfig = ConfigOf<typeof LORA_FIELDS>;

function checkLora(c: LoraConfig): void {
  const where = 'lora';
  if (typeof c.targetModules === 'string' && c.layersToTransform !== null) {
    throw new ConfigError(`${where}: layers_to_transform cannot be used when target_modules is a regex string ("${c.targetModules}")`);
  }
  if (typeof c.targetModules === 'string' && c.layersPattern !== null) {
    throw new ConfigError(`${where}: layers_pattern cannot be used when target_modules is a regex string ("${c.targetModules}")`);
  }
  const hasPattern = typeof c.layersPattern === 'string' ? c.layersPattern !== '' : c.layersPattern !== null && c.layersPattern.length > 0;
  if (hasPattern && c.layersToTransform === null) {
    throw new ConfigError(`${where}: layers_pattern needs layers_to_transform too (got layers_pattern ${JSON.stringify(c.layersPattern)} and no layers_to_transform)`);
  }
  if (c.loraBias) {
    if (c.initLoraWeights !== true && c.initLoraWeights !== false) {
      throw new ConfigError(`${where}: lora_bias=true needs init_lora_weights true or false, got ${JSON.stringify(c.initLoraWeights)}`);
    }
    if (c.useDora) throw new ConfigError(`${where}: lora_bias=true is not supported with use_dora=true`);
  }
}

/**
 * LoRA's config schema (`peft_type` "LORA"): creates configs from options, parses
 * `adapter_config.json` (unknown keys are reported through `warn`) and writes it back with every key
 * Hugging Face PEFT 0.21 writes.
 *
 * @example
 * ```ts
 * const config = LORA_SCHEMA.parse(JSON.parse(text), { warn: console.warn });
 * const json = LORA_SCHEMA.toJson(config); // Map of snake_case keys
 * ```
 */
export const LORA_SCHEMA = defineConfig('LORA', 'lora', LORA_FIELDS, checkLora);

/**
 * A LoRA config from camelCase options; anything not given takes Hugging Face PEFT's default
 * (`r` 8, `loraAlpha` 8, `loraDropout` 0, `initLoraWeights` true, `bias` "none").
 *
 * @example
 * ```ts
 * const config = loraConfig({ r: 4, loraAlpha: 8, targetModules: ['c_attn'], useDora: true });
 * ```
 */
export function loraConfig(options?: ConfigOptions<LoraConfig>): LoraConfig {
  return LORA_SCHEMA.create(options);
}
