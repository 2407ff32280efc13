import { ArgumentError, ConfigError, NoTargetError } from '../../errors.js';
import { isLinearLike } from '../../nn/linear-like.js';
import type { Module } from '../../nn/module.js';
import { AdapterLayer } from '../method/adapter-layer.js';
import { candidateModules } from './candidate-modules.js';
import { compilePythonRegex, pythonFullMatch, pythonMatch } from './python-regex.js';

/**
 * The options that decide which modules of a base model an adapter wraps, with Hugging Face PEFT's
 * meaning (`target_modules`, `exclude_modules`, `layers_to_transform`, `layers_pattern`,
 * `modules_to_save`). A string is a Python regular expression that must match the whole module
 * path; a list holds module names or dotted suffixes. `targetModules: null` means "none given": the
 * caller substitutes the method's default for the architecture.
 *
 * @example
 * ```ts
 * const spec: TargetSpec = { targetModules: ['q_proj', 'v_proj'], layersToTransform: [1] };
 * ```
 */
export interface TargetSpec {
  targetModules?: string | readonly string[] | null;
  excludeModules?: string | readonly string[] | null;
  layersToTransform?: number | readonly number[] | null;
  layersPattern?: string | readonly string[] | null;
  /** Modules trained whole; PEFT never puts an adapter on them or inside them. */
  modulesToSave?: readonly string[] | null;
}

/**
 * Why `matchTarget` wrapped a module or not.
 *
 * @example
 * ```ts
 * const r: TargetReason = 'layer not transformed';
 * ```
 */
export type TargetReason = 'target' | 'excluded' | 'modules to save' | 'not targeted' | 'layer not transformed' | 'no layer index';

/**
 * The verdict for one module path: `key` is the target entry that matched (the whole path for a
 * regex target or an exact list entry), or the exclusion entry that removed it.
 *
 * @example
 * ```ts
 * const m: TargetMatch = { matched: true, key: 'q_proj', reason: 'target' };
 * ```
 */
export interface TargetMatch {
  matched: boolean;
  key?: string;
  reason: TargetReason;
}

/** PEFT's shorthand for "every linear layer but the output head". */
const ALL_LINEAR = 'all-linear';

/**
 * Whether `targetModules` is PEFT's `"all-linear"` shorthand (any letter case), which
 * {@link expandAllLinear} turns into a list of module paths before matching.
 *
 * @example
 * ```ts
 * isAllLinear('ALL-LINEAR'); // true
 * ```
 */
export function isAllLinear(targetModules: TargetSpec['targetModules']): boolean {
  return typeof targetModules === 'string' && targetModules.toLowerCase() === ALL_LINEAR;
}

const asList = <T>(v: T | readonly T[]): readonly T[] => (Array.isArray(v) ? (v as readonly T[]) : [v as T]);
const isString = (v: unknown): v is string => typeof v === 'string';
/** Python truthiness of a config value: null, '' and [] count as "not given". */
const given = (v: string | readonly unknown[] | null | undefined): boolean => v != null && v.length > 0;

/** Exact name or `.entry` suffix, the list rule of `target_modules` and `exclude_modules`. */
const suffixEntry = (list: readonly string[], path: string): string | undefined => list.find((e) => path.endsWith(`.${e}`));

function layerIndex(spec: TargetSpec, path: string): number | undefined {
  const patterns = given(spec.layersPattern) ? asList(spec.layersPattern!) : [null];
  for (const p of patterns) {
    // 0.20+ uses a lazy prefix: the FIRST `.<name>.<digits>.` (the layer, not an expert index inside it).
    const re = p === null ? '.*?\\.[^.]*\\.(\\d+)\\.' : `.*?\\.${p}\\.(\\d+)\\.`;
    const m = pythonMatch(re, path, 'layers_pattern');
    if (!m) continue;
    if (!/^[0-9]+$/.test(m[1] ?? '')) {
      throw new ConfigError(
        `layers_pattern: group 1 of ${JSON.stringify(re)} on "${path}" is ${JSON.stringify(m[1] ?? null)}, not a layer index ` +
          '(a capturing group in layers_pattern shifts the index group; use (?:...))',
      );
    }
    return Number(m[1]);
  }
  return undefined;
}

/**
 * Decides whether the module at `path` gets an adapter, following PEFT's
 * `check_target_module_exists`: exclusions first (`exclude_modules`: regex full match, or exact name
 * / dotted suffix for a list; then anything at or under a `modules_to_save` entry); a string target is
 * a full-match regex; a list target matches an exact path or a dotted suffix, and only a suffix match
 * is then filtered by `layers_to_transform` (the index from `.*?\.<layers_pattern>\.(\d+)\.`, or
 * `.*?\.[^.]*\.(\d+)\.` without a pattern). Expand `"all-linear"` with {@link expandAllLinear} first.
 *
 * @example
 * ```ts
 * matchTarget({ targetModules: ['c_attn'], layersToTransform: [1], layersPattern: 'h' }, 'transformer.h.0.attn.c_attn');
 * // { matched: false, key: 'c_attn', reason: 'layer not transformed' }
 * ```
 */
