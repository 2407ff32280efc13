import { type Module } from '@peft/core';
import { type LinearLike, isLinearLike } from '@peft/core/plugin';
import type { Quantize4bitOptions } from './quantize.js';
import { QuantizedLinear } from './quantized-linear.js';

/**
 * Options of {@link quantizeModel}: the 4-bit format, and the dense layers to leave in full precision.
 *
 * @example
 * ```ts
 * const o: QuantizeModelOptions = { quantType: 'nf4', doubleQuant: true, skipModules: ['lm_head', 'score'] };
 * ```
 */
export interface QuantizeModelOptions extends Quantize4bitOptions {
  /** Module names (last path component or full path) kept in float: `['lm_head']` by default, as transformers does. */
  readonly skipModules?: readonly string[];
}

/**
 * What {@link quantizeModel} did: the replaced layers and their weight bytes before (in the weights' own dtype,
 * 16-bit for a bf16 checkpoint) and after.
 *
 * @example
 * ```ts
 * console.log(`${report.modules.length} layers, ${report.floatBytes} -> ${report.quantizedBytes} bytes`);
 * ```
 */
export interface QuantizeReport {
  readonly modules: readonly string[];
  readonly floatBytes: number;
  readonly quantizedBytes: number;
}

/**
 * Replaces every dense layer of `model` (Linear and GPT-2 Conv1D, except `skipModules`) by a
 * {@link QuantizedLinear} holding its weight in 4 bits, in place, and frees the float weights. Layers
 * whose weight another module shares (tied embeddings) are left alone.
 *
 * @example
 * ```ts
 * const report = await quantizeModel(model, { quantType: 'nf4', doubleQuant: true });
 * ```
 */
export async function quantizeModel(model: Module, options: QuantizeModelOptions = {}): Promise<QuantizeReport> {
  const targets = quantizationTargets(model, options.skipModules);
  let floatBytes = 0;
  let quantizedBytes = 0;
  for (const [path, m] of targets) {
    const q = await QuantizedLinear.fromLinear(m, options);
    floatBytes += m.weight.nbytes;
    quantizedBytes += q.weightBytes();
    model.replaceModule(path, q);
    m.dispose();
  }
  return { modules: targets.map(([p]) => p), floatBytes, quantizedBytes };
}

/**
 * The dense layers {@link quantizeModel} would replace, by path: every Linear and GPT-2 Conv1D except
 * `skipModules` (`['lm_head']` by default) and layers whose weight another module shares.
 *
 * @example
 * ```ts
 * quantizationTargets(model).map(([path]) => path); // ['transformer.h.0.attn.c_attn', …]
 * ```
 */
export function quantizationTargets(model: Module, skipModules: readonly string[] = ['lm_head']): [string, Module & LinearLike][] {
  const skip = new Set(skipModules);
  const owners = new Map<object, number>();
  for (const [, m] of model.namedModules()) for (const p of m.parameters({ recurse: false })) owners.set(p, (owners.get(p) ?? 0) + 1);
  const targets: [string, Module & LinearLike][] = [];
  for (const [path, m] of model.namedModules()) {
    if (path === '' || !isLinearLike(m) || m instanceof QuantizedLinear) continue;
    const name = path.split('.').pop()!;
    if (skip.has(name) || skip.has(path) || (owners.get(m.weight) ?? 0) > 1) continue;
    targets.push([path, m]);
  }
  return targets;
}
