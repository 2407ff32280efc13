import { basename, resolve } from 'node:path';
import { DEFAULT_ADAPTER, PeftModel, type PretrainedModel } from '@peft/core';
import type { CliIO } from './io.js';
import { cliRegistry } from './methods.js';
import { UsageError } from './usage-error.js';

/**
 * The adapter names for `--adapter` folders: the first is `default` (as Python PEFT names the adapter
 * of `from_pretrained`), the others are named after their folder (dots become `_`; a repeated name
 * gets `_2`, `_3`, …).
 *
 * @example
 * ```ts
 * adapterNames(['cases/a', 'cases/a/other']); // ['default', 'other']
 * ```
 */
export function adapterNames(dirs: readonly string[]): string[] {
  const names: string[] = [];
  dirs.forEach((dir, i) => {
    const base = i === 0 ? DEFAULT_ADAPTER : basename(resolve(dir)).replace(/\./g, '_') || `adapter${i}`;
    let name = base;
    for (let k = 2; names.includes(name); k++) name = `${base}_${k}`;
    names.push(name);
  });
  return names;
}

/**
 * The `--adapter` flags as a list (none, one or several), each checked to be a folder name; `--merge`
 * without an adapter is a usage mistake.
 *
 * @example
 * ```ts
 * adapterFlags('forward', values.adapter, values.merge); // ['./my-lora']
 * ```
 */
export function adapterFlags(command: string, raw: unknown, merge: unknown): string[] {
  const list = raw === undefined ? [] : (raw as string[]);
  if (list.some((d) => d.trim() === '')) throw new UsageError(`${command}: --adapter expects an adapter folder, got ""`);
  if (merge === true && list.length === 0) throw new UsageError(`${command}: --merge needs at least one --adapter DIR`);
  return list;
}

/**
 * Puts the adapters saved in `dirs` on `model`, all active together; with `merge`, merges them into
 * the base weights and returns the plain model. Without adapters the model comes back unchanged.
 * Methods come from {@link cliRegistry}; an adapter whose `peft_type` has no method is a PluginError
 * naming the package to install. Loader warnings go to stderr as notes.
 *
 * @example
 * ```ts
 * const ready = await applyAdapters(model, ['./my-lora'], { merge: false, io });
 * ```
 */
export async function applyAdapters(model: PretrainedModel, dirs: readonly string[], opts: { merge: boolean; io: CliIO }): Promise<PretrainedModel> {
  if (dirs.length === 0) return model;
  const warn = (message: string): void => void opts.io.stderr.write(`peft: note: ${message}\n`);
  const names = adapterNames(dirs);
  const peft = await PeftModel.fromPretrained(model, dirs[0], { adapterName: names[0], registry: cliRegistry(), warn });
  for (let i = 1; i < dirs.length; i++) await peft.loadAdapter(dirs[i], names[i]);
  if (names.length > 1) peft.setAdapter(names);
  peft.eval();
  return opts.merge ? peft.mergeAndUnload() : peft;
}
