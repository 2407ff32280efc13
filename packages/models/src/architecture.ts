import type { LayerOptions, PretrainedModel } from '@peft/core';
import type { GenericSchema } from 'valibot';
import type { ConfigReader } from './config-reader.js';
import type { WeightMapping } from './checkpoint-weights.js';

/**
 * One model family the loader knows: which `config.json` it accepts and how to build the model and
 * map checkpoint names. Registered with {@link registerArchitecture}.
 *
 * @example
 * ```ts
 * registerArchitecture({
 *   modelTypes: ['gpt2'],
 *   classes: { GPT2LMHeadModel: (c, o) => new GPT2LMHeadModel(parseGPT2Config(c), o) },
 *   defaultClass: 'GPT2LMHeadModel',
 *   weights: (cls) => gpt2Weights(cls),
 * });
 * ```
 */
export interface Architecture {
  /** `model_type` values of config.json this family handles (`llama`, `mistral`, …). */
  readonly modelTypes: readonly string[];
  /** transformers class names (`architectures[0]`) and how to build each. */
  readonly classes: Readonly<Record<string, (config: ConfigReader, opts: LayerOptions) => PretrainedModel>>;
  /** The class used when config.json names none of `classes`. */
  readonly defaultClass: string;
  /** How checkpoint tensor names map onto the built model's. */
  weights(className: string, config: ConfigReader): WeightMapping;
  /**
   * The declared shape of the `config.json` fields the family reads (a valibot schema), checked
   * before the model is built: a field of the wrong type or range is a `ConfigError` naming the file
   * and the field.
   */
  readonly configSchema?: GenericSchema;
  /**
   * How many parameters the config describes at the least, with the family's defaults for missing
   * fields, so a config that claims more than its weights hold is refused before anything is built
   * (without it, a generic count from the common size fields is used).
   */
  parameterLowerBound?(config: ConfigReader): number;
}

const registry: Architecture[] = [];

/**
 * Adds a model family to the loader, besides the built-in GPT-2, LLaMA-family and BERT.
 *
 * @example
 * ```ts
 * registerArchitecture(myArchitecture);
 * ```
 */
export function registerArchitecture(arch: Architecture): void {
  registry.push(arch);
}

/**
 * The families added with {@link registerArchitecture} (the built-in ones are not listed).
 *
 * @example
 * ```ts
 * registeredArchitectures().flatMap((a) => Object.keys(a.classes)); // ['GPT2LMHeadModel', …]
 * ```
 */
export function registeredArchitectures(): readonly Architecture[] {
  return registry;
}
