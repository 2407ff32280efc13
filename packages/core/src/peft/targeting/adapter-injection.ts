import { ConfigError, PluginError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import type { ModelInfo } from '../../models/pretrained-model.js';
import type { Generator } from '../../random.js';
import { AdapterLayer } from '../method/adapter-layer.js';
import { ModulesToSaveWrapper } from '../model/modules-to-save.js';
import type { PeftMethod } from '../method/peft-method.js';
import { type TargetedConfig } from './targeted-config.js';
import { candidateModules } from './candidate-modules.js';
import { allLinearTargets, classificationHeadPath, matchTarget, noTargetError, patternValue, validateTargetSpec } from './target-matching.js';

/** Which method made each adapter layer (layers of different methods may sit in one model). @internal */
export type LayerOwners = WeakMap<AdapterLayer, PeftMethod>;


/**
 * The config with `target_modules` filled in: the method's default for the architecture when it is
 * null, and `"all-linear"` expanded to the full names of every linear layer but the output head (what
 * Hugging Face stores). SEQ_CLS configs also train and save the classification head, as in PEFT.
 * The method's `prepareConfig` runs first.
 *
 * @example
 * ```ts
 * const cfg = resolveTargets(lora, loraConfig({ targetModules: 'all-linear' }), model, model.info);
 * cfg.targetModules; // ['model.layers.0.self_attn.q_proj', …]
 * ```
 */
export function resolveTargets<C extends TargetedConfig>(method: PeftMethod<C>, given: C, root: Module, info: ModelInfo): C {
  const config = method.prepareConfig?.(given, info) ?? given;
  let targets = config.targetModules;
  let modulesToSave = config.modulesToSave;
  if (config.taskType === 'SEQ_CLS') {
    const heads = ['classifier', 'score'];
    modulesToSave = [...(modulesToSave ?? []), ...heads.filter((h) => !(modulesToSave ?? []).includes(h))];
  }
  if (targets === null) {
    const defaults = method.defaultTargets?.(info.modelType);
    if (!defaults) {
      throw new ConfigError(
        `${method.schema.name}: target_modules is required for model type "${info.modelType}" (no default targets are known for it); pass targetModules, e.g. ['q_proj', 'v_proj'] or 'all-linear'`,
      );
    }
    targets = [...defaults];
  } else if (typeof targets === 'string' && targets.toLowerCase() === 'all-linear') {
    // as PEFT: the output head is left out; a classifier only when it is the head of a SEQ_CLS model
    const head = info.outputHeadPath ?? (config.taskType === 'SEQ_CLS' ? classificationHeadPath(root) : undefined);
    targets = allLinearTargets(root, { outputHead: head ?? null });
  }
  if (targets === config.targetModules && modulesToSave === config.modulesToSave) return config;
  return method.schema.create({ ...(config as object), targetModules: targets, modulesToSave } as never);
}

/**
 * Puts adapter `name` on every module `config` targets: a new layer from the method, or a new adapter
 * in the layer the method already placed there; then wraps `modules_to_save`. Throws NoTargetError
 * when nothing matches and ConfigError when a matched module is of a kind the method cannot wrap.
 * Returns the paths that hold the adapter.
 *
 * @example
 * ```ts
 * const paths = injectAdapter(model, lora, 'default', config, owners);
 * ```
 */
export function injectAdapter<C extends TargetedConfig>(
  root: Module,
  method: PeftMethod<C>,
  name: string,
  config: C,
  owners: LayerOwners,
  opts?: { generator?: Generator },
): string[] {
  if (!method.createLayer) {
    throw new PluginError(`${method.schema.name}: the method does not wrap modules (no createLayer), so it cannot be injected by target_modules`);
  }
  const spec = config;
  validateTargetSpec(spec, method.schema.name);
  const plan: { path: string; module: Module; key: string }[] = [];
  for (const [path, module] of candidateModules(root)) {
    const m = matchTarget(spec, path);
    if (!m.matched) continue;
    const ours = module instanceof AdapterLayer && owners.get(module) === method;
    if (module instanceof AdapterLayer && !ours) {
      // the inner layer would be hidden from the PeftModel (activation, saving, deletion)
      throw new ConfigError(
        `${method.schema.name}: target module "${path}" already holds adapters of another method (${module.constructor.name}: ${module.adapterNames.map((n) => `"${n}"`).join(', ')}); two methods cannot wrap the same module yet: give this adapter targets that leave "${path}" out`,
      );
    }
    if (!ours && method.canWrap && !method.canWrap(module)) {
      throw new ConfigError(
        `${method.schema.name}: target module "${path}" is a ${module.constructor.name}, which the method cannot wrap (it supports the layer kinds listed in its docs)`,
      );
    }
    plan.push({ path, module, key: m.key ?? path });
  }
  if (plan.length === 0) throw noTargetError(root, spec);
  for (const { path, module, key } of plan) {
    const rank = config.rankPattern ? patternValue(config.rankPattern, path)?.value : undefined;
    const alpha = config.alphaPattern ? patternValue(config.alphaPattern, path)?.value : undefined;
    const ctx = { adapterName: name, config, path, targetKey: key, rank, alpha, generator: opts?.generator };
    if (module instanceof AdapterLayer && owners.get(module) === method) {
      (module as AdapterLayer<C>).addAdapter(name, ctx);
    } else {
      const layer = method.createLayer(module, ctx);
      owners.set(layer, method);
      root.replaceModule(path, layer);
    }
  }
  wrapModulesToSave(root, name, config.modulesToSave);
  return plan.map((p) => p.path);
}

/**
 * Wraps each module named in `modules_to_save` (exact path or dotted suffix) in a
 * {@link ModulesToSaveWrapper} holding a trainable copy for adapter `name`.
 *
 * @example
 * ```ts
 * wrapModulesToSave(model, 'default', ['classifier']);
 * ```
 */
export function wrapModulesToSave(root: Module, name: string, modules: readonly string[] | null): string[] {
  if (!modules?.length) return [];
  const found: string[] = [];
  for (const [path, module] of [...candidateModules(root)]) {
    if (!modules.some((m) => path === m || path.endsWith(`.${m}`))) continue;
    if (module instanceof AdapterLayer) {
      throw new ConfigError(`modules_to_save: "${path}" already holds adapter layers; a module cannot be both a target and a module to save`);
    }
    const wrapper = module instanceof ModulesToSaveWrapper ? module : new ModulesToSaveWrapper(module);
    if (wrapper !== module) root.replaceModule(path, wrapper);
    wrapper.addAdapter(name);
    found.push(path);
  }
  return found;
}

/**
 * Puts every adapter layer's base module and every modules-to-save wrapper's current module (the active
 * adapter's trained copy) back where the wrapper was, and frees the adapter parameters that are no
 * longer part of the model.
 *
 * @example
 * ```ts
 * removeAdapterLayers(model); // what unload / mergeAndUnload do after merging
 * ```
 */
export function removeAdapterLayers(root: Module): void {
  const dropped: Module[] = [];
  for (const [path, m] of [...candidateModules(root)]) {
    if (m instanceof AdapterLayer) root.replaceModule(path, m.baseLayer);
    else if (m instanceof ModulesToSaveWrapper) root.replaceModule(path, m.current());
    else continue;
    dropped.push(m);
  }
  const kept = new Set(root.parameters());
  for (const m of dropped) for (const p of m.parameters()) if (!kept.has(p)) p.dispose();
}
