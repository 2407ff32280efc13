import { ArgumentError } from './errors.js';
import { releaseUnread } from './autograd/saved-values.js';
import type { Tensor } from './tensor.js';

/** The id of the newest tensor made: a composite's own tensors are those after the one made before it. */
let lastTrackedId = -1;

/**
 * GPU memory is not garbage collected in time, so tensors are owned explicitly. The model is the one
 * JavaScript ML users know:
 *
 * - every tensor created inside `tidy(fn)` is disposed when `fn` returns, except the tensors `fn`
 *   returns (they move to the enclosing scope) and tensors marked with `keep()`;
 * - a tensor created outside any `tidy` lives until `dispose()` is called;
 * - parameters, their gradients and optimizer state are kept (they outlive every step).
 *
 * `fn` must be synchronous: an async function would let other work run inside the scope.
 *
 * @example
 * ```ts
 * const loss = tidy(() => {
 *   const y = model.forward(x);      // intermediates are freed when tidy returns...
 *   const l = crossEntropy(y, labels);
 *   l.backward();                    // ...after backward has used them
 *   return l;                        // the result survives
 * });
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new ArgumentError('tidy: expected a synchronous function, got one that returned a Promise');
  }
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors, 0);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (survivors.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

/**
 * Marks a tensor to survive every enclosing `tidy`; it then lives until `dispose()`.
 *
 * @example
 * ```ts
 * let cache: Tensor;
 * tidy(() => { cache = keep(ones([4])); });
 * ```
 */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/**
 * Runs a composite op: the tensors `fn` creates besides its result become owned by the result, so
 * they are freed with it (whether or not a `tidy` is open) and stay alive as long as the gradient
 * graph through the result may need them.
 *
 * @example
 * ```ts
 * const gelu = (x: Tensor) => composite(() => x.mul(0.5).mul(erf(x.mul(Math.SQRT1_2)).add(1)));
 * ```
 */
export function composite(fn: () => Tensor): Tensor {
  const firstId = lastTrackedId + 1;
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let out: Tensor;
  try {
    out = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (!scope.has(out)) {
    for (const t of scope) t.dispose(); // fn returned an existing tensor: nothing it made is needed
    return out;
  }
  releaseUnread([...scope], out, firstId);
  for (const t of scope) if (t !== out) out.own(t);
  scopes[scopes.length - 1]?.add(out);
  return out;
}

/** Records a new tensor in the innermost scope. @internal @example `track(t)` */
export function track(t: Tensor): void {
  lastTrackedId = t.id;
  scopes[scopes.length - 1]?.add(t);
}

/**
 * Number of open `tidy` scopes (0 outside any).
 *
 * @example
 * ```ts
 * tidy(() => scopeDepth()); // 1
 * ```
 */
export function scopeDepth(): number {
  return scopes.length;
}

const scopes: Set<Tensor>[] = [];

function collectTensors(value: unknown, out: Set<Tensor>, depth: number): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (isTensor(value)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, depth + 1);
  }
}

function isTensor(v: object): v is Tensor {
  return (v as { __isTensor?: boolean }).__isTensor === true;
}
