import { type Module, type Tensor, checkpoint } from '@peft/core';

/**
 * Runs a stack of layers over `h`, each layer under core's `checkpoint` when `checkpointing` is on
 * (its intermediates are recomputed in backward instead of kept), otherwise directly. The model
 * bodies turn it off when a KV cache is passed, since a recomputed layer would extend the cache twice.
 *
 * @example
 * ```ts
 * h = forwardLayers(this.h, h, { checkpointing: this.gradientCheckpointing && !cache, name: 'transformer.h' }, (block, x) => block.forward(x, ctx));
 * ```
 */
export function forwardLayers<L extends Module>(
  layers: Iterable<L>,
  h: Tensor,
  opts: { readonly checkpointing: boolean; readonly name: string },
  run: (layer: L, x: Tensor) => Tensor,
): Tensor {
  let i = 0;
  for (const layer of layers) {
    h = opts.checkpointing ? checkpoint((x) => run(layer, x), h, { name: `${opts.name}.${i}`, module: layer }) : run(layer, h);
    i++;
  }
  return h;
}
