import { type AdamWOptions, LayerNorm, type Module, type Parameter, type ParamGroupInput, RMSNorm } from '@peft/core';

/**
 * The trainable parameters of `model` by name, in module order (what the optimizer updates and a
 * checkpoint saves).
 *
 * @example
 * ```ts
 * const params = trainableParameters(peft); // Map { 'base_model.model.….lora_A.default.weight' => Parameter, … }
 * ```
 */
export function trainableParameters(model: Module): Map<string, Parameter> {
  const out = new Map<string, Parameter>();
  for (const [name, p] of model.namedParameters()) if (p.requiresGrad) out.set(name, p);
  return out;
}

/**
 * Splits the trainable parameters into AdamW groups as Hugging Face's Trainer does: weight decay on
 * every weight except biases and the weights of normalisation layers, which get none. An empty group
 * is left out.
 *
 * @example
 * ```ts
 * const opt = new AdamW(decayParameterGroups(peft, 0.01), { lr: 1e-3 });
 * ```
 */
export function decayParameterGroups(model: Module, weightDecay: number): ParamGroupInput<AdamWOptions>[] {
  const norms = new Set<string>();
  for (const [path, m] of model.namedModules()) if (m instanceof LayerNorm || m instanceof RMSNorm) norms.add(path);
  const decay: Parameter[] = [];
  const noDecay: Parameter[] = [];
  for (const [name, p] of trainableParameters(model)) {
    const owner = name.slice(0, Math.max(0, name.lastIndexOf('.')));
    const exempt = name.endsWith('bias') || norms.has(owner);
    (exempt ? noDecay : decay).push(p);
  }
  const groups: ParamGroupInput<AdamWOptions>[] = [];
  if (decay.length) groups.push({ params: decay, weightDecay });
  if (noDecay.length) groups.push({ params: noDecay, weightDecay: 0 });
  return groups;
}
