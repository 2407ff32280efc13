import type { CompositionChild } from './composition-block.js';
import { isFlatStack } from './composition-block.js';

/**
 * A PeftModel's composition: the validated block and the adapters of it switched off (the model keeps
 * it in its `compositionState` field).
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

/**
 * The block the adapter layers evaluate for a composition: undefined when there is none, or when it
 * is an adapter name or a stack of names (the layers' default, applying the active adapters in turn,
 * is then exactly the composition).
 *
 * @example
 * ```ts
 * layer.composition = layerComposition(peft.compositionState);
 * ```
 */
export function layerComposition(state: CompositionState | undefined): CompositionChild | undefined {
  const block = state?.block;
  return block === undefined || typeof block === 'string' || isFlatStack(block) ? undefined : block;
}
