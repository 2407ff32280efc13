import { MethodRegistry, type PeftMethod } from '@peft/core';
import { adalora } from '@peft/adalora';
import { bottleneck } from '@peft/adapters';
import { bitfit } from '@peft/bitfit';
import { ia3 } from '@peft/ia3';
import { loha } from '@peft/loha';
import { lokr } from '@peft/lokr';
import { lora } from '@peft/lora';
import { pTuning } from '@peft/p-tuning';
import { prefixTuning } from '@peft/prefix';
import { promptTuning } from '@peft/prompt';

/**
 * Every adapter method the `peft` command knows, in one list: a method package adds its export here
 * (and to package.json) to make `--adapter` and `inspect --model` understand its `peft_type`.
 *
 * @example
 * ```ts
 * CLI_METHODS.map((m) => m.peftType); // ['LORA', 'LOHA', 'IA3', …]
 * ```
 */
export const CLI_METHODS: readonly PeftMethod<any>[] = [lora, adalora, loha, lokr, ia3, bottleneck, bitfit, promptTuning, pTuning, prefixTuning]; // eslint-disable-line @typescript-eslint/no-explicit-any -- each method has its own config type

/**
 * A fresh registry holding {@link CLI_METHODS}; the commands use it instead of the global one, so
 * running the CLI in-process registers nothing globally. An unknown `peft_type` gets the registry's
 * error naming the package to install.
 *
 * @example
 * ```ts
 * cliRegistry().get('BOFT'); // PluginError: … no @peft package implements it; register a PeftMethod …
 * ```
 */
export function cliRegistry(): MethodRegistry {
  const registry = new MethodRegistry();
  for (const m of CLI_METHODS) registry.register(m);
  return registry;
}
