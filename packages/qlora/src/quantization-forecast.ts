import type { Module } from '@peft/core';
import { checkBlocksize } from './quantize.js';
import { type QuantizeModelOptions, type QuantizeReport, quantizationTargets } from './quantize-model.js';

/** Absmax values per block of the double quantisation (bitsandbytes' nested blocksize). */
const NESTED_BLOCK = 256;

/** Bytes of `n` bytes stored as 32-bit code words (the layout {@link QuantizedLinear} uploads). */
const words = (n: number): number => Math.ceil(n / 4) * 4;

/**
 * Bytes a dense weight of `numel` values takes once quantised in 4 bits, exactly as
 * {@link QuantizedLinear.weightBytes} will count it: the packed codes (two per byte, in 32-bit
 * words), one float32 absmax per block, or with double quantisation one 8-bit code per block plus a
 * float32 scale per 256 blocks.
 *
 * @example
 * ```ts
 * quantizedWeightBytes(4096 * 4096, { blocksize: 64, doubleQuant: true }); // 8388608 + 262144 + 4096
 * ```
 */
export function quantizedWeightBytes(numel: number, options: Pick<QuantizeModelOptions, 'blocksize' | 'doubleQuant'> = {}): number {
  const blocksize = options.blocksize ?? 64;
  checkBlocksize(blocksize, 'quantizedWeightBytes');
  const blocks = Math.ceil(numel / blocksize);
  const codes = words(Math.ceil(numel / 2));
  const scales = options.doubleQuant ? words(blocks) + Math.ceil(blocks / NESTED_BLOCK) * 4 : blocks * 4;
  return codes + scales;
}

/**
 * What {@link quantizeModel} would report for `model`, computed from its layers' shapes alone: no
 * weight is read, so it works on a model built on the shape backend (`createShapeBackend` from
 * `@peft/core/backend`) to forecast QLoRA's memory before loading anything.
 *
 * @example
 * ```ts
 * const plan = forecastQuantization(shapeModel, { quantType: 'nf4', doubleQuant: true });
 * console.log(`${plan.modules.length} layers: ${plan.floatBytes} → ${plan.quantizedBytes} bytes`);
 * ```
 */
export function forecastQuantization(model: Module, options: QuantizeModelOptions = {}): QuantizeReport {
  const targets = quantizationTargets(model, options.skipModules);
  let floatBytes = 0;
  let quantizedBytes = 0;
  for (const [, m] of targets) {
    floatBytes += m.weight.nbytes;
    quantizedBytes += quantizedWeightBytes(m.weight.size, options);
  }
  return { modules: targets.map(([p]) => p), floatBytes, quantizedBytes };
}
