import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { type LoadStateDictResult, listKeys, loadInto } from './load-state-dict.js';
import { copyTensor } from '../ops/elementwise.js';
import { Parameter, isParameter } from './parameter.js';
import { Variable } from './variable.js';

/**
 * A module whose forward maps one tensor to one tensor (what `Sequential` chains).
 *
 * @example
 * ```ts
 * const layers: UnaryModule[] = [new Linear(4, 8), new ReLU()];
 * ```
 */
export type UnaryModule = Module & { forward(x: Tensor): Tensor };

/**
 * The base of every layer and model: named child modules, parameters and buffers with dotted paths
 * identical to PyTorch / Hugging Face transformers (`transformer.h.0.attn.c_attn.weight`).
 *
 * Children, parameters and buffers are registered explicitly, in the order a state dict lists them.
 * `forward` is not declared here: each module types its own (`forward(x: Tensor): Tensor`,
 * `forward(ids: Tensor, mask?: Tensor)` …).
 *
 * @example
 * ```ts
 * class Block extends Module {
 *   readonly fc = this.registerModule('fc', new Linear(4, 4));
 *   readonly ln = this.registerModule('ln', new LayerNorm(4));
 *   forward(x: Tensor): Tensor { return this.ln.forward(this.fc.forward(x)); }
 * }
 * [...new Block().namedParameters()].map(([n]) => n); // ['fc.weight', 'fc.bias', 'ln.weight', 'ln.bias']
 * ```
 */
export class Module {
  /** Whether the module is in training mode (dropout active). Set with {@link Module.train} / {@link Module.eval}. */
  training = true;
  private readonly childMap = new Map<string, Module>();
  private readonly paramMap = new Map<string, Parameter>();
  private readonly bufferMap = new Map<string, Variable>();
  private readonly transientBuffers = new Set<string>();

  /**
   * Adds a child module under `name` (no dots) and returns it, so a field can hold it.
   *
   * @example
   * ```ts
   * readonly c_attn = this.registerModule('c_attn', new Conv1D(3 * d, d));
   * ```
   */
  registerModule<M extends Module>(name: string, module: M): M {
    this.checkNewName('registerModule', name);
    if (!(module instanceof Module)) throw new ArgumentError(`registerModule: expected a Module for "${name}", got ${describe(module)}`);
    this.childMap.set(name, module);
    return module;
  }

  /**
   * Adds a parameter under `name` (no dots) and returns it.
   *
   * @example
   * ```ts
   * readonly weight = this.registerParameter('weight', new Parameter(ones([d])));
   * ```
   */
  registerParameter(name: string, param: Parameter): Parameter {
    this.checkNewName('registerParameter', name);
    if (!(param instanceof Parameter)) throw new ArgumentError(`registerParameter: expected a Parameter for "${name}", got ${describe(param)}`);
    this.paramMap.set(name, param);
    return param;
  }

  /**
   * Unregisters the parameter under `name` and returns it (nothing is disposed; an absent name gives
   * undefined). The other parameters keep their order, so state-dict keys stay in the same order.
   *
   * @example
   * ```ts
   * dict.removeParameter('other')?.dispose();
   * ```
   */
  removeParameter(name: string): Parameter | undefined {
    const p = this.paramMap.get(name);
    this.paramMap.delete(name);
    return p;
  }

  /**
   * Adds a persistent, non-trainable tensor under `name` and returns the {@link Variable} that now
   * holds it (it takes over `value`). Non-persistent buffers are left out of the state dict.
   *
   * @example
   * ```ts
   * readonly invFreq = this.registerBuffer('inv_freq', freqs, { persistent: false });
   * ```
   */
  registerBuffer(name: string, value: Tensor, opts?: { persistent?: boolean }): Variable {
    this.checkNewName('registerBuffer', name);
    const v = value instanceof Variable ? value : new Variable(value, { name });
    this.bufferMap.set(name, v);
    if (opts?.persistent === false) this.transientBuffers.add(name);
    return v;
  }

