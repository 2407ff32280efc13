import { type Shape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import * as ops from '../ops/index.js';
import { result } from '../ops/apply.js';
import { fusedNormGrad, fusedSoftmaxGrad, fusedUnaryGrad } from '../ops/fused-grads.js';
import type { OpAttrs, OpName } from './graph.js';
import { customGradRule } from './custom-function.js';

/**
 * A gradient rule: given the gradient of the output, the op's inputs, attributes and output, returns
 * one gradient per input (null where the input takes none). Rules are written with ordinary tensor
 * ops and run with recording off.
 *
 * @example
 * ```ts
 * const expRule: GradRule<'exp'> = (g, _inputs, _attrs, out) => [g.mul(out)];
 * ```
 */
export type GradRule<K extends OpName> = (g: Tensor, inputs: readonly Tensor[], attrs: OpAttrs[K], out: Tensor) => (Tensor | null)[];

/**
 * Sums a broadcast gradient back to an operand's shape.
 *
 * @example
 * ```ts
 * sumToShape(g, [1, 4]); // g [3, 4] -> [1, 4]
 * ```
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = ops.sum(g, axes, true);
  return ops.reshape(s, shape);
}

function keepShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Gradient of max/min reductions: shared equally among the entries equal to the extreme. */
const extremeRule: GradRule<'max' | 'min'> = (g, [x], { axes, keepdim }, out) => {
  const ks = keepShape(x.shape, axes);
  const o = keepdim ? out : ops.reshape(out, ks);
  const gk = keepdim ? g : ops.reshape(g, ks);
  const mask = ops.eq(x, o).cast(x.dtype);
  const count = ops.sum(mask, axes, true);
  return [ops.mul(mask, ops.div(gk, count))];
};

const unaryRules = {
  neg: (g) => [ops.neg(g)],
  exp: (g, _x, _a, out) => [ops.mul(g, out)],
  log: (g, [x]) => [ops.div(g, x)],
  sqrt: (g, _x, _a, out) => [ops.div(g, ops.mul(out, 2))],
  rsqrt: (g, _x, _a, out) => [ops.mul(g, ops.mul(ops.mul(ops.square(out), out), -0.5))],
  abs: (g, [x]) => [ops.mul(g, ops.sign(x))],
  tanh: (g, _x, _a, out) => [ops.mul(g, ops.sub(1, ops.square(out)))],
  sigmoid: (g, _x, _a, out) => [ops.mul(g, ops.mul(out, ops.sub(1, out)))],
  relu: (g, [x]) => [ops.where(ops.gt(x, 0), g, 0)],
  erf: (g, [x]) => [ops.mul(g, ops.mul(ops.exp(ops.neg(ops.square(x))), 2 / Math.sqrt(Math.PI)))],
  sin: (g, [x]) => [ops.mul(g, ops.cos(x))],
  cos: (g, [x]) => [ops.neg(ops.mul(g, ops.sin(x)))],
  reciprocal: (g, _x, _a, out) => [ops.neg(ops.mul(g, ops.square(out)))],
  square: (g, [x]) => [ops.mul(g, ops.mul(x, 2))],
  // Φ(x) + x·φ(x)
  gelu: (g, [x]) => [fusedUnaryGrad('gelu', g, x) ?? ops.mul(g, ops.add(ops.mul(ops.add(ops.erf(ops.mul(x, Math.SQRT1_2)), 1), 0.5), ops.mul(x, ops.mul(ops.exp(ops.mul(ops.square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI)))))],
  // ½(1 + t) + ½x(1 − t²)·c(1 + 3·0.044715x²) with t = tanh(c(x + 0.044715x³))
  gelu_tanh: (g, [x]) => {
    const fused = fusedUnaryGrad('gelu_tanh', g, x);
    if (fused) return [fused];
    const c = Math.sqrt(2 / Math.PI);
    const t = ops.tanh(ops.mul(ops.add(x, ops.mul(ops.mul(ops.square(x), x), 0.044715)), c));
    const inner = ops.mul(ops.add(ops.mul(ops.square(x), 3 * 0.044715), 1), c);
    const d = ops.add(ops.mul(ops.add(t, 1), 0.5), ops.mul(ops.mul(ops.mul(x, 0.5), ops.sub(1, ops.square(t))), inner));
    return [ops.mul(g, d)];
  },
  // x̂ = (x − μ)·r (μ = 0 for RMS), ĝ = g·w: dx = r·(ĝ − x̂·mean(ĝ·x̂) − mean(ĝ)), dw = Σ g·x̂, db = Σ g
  norm: (g, inputs, { kind, eps, weight, bias }) => {
    const x = inputs[0];
    const w = weight ? inputs[1] : undefined;
    const b = bias ? inputs[weight ? 2 : 1] : undefined;
    const lead = Array.from({ length: x.rank - 1 }, (_, i) => i);
    // one kernel for dx where the backend has it; the composite below then serves only dw
    const dx = x.requiresGrad ? fusedNormGrad(kind, g, x, w, eps) : undefined;
    if (dx || !x.requiresGrad) {
      const grads: (Tensor | null)[] = [dx ?? null];
      const xhatOnly = () => {
        const centered = kind === 'layer' ? ops.sub(x, ops.mean(x, -1, true)) : x;
        return ops.mul(centered, ops.rsqrt(ops.add(ops.mean(ops.square(centered), -1, true), eps)));
      };
      if (w) grads.push(w.requiresGrad ? ops.sum(ops.mul(g, xhatOnly()), lead) : null);
      if (b) grads.push(b.requiresGrad ? ops.sum(g, lead) : null);
      return grads;
    }
    const centered = kind === 'layer' ? ops.sub(x, ops.mean(x, -1, true)) : x;
    const inv = ops.rsqrt(ops.add(ops.mean(ops.square(centered), -1, true), eps));
    const xhat = ops.mul(centered, inv);
    const gh = w ? ops.mul(g, w) : g;
    let inner = ops.mul(xhat, ops.mean(ops.mul(gh, xhat), -1, true));
    if (kind === 'layer') inner = ops.add(inner, ops.mean(gh, -1, true));
    const grads: (Tensor | null)[] = [x.requiresGrad ? ops.mul(inv, ops.sub(gh, inner)) : null];
    if (w) grads.push(w.requiresGrad ? ops.sum(ops.mul(g, xhat), lead) : null);
    if (b) grads.push(b.requiresGrad ? ops.sum(g, lead) : null);
    return grads;
  },
  // softmax: y·(g − Σ g·y); log-softmax: g − e^y·Σ g (sums over the last axis)
  softmax: (g, _x, { log }, out) => [
    fusedSoftmaxGrad(g, out, log) ??
      (log ? ops.sub(g, ops.mul(ops.exp(out), ops.sum(g, -1, true))) : ops.mul(out, ops.sub(g, ops.sum(ops.mul(g, out), -1, true)))),
  ],
  // σ(x)·(1 + x(1 − σ(x)))
  silu: (g, [x]) => {
    const fused = fusedUnaryGrad('silu', g, x);
    if (fused) return [fused];
    const s = ops.sigmoid(x);
    return [ops.mul(g, ops.mul(s, ops.add(ops.mul(x, ops.sub(1, s)), 1)))];
  },
} satisfies { [K in 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'abs' | 'tanh' | 'sigmoid' | 'relu' | 'erf' | 'sin' | 'cos' | 'reciprocal' | 'square' | 'gelu' | 'gelu_tanh' | 'silu' | 'norm' | 'softmax']: GradRule<K> };

/**
 * The gradient rule of every differentiable primitive, in one table typed by {@link OpAttrs}: adding
 * an op to `OpAttrs` without a rule here is a compile error.
 *
 * @example
 * ```ts
 * const [ga, gb] = GRAD_RULES.mul(g, [a, b], {}, out);
 * ```
 */
export const GRAD_RULES: { readonly [K in OpName]: GradRule<K> } = {
  ...unaryRules,
  add: (g, [a, b]) => [sumToShape(g, a.shape), sumToShape(g, b.shape)],
  sub: (g, [a, b]) => [sumToShape(g, a.shape), sumToShape(ops.neg(g), b.shape)],
  mul: (g, [a, b]) => [
    a.requiresGrad ? sumToShape(ops.mul(g, b), a.shape) : null,
    b.requiresGrad ? sumToShape(ops.mul(g, a), b.shape) : null,
  ],
  div: (g, [a, b], _attrs, out) => [
    a.requiresGrad ? sumToShape(ops.div(g, b), a.shape) : null,
    b.requiresGrad ? sumToShape(ops.neg(ops.mul(g, ops.div(out, b))), b.shape) : null,
  ],
  pow: (g, [a, b], _attrs, out) => [
    a.requiresGrad ? sumToShape(ops.mul(g, ops.mul(b, ops.pow(a, ops.sub(b, 1)))), a.shape) : null,
    b.requiresGrad ? sumToShape(ops.mul(g, ops.mul(out, ops.log(a))), b.shape) : null,
  ],
  maximum: (g, [a, b]) => tieSplit(g, a, b, ops.gt(a, b)),
  minimum: (g, [a, b]) => tieSplit(g, a, b, ops.lt(a, b)),
  where: (g, [cond, a, b]) => [
    null,
    a.requiresGrad ? sumToShape(ops.where(cond, g, 0), a.shape) : null,
    b.requiresGrad ? sumToShape(ops.where(cond, 0, g), b.shape) : null,
  ],
  cast: (g, _x, { from }) => [ops.cast(g, from)],
  contiguous: (g) => [g],
  sum: (g, [x], { axes, keepdim }) => [ops.expand(keepdim ? g : ops.reshape(g, keepShape(x.shape, axes)), x.shape)],
  max: extremeRule,
  min: extremeRule,
  matmul: (g, [a, b]) => [
    a.requiresGrad ? sumToShape(ops.matmul(g, ops.transpose(b)), a.shape) : null,
    b.requiresGrad ? sumToShape(ops.matmul(ops.transpose(a), g), b.shape) : null,
  ],
  reshape: (g, [x]) => [ops.reshape(g, x.shape)],
  permute: (g, _x, { perm }) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [ops.permute(g, inv)];
  },
  expand: (g, [x]) => [sumToShape(g, x.shape)],
  slice: (g, [x], { starts, steps }) => [ops.pad(g, x.shape, starts, steps)],
  concat: (g, xs, { axis }) => {
    let start = 0;
    return xs.map((x) => {
      const part = ops.narrow(g, axis, start, x.shape[axis]);
      start += x.shape[axis];
      return part;
    });
  },
  gather: (g, [x, index], { axis }) => [ops.scatterAdd(g, index, axis, x.shape[axis]), null],
  scatterAdd: (g, [, index], { axis }) => [ops.gather(g, index, axis), null],
  pad: (g, [x], { starts, steps }) => [
    ops.slice(
      g,
      starts,
      starts.map((s, i) => s + (x.shape[i] - 1) * steps[i] + 1),
      steps,
    ),
  ],
  dropout: (g, [x], { p, seed }) => {
    const backend = g.backend;
    return [result('dropout', [g], { p, seed }, backend, backend.dropout(g.view('dropout'), p, seed), x.shape, g.dtype)];
  },
  custom: customGradRule,
};

function tieSplit(g: Tensor, a: Tensor, b: Tensor, aWins: Tensor): (Tensor | null)[] {
  const tie = ops.eq(a, b).cast(g.dtype);
  const half = ops.mul(tie, 0.5);
  const wa = ops.add(aWins.cast(g.dtype), half);
  const wb = ops.sub(ops.sub(1, aWins.cast(g.dtype)), half);
  return [
    a.requiresGrad ? sumToShape(ops.mul(g, wa), a.shape) : null,
    b.requiresGrad ? sumToShape(ops.mul(g, wb), b.shape) : null,
  ];
}
