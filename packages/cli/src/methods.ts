import { MethodRegistry } from '@peft/core';
import { lora } from '@peft/lora';

/**
 * Every adapter method the `peft` command knows, in one list: a method package adds its export here
 * (and to package.json) to make `--adapter` and `inspect --model` understand its `peft_type`.
 *
 * @example
 * ```ts
 * CLI_METHODS.map((m) => m.peftType); // ['LORA']
 * ```
 */
export const CLI_METHODS = [lora] as const;

/**
 * A fresh registry holding {@link CLI_METHODS}; the commands use it instead of the global one, so
 * running the CLI in-process registers nothing globally. An unknown `peft_type` gets the registry's
 * error naming the package to install.
 *
 * @example
 * ```ts
 * cliRegistry().get('LOHA'); // PluginError: … install @peft/loha …
 * ```
 */
export function cliRegistry(): MethodRegistry {
  const registry = new MethodRegistry();
  for (const m of CLI_METHODS) registry.register(m);
  return registry;
}