export function matchTarget(spec: TargetSpec, path: string): TargetMatch {
  const ex = spec.excludeModules;
  if (given(ex)) {
    if (isString(ex)) {
      if (pythonFullMatch(ex, path, 'exclude_modules')) return { matched: false, key: path, reason: 'excluded' };
    } else {
      const hit = ex!.includes(path) ? path : suffixEntry(ex!, path);
      if (hit !== undefined) return { matched: false, key: hit, reason: 'excluded' };
    }
  }
  for (const m of spec.modulesToSave ?? []) {
    if (pythonMatch(`(^|.*\\.)${m}($|\\..*)`, path, 'modules_to_save')) return { matched: false, key: m, reason: 'modules to save' };
  }
  const t = spec.targetModules;
  if (t == null) return { matched: false, reason: 'not targeted' };
  if (isString(t)) {
    if (isAllLinear(t)) throw new ConfigError(`matchTarget: target_modules "${t}" must be expanded to module paths first (expandAllLinear)`);
    return pythonFullMatch(t, path, 'target_modules') ? { matched: true, key: path, reason: 'target' } : { matched: false, reason: 'not targeted' };
  }
  if (t.includes(path)) return { matched: true, key: path, reason: 'target' };
  const key = suffixEntry(t, path);
  if (key === undefined) return { matched: false, reason: 'not targeted' };
  const layers = spec.layersToTransform;
  if (layers == null || (Array.isArray(layers) && layers.length === 0)) return { matched: true, key, reason: 'target' };
  const index = layerIndex(spec, path);
  if (index === undefined) return { matched: false, key, reason: 'no layer index' };
  const ok = typeof layers === 'number' ? index === layers : (layers as readonly number[]).includes(index);
  return ok ? { matched: true, key, reason: 'target' } : { matched: false, key, reason: 'layer not transformed' };
}

/**
 * Checks a {@link TargetSpec} the way PEFT's config does, plus type checks, and compiles every regex
 * so a bad one fails here: `layers_to_transform` or `layers_pattern` with a string target (regex or
 * `"all-linear"`), `layers_pattern` without `layers_to_transform`, and layer indices that are not
 * integers are refused. An empty target list is accepted (PEFT too); it simply matches nothing.
 *
 * @example
 * ```ts
 * validateTargetSpec({ targetModules: '.*q_proj', layersToTransform: [0] }, 'lora'); // throws ConfigError
 * ```
 */
export function validateTargetSpec(spec: TargetSpec, op: string): void {
  const fail = (msg: string): never => {
    throw new ConfigError(`${op}: ${msg}`);
  };
  const checkNames = (field: string, v: unknown): void => {
    if (v == null || isString(v)) return;
    if (!Array.isArray(v) || !v.every(isString)) fail(`${field} must be a string, a list of strings or null, got ${JSON.stringify(v)}`);
  };
  checkNames('target_modules', spec.targetModules);
  checkNames('exclude_modules', spec.excludeModules);
  checkNames('layers_pattern', spec.layersPattern);
  if (spec.modulesToSave != null && isString(spec.modulesToSave)) fail('modules_to_save must be a list of names, got a string');
  checkNames('modules_to_save', spec.modulesToSave);
  const t = spec.targetModules;
  if (isString(t) && spec.layersToTransform != null) fail('layers_to_transform cannot be used when target_modules is a str (a regex or "all-linear")');
  if (isString(t) && spec.layersPattern != null) fail('layers_pattern cannot be used when target_modules is a str (a regex or "all-linear")');
  if (given(spec.layersPattern) && spec.layersToTransform == null) fail('when layers_pattern is specified, layers_to_transform must also be specified');
  const layers = spec.layersToTransform;
  if (layers != null) {
    const bad = asList(layers).filter((i) => !Number.isInteger(i));
    if (bad.length || (!Array.isArray(layers) && typeof layers !== 'number')) {
      fail(`layers_to_transform must be an integer or a list of integers, got ${JSON.stringify(layers)}`);
    }
  }
  if (isString(t) && !isAllLinear(t)) compilePythonRegex(t, 'full', `${op}: target_modules`);
  if (isString(spec.excludeModules)) compilePythonRegex(spec.excludeModules, 'full', `${op}: exclude_modules`);
  if (given(spec.layersPattern)) for (const p of asList(spec.layersPattern!)) compilePythonRegex(`.*?\\.${p}\\.(\\d+)\\.`, 'start', `${op}: layers_pattern`);
  for (const m of spec.modulesToSave ?? []) compilePythonRegex(`(^|.*\\.)${m}($|\\..*)`, 'start', `${op}: modules_to_save`);
}

