import { ConfigError } from '@peft/core';
import { type ConfigField, type ConfigOf, type ConfigOptions, TARGET_FIELDS, configField, defineConfig } from '@peft/core/plugin';

const WHAT = '@peft/adalora';

/**
 * Which ranks of each module survive, by the saved name of its singular values
 * (`transformer.h.0.attn.c_attn.lora_E` → `[true, false, …]`, one flag per rank the module had when
 * the mask was made: `init_r`, unless training went on from a pruned adapter), as
 * Hugging Face PEFT writes AdaLoRA's `rank_pattern`. Null until the rank allocator first masks ranks.
 *
 * @example
 * ```ts
 * const masks: RankMasks = new Map([['model.layers.0.self_attn.q_proj.lora_E', [true, false, true]]]);
 * ```
 */
export type RankMasks = ReadonlyMap<string, readonly boolean[]>;

function show(v: unknown): string {
  return JSON.stringify(v instanceof Map ? Object.fromEntries(v) : v) ?? String(v);
}

/** `total_step`: a positive integer, or null (the default), which the config check refuses. */
function optionalInt(key: string): ConfigField<number | null> {
  const int = configField.int(key, 1, { min: 1 });
  return { key, defaultValue: null, read: (v, where) => (v === null ? null : int.read(v, where)), write: (v) => v };
}

/** `rank_pattern`: null or an object of saved `lora_E` name → list of booleans, kept in the order read. */
function rankMasksField(key: string): ConfigField<RankMasks | null> {
  return {
    key,
    defaultValue: null,
    read(v, where) {
      if (v === null) return null;
      const entries = v instanceof Map ? [...(v as Map<string, unknown>)] : typeof v === 'object' && !Array.isArray(v) ? Object.entries(v) : undefined;
      if (!entries) throw new ConfigError(`${where}: ${key} must be null or an object of module → list of booleans, got ${show(v)}`);
      const out = new Map<string, readonly boolean[]>();
      for (const [name, flags] of entries) {
        if (!Array.isArray(flags) || !flags.every((f) => typeof f === 'boolean')) {
          throw new ConfigError(`${where}: ${key}["${name}"] must be a list of booleans (one per rank), got ${show(flags)}`);
        }
        out.set(name, Object.freeze([...flags] as boolean[]));
      }
      return out;
    },
    write: (v) => (v === null ? null : new Map([...v].map(([k, flags]) => [k, [...flags]]))),
  };
}

/**
 * The fields of AdaLoRA's `adapter_config.json` as Hugging Face PEFT 0.21 writes them (its
 * `AdaLoraConfig`, which extends `LoraConfig`), by camelCase option name. LoRA options that AdaLoRA
 * does not use (`r`, `use_rslora`, `lora_bias`, `alpha_pattern`) are kept and, as in PEFT, have no
 * effect; options this package does not implement accept only their default value.
 *
 * @example
 * ```ts
 * ADALORA_FIELDS.initR.defaultValue; // 12
 * ```
 */
