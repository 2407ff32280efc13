import { ConfigError } from '@peft/core';
import type { JsonValue } from '@peft/core/plugin';
import { cliRegistry } from '../methods.js';

/**
 * Python PEFT's config class for each `peft_type` that has one. Bottleneck adapters and BitFit are
 * @peft's own and have no Python PEFT class.
 *
 * @example
 * ```ts
 * PYTHON_PEFT_CLASSES.LORA; // 'LoraConfig'
 * ```
 */
export const PYTHON_PEFT_CLASSES: Readonly<Record<string, string>> = Object.freeze({
  LORA: 'LoraConfig',
  LOHA: 'LoHaConfig',
  LOKR: 'LoKrConfig',
  IA3: 'IA3Config',
  ADALORA: 'AdaLoraConfig',
  PROMPT_TUNING: 'PromptTuningConfig',
  PREFIX_TUNING: 'PrefixTuningConfig',
  P_TUNING: 'PromptEncoderConfig',
});

/**
 * A new adapter's config as Python PEFT's constructor call: the class name and its keyword arguments.
 *
 * @example
 * ```ts
 * const c: PythonPeftConfig = { className: 'LoraConfig', kwargs: new Map([['r', 8]]) };
 * ```
 */
export interface PythonPeftConfig {
  readonly className: string;
  readonly kwargs: ReadonlyMap<string, JsonValue>;
}

/**
 * Maps a training config's `method` (as in adapter_config.json) to Python PEFT's config class, field
 * by field: the method's own schema parses it and writes the adapter_config.json that Python PEFT
 * reads (the file `saveAdapter` writes), so every field, its default included, reaches the Python
 * class under its Python name. `peft_type` becomes the class, and `inference_mode` is false (the
 * adapter trains). A method without a Python PEFT class is a ConfigError naming those that have one.
 *
 * @example
 * ```ts
 * const { className, kwargs } = pythonPeftConfig({ peft_type: 'LORA', r: 8, target_modules: ['c_attn'] }, 'train.json');
 * className; // 'LoraConfig'
 * kwargs.get('lora_alpha'); // 8
 * ```
 */
export function pythonPeftConfig(method: Readonly<Record<string, unknown>>, where: string, warn?: (message: string) => void): PythonPeftConfig {
  const peftType = String(method.peft_type);
  const className = PYTHON_PEFT_CLASSES[peftType];
  if (className === undefined) {
    throw new ConfigError(`${where}: method "${peftType}" has no Python PEFT class to export to; the methods that export are ${Object.keys(PYTHON_PEFT_CLASSES).join(', ')}`);
  }
  const schema = cliRegistry().get(peftType, 'peft export-run').schema;
  const json = schema.toJson(schema.parse(method, { warn, where: `${where}: "method"` }));
  const kwargs = new Map<string, JsonValue>();
  for (const [key, value] of json) {
    if (key === 'peft_type') continue;
    kwargs.set(key, key === 'inference_mode' ? false : value);
  }
  return { className, kwargs };
}
