import { type Generator, type Parameter, type PeftModel, noGrad, randn, tidy } from '@peft/core';
import { add } from '@peft/core/plugin';
import { readF64 } from '@peft/core/testing';

/**
 * The parameters adapter `name` owns in `peft`: every adapter layer's `adapterState(name)` and every
 * modules-to-save copy made for it. Base-model parameters the adapter also trains (biases) are not
 * included; they are `peft.extraParameters(name)`.
 *
 * @example
 * ```ts
 * const sizes = [...adapterParameters(peft, 'default')].reduce((n, p) => n + p.size, 0);
 * ```
 */
export function adapterParameters(peft: PeftModel, name: string): Set<Parameter> {
  const out = new Set<Parameter>();
  for (const [, layer] of peft.layers()) if (layer.hasAdapter(name)) for (const p of layer.adapterState(name).values()) out.add(p);
  for (const [, w] of peft.wrappers()) if (w.hasAdapter(name)) for (const p of w.adapterState(name).values()) out.add(p);
  if (peft.prompt_encoder?.has(name)) for (const p of peft.prompt_encoder.get(name).parameters()) out.add(p);
  return out;
}

/**
 * The base model's own parameters inside `peft`, under the names they have in the unwrapped model
 * (`…c_attn.base_layer.weight` → `…c_attn.weight`, `classifier.original_module.bias` →
 * `classifier.bias`). Adapter parameters (everything an adapter layer holds outside its `base_layer`)
 * and modules-to-save copies are left out.
 *
 * @example
 * ```ts
 * baseParameters(peft).get('transformer.h.0.attn.c_attn.weight');
 * ```
 */
export function baseParameters(peft: PeftModel): Map<string, Parameter> {
  const owned = new Set<Parameter>();
  for (const n of peft.peftConfig.keys()) for (const p of adapterParameters(peft, n)) owned.add(p);
  // an adapter layer's own parameters that are not saved (AdaLoRA's ranknum) are not the base's either
  for (const [, layer] of peft.layers()) {
    const base = new Set(layer.baseLayer.parameters());
    for (const p of layer.parameters()) if (!base.has(p)) owned.add(p);
  }
  const out = new Map<string, Parameter>();
  for (const [path, p] of peft.model.namedParameters()) {
    if (owned.has(p) || path.includes('.modules_to_save.')) continue;
    out.set(path.replaceAll('.base_layer.', '.').replaceAll('.original_module.', '.'), p);
  }
  return out;
}

/**
 * Reads every tensor of `params` back to the host (for comparing before and after).
 *
 * @example
 * ```ts
 * const before = await snapshot(baseParameters(peft));
 * ```
 */
export async function snapshot(params: ReadonlyMap<string, Parameter>): Promise<Map<string, Float64Array>> {
  const out = new Map<string, Float64Array>();
  for (const [k, p] of params) out.set(k, await readF64(p));
  return out;
}

/**
 * Adds Gaussian noise (`std`, default 0.2) to every parameter adapter `name` owns, so that an adapter
 * whose initialisation is a no-op changes the model.
 *
 * @example
 * ```ts
 * perturbAdapter(peft, 'default', new Generator(3));
 * ```
 */
export function perturbAdapter(peft: PeftModel, name: string, generator: Generator, std = 0.2): void {
  noGrad(() => {
    for (const p of adapterParameters(peft, name)) {
      tidy(() => void p.assign(add(p, randn([...p.shape], { backend: p.backend, generator, std }))));
    }
  });
}