export const ADALORA_FIELDS = {
  ...TARGET_FIELDS,
  initR: configField.int('init_r', 12, { min: 0 }),
  targetR: configField.int('target_r', 8, { min: 0 }),
  tinit: configField.int('tinit', 0, { min: 0 }),
  tfinal: configField.int('tfinal', 0, { min: 0 }),
  deltaT: configField.int('deltaT', 1, { min: 1 }),
  beta1: configField.float('beta1', 0.85),
  beta2: configField.float('beta2', 0.85),
  orthRegWeight: configField.float('orth_reg_weight', 0.5),
  totalStep: optionalInt('total_step'),
  rankPattern: rankMasksField('rank_pattern'),
  loraAlpha: configField.number('lora_alpha', 8),
  loraDropout: configField.float('lora_dropout', 0, { min: 0, max: 1 }),
  fanInFanOut: configField.bool('fan_in_fan_out', false),
  initLoraWeights: configField.bool('init_lora_weights', true),
  // LoRA options AdaLoRA ignores, as PEFT does
  r: configField.int('r', 8, { min: 1 }),
  useRslora: configField.bool('use_rslora', false),
  loraBias: configField.bool('lora_bias', false),
  alphaPattern: configField.pattern('alpha_pattern'),
  // stored for other tools, no effect here
  autoMapping: configField.json('auto_mapping', null),
  megatronCore: configField.json('megatron_core', 'megatron.core'),
  evaConfig: configField.json('eva_config', null),
  cordaConfig: configField.json('corda_config', null),
  loraGaConfig: configField.json('lora_ga_config', null),
  qaloraGroupSize: configField.int('qalora_group_size', 16, { min: 1 }),
  // not supported by AdaLoRA in PEFT, or not implemented here: only the default is accepted
  bias: configField.unsupported('bias', 'none', WHAT),
  useDora: configField.unsupported('use_dora', false, WHAT),
  loftqConfig: configField.unsupported('loftq_config', new Map(), WHAT),
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
 * An AdaLoRA adapter's configuration: Hugging Face PEFT's `AdaLoraConfig` with camelCase names
 * (`initR`, `targetR`, `tinit`, `tfinal`, `deltaT`, `beta1`, `beta2`, `orthRegWeight`, `totalStep`,
 * `rankPattern`, and the LoRA options `loraAlpha`, `loraDropout`, `targetModules`, …).
 *
 * @example
 * ```ts
 * const config: AdaLoraConfig = adaloraConfig({ initR: 12, targetR: 4, totalStep: 1000, targetModules: ['q_proj', 'v_proj'] });
 * config.beta1; // 0.85
 * ```
 */
export type AdaLoraConfig = ConfigOf<typeof ADALORA_FIELDS>;

function checkAdaLora(c: AdaLoraConfig): void {
  const where = 'adalora';
  if (c.totalStep === null) {
    throw new ConfigError(`${where}: total_step is required (the number of training steps the rank budget is scheduled over), got null; pass totalStep, e.g. adaloraConfig({ totalStep: 1000, … })`);
  }
  if (c.tinit >= c.totalStep - c.tfinal) {
    throw new ConfigError(
      `${where}: tinit (${c.tinit}) must be smaller than total_step − tfinal (${c.totalStep} − ${c.tfinal} = ${c.totalStep - c.tfinal}), otherwise no step is left to reduce the ranks; decrease tinit / tfinal or increase total_step`,
    );
  }
  if (c.orthRegWeight < 0) throw new ConfigError(`${where}: orth_reg_weight must be ≥ 0, got ${c.orthRegWeight}`);
  for (const [key, b] of [['beta1', c.beta1], ['beta2', c.beta2]] as const) {
    if (!(b > 0 && b < 1)) throw new ConfigError(`${where}: ${key} must be in (0, 1), got ${b}`);
  }
  if (typeof c.targetModules === 'string' && c.layersToTransform !== null) {
    throw new ConfigError(`${where}: layers_to_transform cannot be used when target_modules is a regex string ("${c.targetModules}")`);
  }
  const hasPattern = typeof c.layersPattern === 'string' ? c.layersPattern !== '' : c.layersPattern !== null && c.layersPattern.length > 0;
  if (hasPattern && c.layersToTransform === null) {
    throw new ConfigError(`${where}: layers_pattern needs layers_to_transform too (got layers_pattern ${JSON.stringify(c.layersPattern)} and no layers_to_transform)`);
  }
}

/**
 * AdaLoRA's config schema (`peft_type` "ADALORA"): creates configs from options, parses
 * `adapter_config.json` (unknown keys are reported through `warn`) and writes it back with every key
 * Hugging Face PEFT 0.21 writes.
 *
 * @example
 * ```ts
 * const config = ADALORA_SCHEMA.parse(JSON.parse(text), { warn: console.warn });
 * ADALORA_SCHEMA.toJson(config).get('init_r'); // 12
 * ```
 */
export const ADALORA_SCHEMA = defineConfig('ADALORA', 'adalora', ADALORA_FIELDS, checkAdaLora);

/**
 * An AdaLoRA config from camelCase options; anything not given takes Hugging Face PEFT's default
 * (`initR` 12, `targetR` 8, `tinit` 0, `tfinal` 0, `deltaT` 1, `beta1` = `beta2` = 0.85,
 * `orthRegWeight` 0.5, `loraAlpha` 8). `totalStep` is required.
 *
 * @example
 * ```ts
 * const config = adaloraConfig({ initR: 6, targetR: 4, tinit: 10, tfinal: 10, totalStep: 100, targetModules: ['c_attn'] });
 * ```
 */
export function adaloraConfig(options?: ConfigOptions<AdaLoraConfig>): AdaLoraConfig {
  return ADALORA_SCHEMA.create(options);
}
