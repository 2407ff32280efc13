import { ArgumentError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { Generator, defaultGenerator } from '../random.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { backward } from './backward.js';
import { customFunction } from './custom-function.js';
import { enableGrad, isGradEnabled } from './graph.js';

/**
 * Options of {@link checkpoint}.
 *
 * @example
 * ```ts
 * const opts: CheckpointOptions = { name: 'block 3', module: block };
 * ```
 */
export interface CheckpointOptions {
  /** Name of the graph node, for messages (default `checkpoint`). */
  readonly name?: string;
  /**
   * The module `fn` runs: its trainable parameters receive gradients through the recomputation, and
   * the random generators its layers hold (dropout) are rewound for it.
   */
  readonly module?: Module;
  /** Further trainable tensors `fn` reads besides `module`'s parameters. */
  readonly params?: readonly Tensor[];
  /** Further generators `fn` draws from besides the global one and those `module`'s layers hold. */
  readonly generators?: readonly Generator[];
}

/**
 * Gradient checkpointing (PyTorch's `torch.utils.checkpoint`): runs `fn(x)` without keeping any of
 * its intermediate tensors for backward, and recomputes them from `x` when the gradient reaches this
 * point. Memory for activations drops from one copy per op of `fn` to its input and output, for about
 * one extra forward of `fn` in the backward pass.
 *
 * Results are those of calling `fn(x)` directly: the recomputation starts from the random generators'
 * states at the forward (the global generator, every `generator` held by a layer of `module`, and
 * `opts.generators`), so dropout draws the same masks. Gradients of the trainable parameters of
 * `module` (and `opts.params`) are added to their `.grad` during the recomputation; `x` receives its
 * gradient as from any op. When recording is off, or nothing in it needs a gradient, `fn(x)` simply
 * runs.
 *
 * `fn` must be deterministic given `x` and the generators, and must not change state that the second
 * run would see (a KV cache it extends, for one): models turn checkpointing off when a cache is passed.
 *
 * @example
 * ```ts
 * for (const block of blocks) h = checkpoint((x) => block.forward(x), h, { name: 'block', module: block });
 * loss(h).backward(); // the blocks' activations were recomputed here, one block at a time
 * ```
 */
export function checkpoint(fn: (x: Tensor) => Tensor, x: Tensor, opts: CheckpointOptions = {}): Tensor {
  const name = opts.name ?? 'checkpoint';
  if (typeof fn !== 'function') throw new ArgumentError(`checkpoint(${name}): expected a function of one tensor, got ${typeof fn}`);
  if (!isGradEnabled()) return fn(x);
  const params = trainableTensors(opts);
  if (!x.requiresGrad && params.length === 0) return fn(x);
  const generators = generatorsOf(opts);
  const atForward = generators.map((g) => g.state());
  return customFunction(name, [x, ...params], (input) => fn(input), (grad, inputs) => {
    const input = inputs[0];
    const later = generators.map((g) => g.state());
    generators.forEach((g, k) => g.setState(atForward[k]));
    try {
      const gx = tidy(() =>
        enableGrad(() => {
          const leaf = input.detach();
          leaf.requiresGrad = input.requiresGrad;
          const y = fn(leaf);
          if (!y.requiresGrad) return null;
          backward(y, grad); // adds into the parameters' .grad, and into leaf.grad
          const gx = leaf.grad;
          leaf.grad = null; // freeing the leaf at the end of the scope would free its gradient
          return gx;
        }),
      );
      return [gx, ...params.map(() => null)];
    } finally {
      generators.forEach((g, k) => g.setState(later[k]));
    }
  });
}

function trainableTensors(opts: CheckpointOptions): Tensor[] {
  const found = new Set<Tensor>();
  if (opts.module) for (const p of opts.module.parameters()) if (p.requiresGrad) found.add(p);
  for (const p of opts.params ?? []) if (p.requiresGrad) found.add(p);
  return [...found];
}

function generatorsOf(opts: CheckpointOptions): Generator[] {
  const found = new Set<Generator>([defaultGenerator(), ...(opts.generators ?? [])]);
  if (opts.module) {
    for (const m of opts.module.modules()) {
      for (const value of Object.values(m)) if (value instanceof Generator) found.add(value);
    }
  }
  return [...found];
}
