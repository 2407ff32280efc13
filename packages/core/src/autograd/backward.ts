import { AutogradError, DisposedTensorError, ShapeError, fmtShape } from '../errors.js';
import { keep, tidy } from '../scope.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, onesLike } from '../ops/index.js';
import { GRAD_RULES, type GradRule } from './grad-rules.js';
import { type OpName, noGrad } from './graph.js';

/**
 * Reverse-mode differentiation from `root`: walks the recorded graph in reverse topological order,
 * applies each op's rule from `GRAD_RULES`, and adds the results into `.grad` of every leaf that
 * requires a gradient (so calling it over several micro-batches accumulates). Intermediate gradients
 * are freed as soon as they are consumed.
 *
 * @example
 * ```ts
 * tidy(() => { crossEntropy(model.forward(x), y).backward(); });
 * ```
 */
export function backward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) {
    throw new AutogradError('backward: the tensor does not require a gradient (no input of its graph has requiresGrad, or it was computed under noGrad)');
  }
  if (!seed && root.size !== 1) throw new AutogradError(`backward: expected a scalar, got shape ${fmtShape(root.shape)}; pass a seed gradient`);
  if (seed && !shapesEqual(seed.shape, root.shape)) {
    throw new ShapeError(`backward: seed gradient ${fmtShape(seed.shape)} does not match output ${fmtShape(root.shape)}`);
  }
  root.liveStorage('backward');
  const order = topoOrder(root);
  checkGraphAlive(order);
  tidy(() => {
    noGrad(() => {
      const grads = new Map<Tensor, Tensor>();
      grads.set(root, seed ? seed.detach() : onesLike(root));
      for (let i = order.length - 1; i >= 0; i--) {
        const t = order[i];
        const g = grads.get(t);
        if (!g) continue;
        grads.delete(t);
        const node = t.node;
        if (!node) {
          const prev = t.grad;
          t.grad = keep(prev ? add(prev, g) : g.detach());
          prev?.dispose();
          g.dispose();
          continue;
        }
        const rule = GRAD_RULES[node.op] as GradRule<OpName>;
        // temporaries of the rule are freed at once; its results move to the outer scope
        const inGrads = tidy(() => rule(g, node.inputs, node.attrs, t));
        node.inputs.forEach((inp, k) => {
          const gi = inGrads[k];
          if (!gi || !inp.requiresGrad) return;
          const prev = grads.get(inp);
          if (prev) {
            grads.set(inp, add(prev, gi));
            prev.dispose();
          } else {
            grads.set(inp, gi.detach()); // its own handle: entries can be freed independently
          }
        });
        for (const gi of inGrads) gi?.dispose();
        g.dispose();
      }
    });
  });
}

/**
 * Fails before any gradient is accumulated when a tensor the graph needs was freed, typically by a
 * `tidy` that ended before `backward()` was called.
 */
function checkGraphAlive(order: readonly Tensor[]): void {
  for (const t of order) {
    const node = t.node;
    if (!node) continue;
    node.inputs.forEach((inp, k) => {
      if (!inp.isDisposed || inp.valuesReleased) return;
      throw new DisposedTensorError(
        `backward: the graph was freed before backward: input ${k} of ${node.op} (tensor #${inp.id}, shape ${fmtShape(inp.shape)}) ` +
          'was disposed. Call backward() inside the tidy() that built the graph, or keep() the tensors it needs.',
      );
    });
  }
}

/** Tensors reachable from root through recorded nodes, each after all its inputs. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const state = new Map<Tensor, 1 | 2>();
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, next] = top;
    if (next === 0) {
      if (state.get(t) === 2) {
        stack.pop();
        continue;
      }
      state.set(t, 1);
    }
    const inputs = t.node?.inputs ?? [];
    if (next < inputs.length) {
      top[1]++;
      const child = inputs[next];
      if (child.requiresGrad && !state.has(child)) stack.push([child, 0]);
      continue;
    }
    state.set(t, 2);
    order.push(t);
    stack.pop();
  }
  return order;
}
