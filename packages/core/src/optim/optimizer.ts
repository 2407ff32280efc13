import type { Backend } from '../backend-interface.js';
import { noGrad } from '../autograd/graph.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { full } from '../ops/creation.js';
import { tidy } from '../scope.js';
import { shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { type Parameter, isParameter } from '../nn/parameter.js';
import { Variable } from '../nn/variable.js';

/**
 * Hyperparameters every optimizer's groups carry.
 *
 * @example
 * ```ts
 * const h: GroupOptions = { lr: 1e-3 };
 * ```
 */
export interface GroupOptions {
  /** Learning rate (what schedules change). */
  lr: number;
}

/**
 * One parameter group: its parameters and its hyperparameters (editable between steps, as PyTorch's
 * `param_groups` dicts).
 *
 * @example
 * ```ts
 * opt.paramGroups[1].lr = 1e-4;
 * ```
 */
export type ParamGroup<H extends GroupOptions> = H & { params: Parameter[] };

/**
 * A group as given to an optimizer's constructor: parameters plus any hyperparameters that differ
 * from the optimizer's defaults.
 *
 * @example
 * ```ts
 * new AdamW([{ params: decay }, { params: noDecay, weightDecay: 0 }], { lr: 3e-4 });
 * ```
 */
export type ParamGroupInput<H extends GroupOptions> = Partial<H> & { params: Iterable<Parameter> };

/**
 * Per-parameter optimizer state: counters (numbers) and tensors such as moment estimates.
 *
 * @example
 * ```ts
 * const s: ParamState = { step: 3, expAvg: m, expAvgSq: v };
 * ```
 */
export type ParamState = Record<string, number | Variable>;

/**
 * A saved optimizer: state by parameter position (counting through the groups in order) and the
 * groups' hyperparameters with the positions of their parameters, as PyTorch's `state_dict()`.
 *
 * @example
 * ```ts
 * const sd: OptimizerStateDict = opt.stateDict({ snapshot: true });
 * sd.state.get(0)?.step; // 10
 * ```
 */
export interface OptimizerStateDict<H extends GroupOptions = GroupOptions> {
  state: Map<number, Record<string, number | Tensor>>;
  paramGroups: (H & { params: number[] })[];
}

/**
 * The base of every optimizer: parameter groups, lazily created per-parameter state, `step()` and
 * `zeroGrad()`, and an exact state save / restore for checkpoints that resume bit-exactly.
 *
 * `step()` runs under `noGrad` inside one `tidy` and updates parameters and state with
 * {@link Variable.assign}; it never reads values back, so it only enqueues work. Parameters that do
 * not require a gradient or have none are skipped.
 *
 * @example
 * ```ts
 * const opt = new AdamW(model.parameters(), { lr: 1e-3 });
 * tidy(() => lossFn(model).backward());
 * clipGradNorm(model.parameters(), 1.0);
 * opt.step();
 * opt.zeroGrad();
 * ```
 */
export abstract class Optimizer<H extends GroupOptions = GroupOptions> {
  /** The parameter groups, in order. */
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Hyperparameters used where a group does not set its own. */
  readonly defaults: Readonly<H>;
  private readonly states = new Map<Parameter, ParamState>();
  private scalars: Map<Backend, Map<string, Tensor>> | null = null;

  protected constructor(params: Iterable<Parameter> | Iterable<ParamGroupInput<H>>, defaults: H) {
    this.defaults = Object.freeze({ ...defaults });
    const list = [...(params as Iterable<Parameter | ParamGroupInput<H>>)];
    if (list.length === 0) throw new ArgumentError(`${this.constructor.name}: expected parameters, got an empty list`);
    if (list.every(isParameter)) this.addParamGroup({ params: list } as unknown as ParamGroupInput<H>);
    else for (const g of list) this.addParamGroup(g as ParamGroupInput<H>);
  }

  /**
   * Checks a group's hyperparameters; throws a `ConfigError` naming the field.
   * @example `protected validate(h) { if (h.lr < 0) throw new ConfigError('SGD: lr …'); }`
   */
  protected abstract validate(h: H): void;

  /**
   * Updates one parameter from its gradient. Runs inside the step's `noGrad` + `tidy`: create
   * temporaries freely, store results with `assign`, and create new state as {@link Variable}s.
   * @example `protected update(p, g, group, state) { p.assign(p.sub(g.mul(group.lr))); }`
   */
  protected abstract update(p: Parameter, grad: Tensor, group: ParamGroup<H>, state: ParamState): void;

  /**
   * Adds a group; hyperparameters it leaves out come from the defaults.
   *
   * @example
   * ```ts
   * opt.addParamGroup({ params: head.parameters(), lr: 1e-2 });
   * ```
   */
  addParamGroup(input: ParamGroupInput<H>): void {
    if (!input || typeof input !== 'object' || !('params' in input)) {
      throw new ArgumentError(`${this.constructor.name}: expected parameters or groups of the form { params, …options }`);
    }
    const params = [...input.params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const p of params) {
      if (!isParameter(p)) throw new ArgumentError(`${this.constructor.name}: expected Parameters, got ${String(p)}`);
      if (seen.has(p)) throw new ArgumentError(`${this.constructor.name}: a parameter appears in more than one group (${p.toString()})`);
      seen.add(p);
    }
    const group = { ...cloneOptions(this.defaults as H), ...cloneOptions(input as unknown as H), params } as ParamGroup<H>;
    this.validate(group);
    this.paramGroups.push(group);
  }

  /** The learning rate of the first group. */
  get lr(): number {
    return this.paramGroups[0].lr;
  }

  /** Sets the learning rate of every group (schedules that treat groups differently edit `paramGroups`). */
  set lr(value: number) {
    for (const g of this.paramGroups) {
      this.validate({ ...g, lr: value });
      g.lr = value;
    }
  }

  /** State by parameter (read it; save it with {@link Optimizer.stateDict}). */
  get state(): ReadonlyMap<Parameter, Readonly<ParamState>> {
    return this.states;
  }

  /**
   * Applies one update to every parameter that requires a gradient and has one.
   *
   * @example
   * ```ts
   * opt.step();
   * ```
   */
  step(): void {
    this.scalars = new Map();
    try {
      noGrad(() =>
        tidy(() => {
          for (const group of this.paramGroups) {
            for (const p of group.params) {
              if (!p.requiresGrad || !p.grad) continue;
              let st = this.states.get(p);
              if (!st) this.states.set(p, (st = {}));
              this.update(p, p.grad, group, st);
            }
          }
        }),
      );
    } finally {
      this.scalars = null;
    }
  }

  /**
   * A 0-d tensor of `value` shaped for `like`'s dtype and backend, made once per step (each scalar
   * costs a fill on the device).
   * @example `p.assign(p.mul(this.scalar(0.9, p)))`
   */
  protected scalar(value: number, like: Tensor): Tensor {
    const cache = this.scalars;
    if (!cache) return full([], value, { dtype: like.dtype, backend: like.backend });
    const backend = like.backend;
    let byKey = cache.get(backend);
    if (!byKey) cache.set(backend, (byKey = new Map()));
    const key = `${like.dtype}:${value}`;
    let t = byKey.get(key);
    if (!t) byKey.set(key, (t = full([], value, { dtype: like.dtype, backend })));
    return t;
  }

  /**
   * Frees every gradient of the optimized parameters (PyTorch's `zero_grad(set_to_none=True)`).
   *
   * @example
   * ```ts
   * opt.zeroGrad();
   * ```
   */
  zeroGrad(): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        p.grad?.dispose();
        p.grad = null;
      }
    }
  }

  /**
   * The state for a checkpoint: step counts, state tensors and group hyperparameters. By default the
   * tensors are the optimizer's own (do not dispose them; the next step replaces them). With
   * `{ snapshot: true }` they are new handles on the current values (no copy) that later steps do not
   * change; dispose them when saved.
   *
   * @example
   * ```ts
   * const sd = opt.stateDict({ snapshot: true });
   * await saveCheckpoint(sd);
   * for (const s of sd.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
   * ```
   */
  stateDict(opts?: { snapshot?: boolean }): OptimizerStateDict<H> {
    const state = new Map<number, Record<string, number | Tensor>>();
    let index = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const ids: number[] = [];
      for (const p of g.params) {
        const st = this.states.get(p);
        if (st) {
          const copy: Record<string, number | Tensor> = {};
          for (const [k, v] of Object.entries(st)) copy[k] = typeof v === 'number' || !opts?.snapshot ? v : v.detach();
          state.set(index, copy);
        }
        ids.push(index++);
      }
      const { params: _params, ...hyper } = g;
      return { ...cloneOptions(hyper as unknown as H), params: ids };
    });
    return { state, paramGroups };
  }

  /**
   * Restores a state from {@link Optimizer.stateDict} (of an optimizer over parameters of the same
   * shapes, in the same group layout): the continued updates are identical. The given tensors stay
   * yours; the optimizer takes its own handles on their memory. Everything is checked first.
   *
   * @example
   * ```ts
   * opt.loadStateDict(savedState);
   * ```
   */
  loadStateDict(sd: OptimizerStateDict<H>): void {
    const name = `${this.constructor.name}.loadStateDict`;
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new ArgumentError(`${name}: expected ${this.paramGroups.length} parameter groups, got ${sd.paramGroups.length}`);
    }
    const params: Parameter[] = [];
    sd.paramGroups.forEach((g, i) => {
      const own = this.paramGroups[i].params;
      if (g.params.length !== own.length) {
        throw new ArgumentError(`${name}: group ${i} expected ${own.length} parameters, got ${g.params.length}`);
      }
      params.push(...own);
      const { params: _p, ...hyper } = g;
      this.validate({ ...(hyper as unknown as H), params: own });
    });
    for (const [index, st] of sd.state) {
      const p = params[index];
      if (!p) throw new ArgumentError(`${name}: state for parameter ${index}, but there are ${params.length} parameters`);
      for (const [key, v] of Object.entries(st)) {
        if (typeof v === 'number') continue;
        if (!(v instanceof Tensor)) throw new ArgumentError(`${name}: state ${index}.${key} should be a number or a Tensor, got ${typeof v}`);
        const where = `${name}: state ${index}.${key}`;
        if (!shapesEqual(v.shape, p.shape)) throw new ShapeError(`${where} expected shape ${fmtShape(p.shape)}, got ${fmtShape(v.shape)}`);
        if (v.dtype !== p.dtype) throw new DTypeError(`${where} expected dtype ${p.dtype}, got ${v.dtype}`);
        if (v.liveStorage(where).backend !== p.backend) throw new ArgumentError(`${where} expected the ${p.backend.name} backend, got ${v.backend.name}`);
      }
    }
    this.disposeState();
    for (const [index, st] of sd.state) {
      const own: ParamState = {};
      for (const [key, v] of Object.entries(st)) own[key] = typeof v === 'number' ? v : new Variable(v.detach());
      this.states.set(params[index], own);
    }
    sd.paramGroups.forEach((g, i) => {
      const { params: _p, ...hyper } = g;
      Object.assign(this.paramGroups[i], cloneOptions(hyper as unknown as H));
    });
  }

  /**
   * Frees the optimizer state (the parameters are untouched).
   *
   * @example
   * ```ts
   * opt.dispose();
   * ```
   */
  dispose(): void {
    this.disposeState();
  }

  private disposeState(): void {
    for (const st of this.states.values()) for (const v of Object.values(st)) if (typeof v !== 'number') v.dispose();
    this.states.clear();
  }
}

/** Drops keys set to undefined so they do not override defaults. @internal @example `definedOnly({ lr: undefined })` */
export function definedOnly<T extends object>(opts: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (opts) for (const [k, v] of Object.entries(opts)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Copies hyperparameters, arrays (betas) included, so groups never share them. */
function cloneOptions<H>(h: H): H {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
    if (k === 'params' || v === undefined) continue;
    out[k] = Array.isArray(v) ? [...v] : v;
  }
  return out as H;
}
