import type { Parameter } from '../../nn/parameter.js';
import type { PeftHost } from './peft-host.js';
import { layerComposition } from '../composition/composition-state.js';

/**
 * Makes `active` the adapters every layer and modules-to-save wrapper of `peft` runs, and sets which
 * parameters train: those of active adapters not loaded for inference, plus the trainable extra
 * parameters of such adapters (biases); everything else is frozen. Layers also get the model's
 * composition block, if one is set.
 *
 * @example
 * ```ts
 * applyActiveAdapters(peft, ['default']);
 * ```
 */
export function applyActiveAdapters(peft: PeftHost, active: readonly string[]): void {
  const trains = (n: string): boolean => active.includes(n) && !peft.peftConfig.get(n)!.inferenceMode;
  const composition = layerComposition(peft.compositionState);
  for (const [, layer] of peft.layers()) {
    layer.composition = composition;
    layer.activeAdapters = active.filter((n) => layer.hasAdapter(n));
    for (const n of layer.adapterNames) for (const p of layer.adapterState(n).values()) p.requiresGrad = trains(n);
    layer.baseLayer.setRequiresGrad(false);
  }
  for (const [, w] of peft.wrappers()) {
    w.activeAdapter = active.find((n) => w.hasAdapter(n)) ?? null;
    for (const n of w.modules_to_save.keys()) w.modules_to_save.get(n).setRequiresGrad(trains(n));
  }
  const extra = new Map<Parameter, boolean>();
  for (const n of peft.peftConfig.keys()) {
    for (const e of peft.extraParameters(n)) if (e.trainable) extra.set(e.parameter, (extra.get(e.parameter) ?? false) || trains(n));
  }
  for (const [p, t] of extra) p.requiresGrad = t;
  for (const [n, encoder] of peft.prompt_encoder ?? []) encoder.setRequiresGrad(trains(n));
}