/**
 * Rank / alpha override for a module (`rank_pattern`, `alpha_pattern`), as PEFT's `get_pattern_key`:
 * the FIRST key, in insertion order, for which `re.match("(.*\.)?(" + key + ")$", path)` succeeds; a
 * more specific later key does not win. Pass a Map (or a Record without integer-like keys) to keep
 * the file's key order. Undefined when no key applies (use the method's default `r` / `lora_alpha`).
 *
 * @example
 * ```ts
 * patternValue(new Map([['v_proj', 3], ['layers\\.1\\.self_attn\\.v_proj', 6]]), 'model.layers.1.self_attn.v_proj');
 * // { key: 'v_proj', value: 3 }
 * ```
 */
export function patternValue(
  pattern: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
  path: string,
  field = 'rank_pattern',
): { key: string; value: number } | undefined {
  const entries: Iterable<[string, number]> = pattern instanceof Map ? pattern.entries() : Object.entries(pattern);
  for (const [key, value] of entries) {
    if (pythonMatch(`(.*\\.)?(${key})$`, path, field)) return { key, value };
  }
  // With no match PEFT looks the path itself up as a key.
  const exact = pattern instanceof Map ? pattern.get(path) : Object.hasOwn(pattern, path) ? (pattern as Record<string, number>)[path] : undefined;
  return exact === undefined ? undefined : { key: path, value: exact };
}

/** The dotted path of `m` inside `model` (its first path), or undefined. */
function pathOf(model: Module, m: Module): string | undefined {
  for (const [p, x] of model.namedModules()) if (x === m) return p;
  return undefined;
}

/**
 * Options for {@link allLinearTargets}: the output head to leave out (PEFT leaves out
 * `model.get_output_embeddings()`, e.g. `lm_head`) and further exact module paths to leave out (for a
 * sequence-classification model without output embeddings PEFT leaves out its `score` or `classifier`
 * head: see {@link classificationHeadPath}).
 *
 * @example
 * ```ts
 * const opts: AllLinearOptions = { outputHead: 'lm_head' };
 * ```
 */
export interface AllLinearOptions {
  outputHead?: Module | string | null;
  exclude?: readonly string[];
}

/**
 * The full paths of every linear-like module ({@link isLinearLike}: Linear, GPT-2's Conv1D) except
 * the output head and `exclude`, in module order: what PEFT's `_maybe_include_all_linear_layers`
 * stores in `target_modules` for `"all-linear"`. Only the exact head path is left out, not modules
 * inside it.
 *
 * @example
 * ```ts
 * allLinearTargets(llama, { outputHead: 'lm_head' }); // ['model.layers.0.self_attn.q_proj', …]
 * ```
 */
export function allLinearTargets(model: Module, opts: AllLinearOptions = {}): string[] {
  const skip = new Set(opts.exclude ?? []);
  const head = opts.outputHead;
  if (head != null) {
    const p = isString(head) ? head : pathOf(model, head);
    if (p === undefined) throw new ArgumentError('allLinearTargets: the outputHead module is not part of the model');
    skip.add(p);
  }
  const out: string[] = [];
  for (const [path, m] of candidateModules(model)) {
    const linear = isLinearLike(m) || (m instanceof AdapterLayer && isLinearLike(m.baseLayer));
    if (linear && !skip.has(path)) out.push(path);
  }
  return out;
}

/**
 * The path of a sequence-classification head as PEFT finds it for `"all-linear"` when the model has
 * no output embeddings: the first of the direct children `score`, `classifier` that exists.
 *
 * @example
 * ```ts
 * allLinearTargets(bert, { exclude: [classificationHeadPath(bert)].filter((p) => p !== undefined) });
 * ```
 */
export function classificationHeadPath(model: Module): string | undefined {
  const names = new Set([...model.namedChildren()].map(([n]) => n));
  return ['score', 'classifier'].find((n) => names.has(n));
}

/**
 * A copy of `spec` whose `"all-linear"` target is replaced by {@link allLinearTargets}; other specs
 * are returned as they are.
 *
 * @example
 * ```ts
 * expandAllLinear(gpt2, { targetModules: 'all-linear' }, { outputHead: 'lm_head' }).targetModules; // ['transformer.h.0.attn.c_attn', …]
 * ```
 */
