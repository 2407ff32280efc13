import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from './variable.js';

/**
 * The outcome of {@link Module.loadStateDict}: keys the module has that the dict lacked, and keys the
 * dict had that the module does not (both empty after a strict load).
 *
 * @example
 * ```ts
 * const { missingKeys } = model.loadStateDict(weights, { strict: false });
 * ```
 */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Checks `dict` against `targets` (shapes, dtypes, backends, and with `strict` the key sets) and only
 * then assigns every matching value. @internal
 *
 * @example
 * ```ts
 * loadInto(module.stateDict() as Map<string, Variable>, weights, true);
 * ```
 */
export function loadInto(
  targets: ReadonlyMap<string, Variable>,
  dict: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  strict: boolean,
): LoadStateDictResult {
  const given: ReadonlyMap<string, Tensor> = dict instanceof Map ? dict : new Map(Object.entries(dict));
  const missingKeys = [...targets.keys()].filter((k) => !given.has(k));
  const unexpectedKeys = [...given.keys()].filter((k) => !targets.has(k));
  for (const [key, value] of given) {
    const target = targets.get(key);
    if (!target) continue;
    if (!shapesEqual(target.shape, value.shape)) {
      throw new ShapeError(`loadStateDict: "${key}" expected shape ${fmtShape(target.shape)}, got ${fmtShape(value.shape)}`);
    }
    if (target.dtype !== value.dtype) throw new DTypeError(`loadStateDict: "${key}" expected dtype ${target.dtype}, got ${value.dtype}`);
    const tb = target.liveStorage(`loadStateDict ("${key}")`).backend;
    const vb = value.liveStorage(`loadStateDict ("${key}")`).backend;
    if (tb !== vb) throw new ArgumentError(`loadStateDict: "${key}" expected a tensor on the ${tb.name} backend, got one on ${vb.name}`);
  }
  if (strict && (missingKeys.length || unexpectedKeys.length)) {
    const parts: string[] = [];
    if (missingKeys.length) parts.push(`missing keys ${listKeys(missingKeys)}`);
    if (unexpectedKeys.length) parts.push(`unexpected keys ${listKeys(unexpectedKeys)}`);
    throw new ArgumentError(`loadStateDict: the state dict does not match the module: ${parts.join('; ')}`);
  }
  for (const [key, value] of given) targets.get(key)?.assign(value);
  return { missingKeys, unexpectedKeys };
}

/** Quotes up to 8 keys for an error message. @internal @example `listKeys(['a', 'b'])` */
export function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 8).map((k) => `"${k}"`);
  if (keys.length > 8) shown.push(`… ${keys.length - 8} more`);
  return `[${shown.join(', ')}]`;
}
