import { Conv1D, Linear, MergeError, type PeftModel, type PretrainedModel, type Tensor, noGrad, tidy } from '@peft/core';
import { add } from '@peft/core/plugin';
import { dequantize4bit } from './quantize.js';
import { QuantizedLinear } from './quantized-linear.js';

/**
 * The float layer (Linear, or Conv1D for an `[in, out]` weight) holding a quantised layer's
 * dequantised weight and its bias.
 *
 * @example
 * ```ts
 * const linear = dequantizeLayer(q); // a Linear with the NF4 values in float32
 * ```
 */
export function dequantizeLayer(q: QuantizedLinear): Linear | Conv1D {
  const backend = q.packedWeight.backend;
  const layer = q.fanInFanOut
    ? new Conv1D(q.outFeatures, q.inFeatures, { backend, skipInit: true })
    : new Linear(q.inFeatures, q.outFeatures, { backend, skipInit: true, bias: q.bias !== null });
  noGrad(() =>
    tidy(() => {
      layer.weight.assign(q.dequantize());
      if (layer.bias) layer.bias.assign(q.bias ? q.bias.detach() : layer.bias.mul(0));
    }),
  );
  return layer;
}

/**
 * How much requantising a merged layer moved its weight away from the exact merge `W + ΔW`.
 *
 * @example
 * ```ts
 * for (const d of drift) console.log(d.module, d.maxAbs, d.relativeRms);
 * ```
 */
export interface MergeDrift {
  readonly module: string;
  /** max |requantised − (W + ΔW)|. */
  readonly maxAbs: number;
  /** ‖requantised − (W + ΔW)‖ / ‖ΔW‖: the share of the adapter's update lost to rounding. */
  readonly relativeToDelta: number;
}

/**
 * The merged float weight of every adapted quantised layer: the dequantised weight plus the deltas
 * of `adapterNames` (default: the active adapters), computed before the adapter layers are removed.
 */
function mergedWeights(peft: PeftModel, adapterNames: readonly string[]): Map<string, { q: QuantizedLinear; weight: Tensor }> {
  const out = new Map<string, { q: QuantizedLinear; weight: Tensor }>();
  noGrad(() => {
    for (const [path, layer] of peft.layers()) {
      const q = layer.baseLayer;
      if (!(q instanceof QuantizedLinear)) continue;
      if (!layer.deltaWeight) throw new MergeError(`merge: ${layer.constructor.name} at ${path} has no deltaWeight to merge into a quantised layer`);
      const names = adapterNames.filter((n) => layer.hasAdapter(n));
      if ([...layer.namedParameters()].some(([k]) => k.includes('lora_magnitude_vector'))) {
        throw new MergeError(`merge: ${path} has a DoRA adapter; merging DoRA into a quantised layer is not supported`);
      }
      const weight = tidy(() => names.reduce((w, n) => add(w, layer.deltaWeight!(n)), q.dequantize()));
      out.set(path, { q, weight });
    }
  });
  return out;
}

/** Removes the adapter layers and puts a float layer with each merged weight where the quantised one was. */
function unloadWithFloat(peft: PeftModel, adapterNames?: readonly string[]): { model: PretrainedModel; merged: Map<string, { q: QuantizedLinear; layer: Linear | Conv1D }> } {
  const weights = mergedWeights(peft, adapterNames ?? peft.activeAdapters);
  const model = peft.unload();
  const merged = new Map<string, { q: QuantizedLinear; layer: Linear | Conv1D }>();
  for (const [path, { q, weight }] of weights) {
    const layer = dequantizeLayer(q);
    noGrad(() => layer.weight.assign(weight));
    weight.dispose();
    model.replaceModule(path, layer);
    merged.set(path, { q, layer });
  }
  return { model, merged };
}

/**
 * The recommended way to export a QLoRA model: dequantises the 4-bit base layers under the adapters,
 * adds the adapters' deltas (default: the active ones) in float32 and returns the full-precision
 * model, ready for `savePretrained`. Modules to save keep their original (unload) copies; DoRA
 * adapters are refused (their merge is not additive). This PeftModel can no longer be used.
 *
 * @example
 * ```ts
 * const model = mergeAndUnloadToFloat(peft); // float32 Linear / Conv1D layers with ΔW added
 * ```
 */
export function mergeAndUnloadToFloat(peft: PeftModel, adapterNames?: readonly string[]): PretrainedModel {
  const { model, merged } = unloadWithFloat(peft, adapterNames);
  for (const { q } of merged.values()) q.dispose();
  return model;
}

/**
 * Merges the adapters into a 4-bit base: every adapted quantised layer is dequantised, gets `ΔW`
 * added in float32 and is quantised again with its own settings (type, block size, double
 * quantisation). Returns the model (4-bit again) and, per layer, the drift requantising caused:
 * a low-rank update smaller than the NF4 step is partly or wholly rounded away, which is why
 * {@link mergeAndUnloadToFloat} is the recommended export.
 *
 * @example
 * ```ts
 * const { model, drift } = await mergeIntoQuantized(peft);
 * console.log(Math.max(...drift.map((d) => d.relativeToDelta)));
 * ```
 */
export async function mergeIntoQuantized(peft: PeftModel, adapterNames?: readonly string[]): Promise<{ model: PretrainedModel; drift: MergeDrift[] }> {
  const { model, merged: layers } = unloadWithFloat(peft, adapterNames);
  const drift: MergeDrift[] = [];
  for (const [path, { q: original, layer: merged }] of layers) {
    const exact = Float32Array.from((await merged.weight.data()) as ArrayLike<number>);
    const before = dequantize4bit(original.state);
    const s = original.state;
    const q = await QuantizedLinear.fromLinear(merged, { quantType: s.quantType, blocksize: s.blocksize, doubleQuant: s.nested !== null });
    const after = dequantize4bit(q.state);
    let maxAbs = 0;
    let err = 0;
    let delta = 0;
    for (let i = 0; i < exact.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(after[i] - exact[i]));
      err += (after[i] - exact[i]) ** 2;
      delta += (exact[i] - before[i]) ** 2;
    }
    drift.push({ module: path, maxAbs, relativeToDelta: delta > 0 ? Math.sqrt(err / delta) : 0 });
    model.replaceModule(path, q);
    merged.dispose();
    original.dispose();
  }
  return { model, drift };
}

