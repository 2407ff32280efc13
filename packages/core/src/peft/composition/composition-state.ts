import type { CompositionChild } from './composition-block.js';
import { isFlatStack } from './composition-block.js';

/**
 * A PeftModel's composition: the validated block and the adapters of it switched off.
 *
 * @example
 * ```ts
 * const state: CompositionState = { block: Stack('lora', 'bitfit'), off: new Set(['bitfit']) };
 * ```
 */
export interface CompositionState {
  readonly block: CompositionChild;
  readonly off: ReadonlySet<string>;
}

const states = new WeakMap<object, CompositionState>();

/** `peft`'s composition, if one is set. @example `compositionState(peft)?.block` */
export function compositionState(peft: object): CompositionState | undefined {
  return states.get(peft);
}

/** Records `peft`'s composition (undefined: none). @example `setCompositionState(peft, undefined)` */
export function setCompositionState(peft: object, state: CompositionState | undefined): void {
  if (state) states.set(peft, state);
  else states.delete(peft);
}

/**
 * The block the adapter layers of `peft` evaluate: undefined when there is no composition, or when
 * it is an adapter name or a stack of names (the layers' default, applying the active adapters in
 * turn, is then exactly the composition).
 *
 * @example
 * ```ts
 * layer.composition = layerComposition(peft);
 * ```
 */
export function layerComposition(peft: object): CompositionChild | undefined {
  const block = states.get(peft)?.block;
  return block === undefined || typeof block === 'string' || isFlatStack(block) ? undefined : block;
}