export function expandAllLinear(model: Module, spec: TargetSpec, opts?: AllLinearOptions): TargetSpec {
  return isAllLinear(spec.targetModules) ? { ...spec, targetModules: allLinearTargets(model, opts) } : spec;
}

/**
 * One line of `PeftModel.explainTargets`: a module, its class, and the verdict of `matchTarget`.
 *
 * @example
 * ```ts
 * const e: TargetExplanation = { path: 'lm_head', className: 'Linear', matched: false, reason: 'not targeted' };
 * ```
 */
export interface TargetExplanation extends TargetMatch {
  path: string;
  className: string;
}

/**
 * A dry run: every module of `model` (not the root) with the verdict of {@link matchTarget}, in module
 * order, after expanding `"all-linear"`.
 *
 * @example
 * ```ts
 * explainTargets(model, { targetModules: ['q_proj'] }).filter((e) => e.matched).map((e) => e.path);
 * ```
 */
export function explainTargets(model: Module, spec: TargetSpec, opts?: AllLinearOptions): TargetExplanation[] {
  const s = expandAllLinear(model, spec, opts);
  const out: TargetExplanation[] = [];
  for (const [path, m] of candidateModules(model)) {
    out.push({ path, className: m.constructor.name, ...matchTarget(s, path) });
  }
  return out;
}

/**
 * The modules an adapter with this spec wraps, in module order, with the target entry that matched.
 * Empty when nothing matches (see {@link noTargetError}).
 *
 * @example
 * ```ts
 * findTargets(gpt2, { targetModules: ['c_attn'] }).map((t) => t.path); // ['transformer.h.0.attn.c_attn', 'transformer.h.1.attn.c_attn']
 * ```
 */
export function findTargets(model: Module, spec: TargetSpec, opts?: AllLinearOptions): Array<{ path: string; module: Module; key: string }> {
  const s = expandAllLinear(model, spec, opts);
  const out: Array<{ path: string; module: Module; key: string }> = [];
  for (const [path, module] of candidateModules(model)) {
    const r = matchTarget(s, path);
    if (r.matched) out.push({ path, module, key: r.key! });
  }
  return out;
}

const show = (v: unknown): string => JSON.stringify(v ?? null);

/**
 * The error for "no module matched", code `NO_TARGET`, worded after PEFT's cases (everything
 * excluded; no target_modules; targets not found; a mix), showing the spec and up to 20 distinct last
 * names of the model's linear-like modules.
 *
 * @example
 * ```ts
 * if (findTargets(model, spec).length === 0) throw noTargetError(model, spec);
 * ```
 */
export function noTargetError(model: Module, spec: TargetSpec, opts?: AllLinearOptions): NoTargetError {
  const verdicts = explainTargets(model, spec, opts);
  const excluded = verdicts.some((v) => v.reason === 'excluded' || v.reason === 'modules to save');
  const unmatched = verdicts.some((v) => v.reason !== 'excluded' && v.reason !== 'modules to save');
  const t = spec.targetModules;
  let msg: string;
  if (excluded && !unmatched) msg = 'all modules were excluded; check target_modules, exclude_modules and modules_to_save';
  else if (!excluded && (t == null || t.length === 0)) msg = 'no target_modules given';
  else if (!excluded) msg = `target_modules ${show(t)} not found in the base model`;
  else msg = `no module was targeted: the target_modules ${show(t)} that matched were excluded (exclude_modules ${show(spec.excludeModules)}, modules_to_save ${show(spec.modulesToSave)})`;
  if (spec.layersToTransform != null) msg += `; layers_to_transform ${show(spec.layersToTransform)}`;
  if (spec.layersPattern != null) msg += `, layers_pattern ${show(spec.layersPattern)}`;
  const names = [...new Set([...model.namedModules()].filter(([p, m]) => p !== '' && isLinearLike(m)).map(([p]) => p.slice(p.lastIndexOf('.') + 1)))];
  const shown = names.length > 20 ? `${names.slice(0, 20).join(', ')}, … (${names.length} in all)` : names.join(', ');
  msg += `. Linear-like module names in this model: ${shown || '(none)'}`;
  return new NoTargetError(`target matching: ${msg}`);
}

/**
 * The parent module, the module itself and its last name for a dotted path (PEFT's `_get_submodules`),
 * what an adapter needs to replace the module in its parent.
 *
 * @example
 * ```ts
 * const { parent, targetName } = getSubmodules(model, 'model.layers.0.self_attn.q_proj'); // targetName 'q_proj'
 * ```
 */
export function getSubmodules(model: Module, path: string): { parent: Module; target: Module; targetName: string } {
  const dot = path.lastIndexOf('.');
  return { parent: model.getModule(dot < 0 ? '' : path.slice(0, dot)), target: model.getModule(path), targetName: path.slice(dot + 1) };
}
