import type { Tensor } from '../tensor.js';
import type { GradNode, OpName } from './graph.js';

/**
 * Ops whose gradient rule reads no float input's values, only shapes and attributes. Any op not
 * listed here, or in {@link readsInput}'s special cases, is taken to read every input.
 */
const VALUE_FREE: ReadonlySet<OpName> = new Set<OpName>(['neg', 'add', 'sub', 'cast', 'contiguous', 'sum', 'reshape', 'permute', 'expand', 'slice', 'concat', 'pad', 'dropout', 'softmax']);

/** Ops whose rule reads only one input, the integer index or the condition, at this position. */
const READS_ONLY: Partial<Record<OpName, number>> = { where: 0, gather: 1, scatterAdd: 1 };

/** Ops whose gradient rule never reads the op's own output (the others, such as `exp` or `softmax`, do). */
const OUTPUT_FREE: ReadonlySet<OpName> = new Set<OpName>([
  'neg', 'add', 'sub', 'cast', 'contiguous', 'sum', 'reshape', 'permute', 'expand', 'slice', 'concat', 'pad', 'dropout', 'where', 'gather', 'scatterAdd',
  'log', 'abs', 'relu', 'erf', 'sin', 'cos', 'square', 'gelu', 'gelu_tanh', 'silu', 'mul', 'matmul', 'maximum', 'minimum',
]);

/**
 * Whether the gradient rule of `node` reads the values of its input `k`: never for shape-only rules
 * (add, views, sums, softmax's input, …); `where`, `gather` and `scatterAdd` read only their condition
 * or index; for `mul` and `matmul`, input k's values are read only when the other input trains; every
 * other op, custom functions included, reads them all.
 *
 * @example
 * ```ts
 * readsInput(scores.node!, 0); // false for `add` (the attention bias)
 * ```
 */
export function readsInput(node: GradNode, k: number): boolean {
  if (VALUE_FREE.has(node.op)) return false;
  const only = READS_ONLY[node.op];
  if (only !== undefined) return k === only;
  if (node.op === 'mul' || node.op === 'matmul') return node.inputs[1 - k]?.requiresGrad !== false;
  return true;
}

/**
 * Whether the gradient rule of the op that made a tensor reads that tensor (`exp`, `sqrt`, `softmax`,
 * `div`, … do: their gradients are written with the output).
 *
 * @example
 * ```ts
 * readsOutput('softmax'); // true
 * ```
 */
export function readsOutput(op: OpName): boolean {
  return !OUTPUT_FREE.has(op);
}

/**
 * Frees the values of the intermediates a composite made that its backward will not read: a tensor
 * whose own rule does not read it and that no node made during the composite reads (its own
 * tensors, its output, and the intermediates of composites nested in it: every tensor whose id is at
 * least `firstId`). The tensor keeps its node, so the backward still passes through it, as PyTorch
 * keeps only what a gradient formula saved. Nothing is freed when a custom function is among those
 * nodes (its backward may read what it captured).
 *
 * @example
 * ```ts
 * releaseUnread([...scope], out, firstId);
 * ```
 */
export function releaseUnread(made: readonly Tensor[], out: Tensor, firstId: number): void {
  const nodes: GradNode[] = [];
  const seen = new Set<Tensor>();
  const stack = [out, ...made];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t) || t.id < firstId) continue;
    seen.add(t);
    if (!t.node) continue;
    nodes.push(t.node);
    stack.push(...t.node.inputs);
  }
  if (nodes.length === 0 || nodes.some((n) => n.op === 'custom')) return;
  const read = new Set<Tensor>();
  for (const n of nodes) n.inputs.forEach((inp, k) => readsInput(n, k) && read.add(inp));
  for (const t of made) {
    if (t === out || read.has(t) || t.isDisposed) continue;
    if (t.node && readsOutput(t.node.op)) continue;
    t.releaseValues();
  }
}
