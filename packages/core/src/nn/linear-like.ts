import { Module } from './module.js';
import { type Parameter, isParameter } from './parameter.js';

/**
 * What adapter methods need to know about a dense layer, whatever its class: sizes, the weight and
 * bias, and the weight layout. `fanInFanOut` is true when the weight is stored `[in, out]` (GPT-2's
 * `Conv1D`), false for the usual `[out, in]` (`nn.Linear`).
 *
 * @example
 * ```ts
 * function deltaShape(m: LinearLike): number[] {
 *   return m.fanInFanOut ? [m.inFeatures, m.outFeatures] : [m.outFeatures, m.inFeatures];
 * }
 * ```
 */
export interface LinearLike {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly fanInFanOut: boolean;
}

/**
 * Whether a module is a dense layer that adapters can wrap (`Linear`, `Conv1D`, or any
 * module that offers the {@link LinearLike} fields).
 *
 * @example
 * ```ts
 * for (const [path, m] of model.namedModules()) if (isLinearLike(m)) console.log(path, m.inFeatures);
 * ```
 */
export function isLinearLike(m: unknown): m is Module & LinearLike {
  if (!(m instanceof Module)) return false;
  const l = m as unknown as Partial<LinearLike>;
  return (
    typeof l.inFeatures === 'number' &&
    typeof l.outFeatures === 'number' &&
    typeof l.fanInFanOut === 'boolean' &&
    isParameter(l.weight) &&
    (l.bias === null || isParameter(l.bias))
  );
}