  /** Direct children with their names, in registration order. @example `for (const [name, m] of model.namedChildren()) …` */
  *namedChildren(): IterableIterator<[string, Module]> {
    yield* this.childMap;
  }

  /** Direct children, in registration order. @example `[...model.children()]` */
  *children(): IterableIterator<Module> {
    yield* this.childMap.values();
  }

  /**
   * This module and every descendant, depth first, with dotted paths (this module's path is
   * `prefix`, '' by default). A module reachable twice is listed once.
   *
   * @example
   * ```ts
   * for (const [path, m] of model.namedModules()) if (isLinearLike(m)) console.log(path);
   * ```
   */
  *namedModules(prefix = ''): IterableIterator<[string, Module]> {
    const seen = new Set<Module>();
    const stack: [string, Module][] = [[prefix, this]];
    while (stack.length) {
      const [path, m] = stack.pop()!;
      if (seen.has(m)) continue;
      seen.add(m);
      yield [path, m];
      const kids = [...m.childMap].reverse();
      for (const [name, child] of kids) stack.push([path ? `${path}.${name}` : name, child]);
    }
  }

  /** This module and every descendant, depth first. @example `[...model.modules()].length` */
  *modules(): IterableIterator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /**
   * Parameters with their dotted names, in state-dict order. A parameter shared by two modules (tied
   * weights) is listed once, under its first name.
   *
   * @example
   * ```ts
   * for (const [name, p] of model.namedParameters()) console.log(name, p.shape);
   * ```
   */
  *namedParameters(opts?: { prefix?: string; recurse?: boolean }): IterableIterator<[string, Parameter]> {
    yield* this.namedMembers((m) => m.paramMap, opts);
  }

  /** Parameters in state-dict order, each once. @example `new AdamW(model.parameters())` */
  *parameters(opts?: { recurse?: boolean }): IterableIterator<Parameter> {
    for (const [, p] of this.namedParameters(opts)) yield p;
  }

  /** Registered buffers with their dotted names (persistent or not), each once. @example `[...model.namedBuffers()]` */
  *namedBuffers(opts?: { prefix?: string; recurse?: boolean }): IterableIterator<[string, Variable]> {
    yield* this.namedMembers((m) => m.bufferMap, opts);
  }

  /** Registered buffers, each once. @example `[...model.buffers()]` */
  *buffers(opts?: { recurse?: boolean }): IterableIterator<Variable> {
    for (const [, b] of this.namedBuffers(opts)) yield b;
  }

  private *namedMembers<T>(
    pick: (m: Module) => Map<string, T>,
    opts?: { prefix?: string; recurse?: boolean },
  ): IterableIterator<[string, T]> {
    const seen = new Set<T>();
    const mods: Iterable<[string, Module]> = opts?.recurse === false ? [[opts?.prefix ?? '', this]] : this.namedModules(opts?.prefix ?? '');
    for (const [path, m] of mods) {
      for (const [name, t] of pick(m)) {
        if (seen.has(t)) continue;
        seen.add(t);
        yield [path ? `${path}.${name}` : name, t];
      }
    }
  }

