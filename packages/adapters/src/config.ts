import { type ConfigField, type ConfigOf, type ConfigOptions, TARGET_FIELDS, configField, defineConfig } from '@peft/core/plugin';

/**
 * Where the bottleneck adapters go: `houlsby` after the attention output and after the MLP,
 * `pfeiffer` after the MLP only (both serial: the adapter transforms the sublayer's output),
 * `parallel` beside the MLP (the adapter reads the MLP's input and its output is added to the MLP's).
 *
 * @example
 * ```ts
 * const placement: BottleneckPlacement = 'pfeiffer';
 * ```
 */
export type BottleneckPlacement = 'houlsby' | 'pfeiffer' | 'parallel';

/** The placements, in the order the docs list them. @example `BOTTLENECK_PLACEMENTS.includes('parallel') // true` */
export const BOTTLENECK_PLACEMENTS: readonly BottleneckPlacement[] = ['houlsby', 'pfeiffer', 'parallel'];

/**
 * The activations a bottleneck can use between its down- and up-projection (`swish` is `silu`,
 * `gelu_new` the tanh approximation of GELU).
 *
 * @example
 * ```ts
 * const act: BottleneckActivation = 'gelu';
 * ```
 */
export type BottleneckActivation = 'relu' | 'gelu' | 'gelu_new' | 'silu' | 'swish' | 'tanh' | 'sigmoid';

/** The accepted `non_linearity` values. @example `BOTTLENECK_ACTIVATIONS.length // 7` */
export const BOTTLENECK_ACTIVATIONS: readonly BottleneckActivation[] = ['relu', 'gelu', 'gelu_new', 'silu', 'swish', 'tanh', 'sigmoid'];

/** A positive integer or null (`bottleneck_size`). */
function optionalInt(key: string): ConfigField<number | null> {
  const int = configField.int(key, 1, { min: 1 });
  return { key, defaultValue: null, read: (v, where) => (v === null ? null : int.read(v, where)), write: (v) => v };
}

/**
 * The fields of a bottleneck adapter's `adapter_config.json` (`peft_type` "BOTTLENECK"), by camelCase
 * option name. Targeting works as for every `@peft` method; when `target_modules` is null the
 * placement's modules for the model type are used (see `bottleneckDefaultTargets`).
 *
 * @example
 * ```ts
 * BOTTLENECK_FIELDS.reductionFactor.defaultValue; // 16
 * BOTTLENECK_FIELDS.nonLinearity.key;             // 'non_linearity'
 * ```
 */
export const BOTTLENECK_FIELDS = {
  ...TARGET_FIELDS,
  config: configField.choice<BottleneckPlacement>('config', BOTTLENECK_PLACEMENTS, 'pfeiffer'),
  reductionFactor: configField.number('reduction_factor', 16, { min: 1 }),
  bottleneckSize: optionalInt('bottleneck_size'),
  nonLinearity: configField.choice<BottleneckActivation>('non_linearity', BOTTLENECK_ACTIVATIONS, 'relu'),
  scaling: configField.float('scaling', 1),
  adapterDropout: configField.float('adapter_dropout', 0, { min: 0, max: 1 }),
  lnBefore: configField.bool('ln_before', false),
  lnAfter: configField.bool('ln_after', false),
  initWeights: configField.bool('init_weights', true),
};

/**
 * A bottleneck adapter's configuration: `config` (placement), `reductionFactor` or an explicit
 * `bottleneckSize`, `nonLinearity`, `scaling`, `adapterDropout` (on the adapter's output, in training), optional layer norms `lnBefore` / `lnAfter`,
 * `initWeights` (up-projection zero, so a new adapter is the identity), and the targeting options.
 *
 * @example
 * ```ts
 * const config: BottleneckConfig = bottleneckConfig({ config: 'houlsby', reductionFactor: 8 });
 * ```
 */
export type BottleneckConfig = ConfigOf<typeof BOTTLENECK_FIELDS>;

/**
 * The bottleneck adapter's config schema (`peft_type` "BOTTLENECK"): creates configs from options,
 * parses `adapter_config.json` (unknown keys are reported through `warn`) and writes it back with
 * sorted snake_case keys, as every `@peft` method does.
 *
 * @example
 * ```ts
 * const config = BOTTLENECK_SCHEMA.parse(JSON.parse(text), { warn: console.warn });
 * ```
 */
export const BOTTLENECK_SCHEMA = defineConfig('BOTTLENECK', 'adapters', BOTTLENECK_FIELDS);

/**
 * A bottleneck adapter config from camelCase options; anything not given takes its default
 * (`config` "pfeiffer", `reductionFactor` 16, `nonLinearity` "relu", `scaling` 1, no layer norms,
 * `initWeights` true, targets from the model type and placement).
 *
 * @example
 * ```ts
 * const config = bottleneckConfig({ config: 'parallel', bottleneckSize: 4, scaling: 4 });
 * ```
 */
export function bottleneckConfig(options?: ConfigOptions<BottleneckConfig>): BottleneckConfig {
  return BOTTLENECK_SCHEMA.create(options);
}

/**
 * The bottleneck width for a stream of `features`: `bottleneckSize` when given, else
 * `floor(features / reductionFactor)`, at least 1.
 *
 * @example
 * ```ts
 * bottleneckWidth(bottleneckConfig({ reductionFactor: 16 }), 768); // 48
 * ```
 */
export function bottleneckWidth(config: Pick<BottleneckConfig, 'bottleneckSize' | 'reductionFactor'>, features: number): number {
  return config.bottleneckSize ?? Math.max(1, Math.floor(features / config.reductionFactor));
}