  /**
   * Every parameter and persistent buffer by dotted name, in PyTorch's order (a module's own
   * parameters, then its buffers, then its children). Tied weights appear under each name.
   *
   * By default the values are the live parameters and buffers themselves: do not dispose them, and
   * note that an optimizer step replaces their values. With `{ snapshot: true }` each value is a new
   * handle on the current memory that no later update changes (cheap: no copy); dispose those when
   * done (or create them inside `tidy`).
   *
   * @example
   * ```ts
   * const sd = model.stateDict();
   * [...sd.keys()]; // ['transformer.wte.weight', 'transformer.wpe.weight', …]
   * ```
   */
  stateDict(opts?: { prefix?: string; snapshot?: boolean }): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const visit = (m: Module, path: string): void => {
      const key = (name: string): string => (path ? `${path}.${name}` : name);
      for (const [name, p] of m.paramMap) out.set(key(name), opts?.snapshot ? p.detach() : p);
      for (const [name, b] of m.bufferMap) {
        if (!m.transientBuffers.has(name)) out.set(key(name), opts?.snapshot ? b.detach() : b);
      }
      for (const [name, child] of m.childMap) visit(child, key(name));
    };
    visit(this, opts?.prefix ?? '');
    return out;
  }

  /**
   * Copies values into the parameters and persistent buffers by name (sharing the given tensors'
   * memory; they stay yours to dispose). Shapes, dtypes and backends must match, and with `strict`
   * (the default) the keys must match exactly. Everything is checked before anything changes.
   *
   * @example
   * ```ts
   * model.loadStateDict(await loadSafetensors('model.safetensors'));
   * ```
   */
  loadStateDict(dict: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>, opts?: { strict?: boolean }): LoadStateDictResult {
    return loadInto(this.stateDict() as Map<string, Variable>, dict, opts?.strict ?? true);
  }

  /**
   * The descendant at a dotted path ('' is this module).
   *
   * @example
   * ```ts
   * const attn = model.getModule('transformer.h.0.attn');
   * ```
   */
  getModule(path: string): Module {
    if (path === '') return this;
    const parts = path.split('.');
    return parts.reduce<Module>((m, name, i) => {
      const next = m.childMap.get(name);
      if (!next) {
        const at = parts.slice(0, i).join('.') || '(root)';
        throw new ArgumentError(`getModule: "${path}" not found: ${at} has no child "${name}" (children: ${listKeys([...m.childMap.keys()])})`);
      }
      return next;
    }, this);
  }

  /**
   * The parameter at a dotted path.
   *
   * @example
   * ```ts
   * const w = model.getParameter('transformer.h.0.attn.c_attn.weight');
   * ```
   */
  getParameter(path: string): Parameter {
    const dot = path.lastIndexOf('.');
    const owner = this.getModule(dot < 0 ? '' : path.slice(0, dot));
    const p = owner.paramMap.get(path.slice(dot + 1));
    if (!p) throw new ArgumentError(`getParameter: "${path}" not found (parameters there: ${listKeys([...owner.paramMap.keys()])})`);
    return p;
  }

  /**
   * Puts `module` where the descendant at `path` was and returns the old one (what adapter injection
   * uses). Fields of the parent that held the old module are pointed at the new one too, so a
   * parent's `forward` that reads `this.c_attn` calls the replacement.
   *
   * @example
   * ```ts
   * const base = model.replaceModule('transformer.h.0.attn.c_attn', loraLayer);
   * ```
   */
  replaceModule(path: string, module: Module): Module {
    if (path === '') throw new ArgumentError('replaceModule: expected the path of a descendant, got "" (the module itself)');
    if (!(module instanceof Module)) throw new ArgumentError(`replaceModule: expected a Module for "${path}", got ${describe(module)}`);
    const dot = path.lastIndexOf('.');
    const parent = this.getModule(dot < 0 ? '' : path.slice(0, dot));
    const name = path.slice(dot + 1);
    const old = parent.childMap.get(name);
    if (!old) throw new ArgumentError(`replaceModule: "${path}" not found (children there: ${listKeys([...parent.childMap.keys()])})`);
    parent.childMap.set(name, module);
    const fields = parent as unknown as Record<string, unknown>;
    for (const key of Object.keys(fields)) if (fields[key] === old) fields[key] = module;
    return old;
  }

  /**
   * The direct child under `name`, if any (for containers).
   * @example `const a = this.child('lora_A');`
   */
  protected child(name: string): Module | undefined {
    return this.childMap.get(name);
  }

  /**
   * Unregisters the direct child under `name` and returns it (nothing is disposed), for containers.
   * @example `this.removeChild('default')?.dispose();`
   */
  protected removeChild(name: string): Module | undefined {
    const m = this.childMap.get(name);
    this.childMap.delete(name);
    return m;
  }

  /**
   * A deep copy: a module of the same class whose parameters and buffers hold copies of this one's
   * values (same `requiresGrad`), with the same structure and settings. Fields that pointed at a child,
   * parameter or buffer point at its copy; tied parameters stay tied within the copy.
   *
   * @example
   * ```ts
   * const head = model.getModule('classifier').clone(); // trained separately from the original
   * ```
   */
  clone(): this {
    const copies = new Map<unknown, unknown>();
    const made: Module[] = [];
    const copyMember = <T extends Variable>(t: T): T => {
      if (!copies.has(t)) {
        const value = copyTensor(t);
        copies.set(t, isParameter(t) ? new Parameter(value, { requiresGrad: t.requiresGrad, name: t.name }) : new Variable(value, { name: t.name }));
      }
      return copies.get(t) as T;
    };
    const copyModule = (m: Module): Module => {
      if (copies.has(m)) return copies.get(m) as Module;
      const c = Object.create(Object.getPrototypeOf(m) as object) as Module;
      copies.set(m, c);
      made.push(c);
      for (const key of Reflect.ownKeys(m)) Object.defineProperty(c, key, Object.getOwnPropertyDescriptor(m, key)!);
      const self = c as unknown as { childMap: Map<string, Module>; paramMap: Map<string, Parameter>; bufferMap: Map<string, Variable>; transientBuffers: Set<string> };
      self.paramMap = new Map([...m.paramMap].map(([n, p]) => [n, copyMember(p)]));
      self.bufferMap = new Map([...m.bufferMap].map(([n, b]) => [n, copyMember(b)]));
      self.transientBuffers = new Set(m.transientBuffers);
      self.childMap = new Map([...m.childMap].map(([n, child]) => [n, copyModule(child)]));
      return c;
    };
    const root = copyModule(this);
    for (const c of made) {
      const fields = c as unknown as Record<string | symbol, unknown>;
      for (const key of Reflect.ownKeys(c)) {
        const v = fields[key];
        if (copies.has(v)) fields[key] = copies.get(v);
      }
    }
    return root as this;
  }

  /**
   * Sets training mode on this module and every descendant; returns this.
   *
   * @example
   * ```ts
   * model.train();
   * ```
   */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (same as `train(false)`). @example `model.eval()` */
  eval(): this {
    return this.train(false);
  }

  /**
   * Calls `fn` on every descendant and then on this module (children first, as PyTorch); returns this.
   *
   * @example
   * ```ts
   * model.apply((m) => { if (m instanceof Dropout) m.p = 0; });
   * ```
   */
  apply(fn: (m: Module) => void): this {
    for (const child of this.childMap.values()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Sets `requiresGrad` on every parameter (false freezes the module); returns this.
   *
   * @example
   * ```ts
   * baseModel.setRequiresGrad(false);
   * ```
   */
  setRequiresGrad(flag: boolean): this {
    for (const p of this.parameters()) p.requiresGrad = flag;
    return this;
  }

  /**
   * Number of parameter elements (each shared parameter counted once), optionally only trainable ones.
   *
   * @example
   * ```ts
   * model.numParameters({ trainableOnly: true });
   * ```
   */
  numParameters(opts?: { trainableOnly?: boolean }): number {
    let n = 0;
    for (const p of this.parameters()) if (!opts?.trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /** Disposes the gradients of every parameter. @example `model.zeroGrad()` */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /**
   * Frees every parameter, gradient and buffer of this module and its descendants.
   *
   * @example
   * ```ts
   * model.dispose();
   * ```
   */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
    for (const b of this.buffers()) b.dispose();
  }

  /** Extra text shown inside this module's parentheses by `toString` (layers override it). @example `return 'in_features=4'` */
  extraRepr(): string {
    return '';
  }

  /** A PyTorch-style tree: `Linear(in_features=4, out_features=2, bias=true)`. @example `console.log(String(model))` */
  toString(): string {
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (this.childMap.size === 0) return `${head})`;
    const lines = [...this.childMap].map(([name, m]) => `  (${name}): ${String(m).split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }

  private checkNewName(op: string, name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new ArgumentError(`${op}: expected a non-empty name without dots, got "${String(name)}"`);
    }
    if (this.childMap.has(name) || this.paramMap.has(name) || this.bufferMap.has(name)) {
      throw new ArgumentError(`${op}: "${name}" is already registered on ${this.constructor.name}`);
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  return typeof v;
}
