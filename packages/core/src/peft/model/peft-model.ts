import { ArgumentError, MergeError, PluginError } from '../../errors.js';
import type { ModelInfo, ModelInputs, ModelOutput, PretrainedModel } from '../../models/pretrained-model.js';
import type { Embedding } from '../../nn/embedding.js';
import { Module } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import type { Generator } from '../../random.js';
import type { CheckpointSource } from '../../io/checkpoint-source.js';
import type { Tensor } from '../../tensor.js';
import { AdapterLayer } from '../method/adapter-layer.js';
import { BASE_ADAPTER, withAdapterRows } from './adapter-rows.js';
import { applyActiveAdapters } from './adapter-activation.js';
import { checkWeightedRequest } from './weighted-request.js';
import { type LayerOwners, injectAdapter, removeAdapterLayers, resolveTargets, wrapModulesToSave } from '../targeting/adapter-injection.js';
import { TunerRoot } from './tuner-root.js';
import { adapterStateDict, loadAdapterState } from '../files/adapter-state.js';
import { type AdapterFiles, adapterFiles, checkAdapterBase, readAdapterFiles, writeAdapterDirectory } from '../files/adapter-files.js';
import { candidateModules } from '../targeting/candidate-modules.js';
import type { PeftConfig } from '../method/config-schema.js';
import { type MethodRegistry, defaultRegistry } from '../method/method-registry.js';
import { ModulesToSaveWrapper } from './modules-to-save.js';
import type { ExtraParameter, PeftMethod, WeightedAdapterRequest } from '../method/peft-method.js';
import { type TargetExplanation, explainTargets, validateTargetSpec } from '../targeting/target-matching.js';
import { type TargetedConfig, isTargetedConfig } from '../targeting/targeted-config.js';
import { type TrainableCounts, formatTrainableParameters } from './trainable-parameters.js';
import { TrainingHookSet } from './training-hook-set.js';
import { type PromptEncoderContext } from '../prompt/prompt-encoder.js';
import { PromptEncoders, promptForward } from '../prompt/prompt-injection.js';
import { activePromptEncoder, createPromptAdapter, isPromptMethod } from '../prompt/prompt-adapter.js';
import { type CompositionChild, compositionAdapters } from '../composition/composition-block.js';
import { type CompositionState, layerComposition } from '../composition/composition-state.js';
import * as composition from '../composition/composition.js';

/**
 * Options of {@link PeftModel.loadAdapter}: whether the weights train, and for string sources a
 * subfolder (a named adapter saved inside the folder or repository) and a Hub revision.
 *
 * @example
 * ```ts
 * await peft.loadAdapter('user/adapters', 'other', { subfolder: 'other', revision: 'v1' });
 * ```
 */
export interface LoadAdapterOptions {
  isTrainable?: boolean;
  subfolder?: string;
  revision?: string;
}

/** An adapter config that names no base model gets the model's `_name_or_path` (where it was loaded from), as PEFT records it. */
function withBaseModelName(method: PeftMethod, config: PeftConfig, model: PretrainedModel): PeftConfig {
  const name = model.config._name_or_path;
  if (config.baseModelNameOrPath != null || typeof name !== 'string' || name === '') return config;
  return method.schema.create({ ...config, baseModelNameOrPath: name });
}

/** The adapter name `getPeftModel` and `fromPretrained` use unless told otherwise. @example `peft.addAdapter(DEFAULT_ADAPTER, cfg)` */
export const DEFAULT_ADAPTER = 'default';

/**
 * Options for {@link getPeftModel} and {@link PeftModel.fromPretrained}.
 *
 * @example
 * ```ts
 * const opts: PeftModelOptions = { adapterName: 'task-a', registry, warn: () => {} };
 * ```
 */
export interface PeftModelOptions {
  /** The first adapter's name (default `'default'`). */
  adapterName?: string;
  /** Where methods are looked up (default: the global registry of `registerMethod`). */
  registry?: MethodRegistry;
  /** Randomness for new adapter weights (default: the global generator). */
  generator?: Generator;
  /** Receives warnings (unknown config keys, unexpected tensors). Default: `console.warn`. */
  warn?: (message: string) => void;
  /** Tokenizes prompt tuning's `prompt_tuning_init_text` (TEXT init) with the named tokenizer. */
  tokenize?: PromptEncoderContext['tokenize'];
}

/** The inputs of {@link PeftModel.forward}: the model's inputs, plus optional per-row adapter names. @example `{ inputIds, adapterNames: ['a', '__base__'] }` */
export type PeftInputs = ModelInputs & {
  /** One adapter per batch row (`'__base__'` for none); evaluation only. */
  readonly adapterNames?: readonly string[];
};

/**
 * A base model with named adapters on it. Parameters are named as in Hugging Face PEFT
 * (`base_model.model.transformer.h.0.attn.c_attn.lora_A.default.weight`); the base model's weights
 * are frozen; only the active adapters train. It is itself a {@link PretrainedModel}, so generation
 * and training take it where they take a base model.
 *
 * @example
 * ```ts
 * registerMethod(lora);
 * const peft = await getPeftModel(await loadPretrained(directorySource('gpt2')), loraConfig({ r: 8, targetModules: ['c_attn'] }));
 * peft.printTrainableParameters(); // trainable params: 1,024 || all params: 31,744 || trainable%: 3.2258
 * await peft.saveAdapter('out/adapter');
 * ```
 */
export class PeftModel extends Module implements PretrainedModel {
  /** The holder of the base model (`base_model.model` is the base model itself). */
  readonly base_model: TunerRoot;
  /** Every adapter's config by name, in the order they were added. */
  readonly peftConfig = new Map<string, PeftConfig>();
  /** Where methods are looked up. */
  readonly registry: MethodRegistry;
  private active: string[] = [];
  private readonly owners: LayerOwners = new WeakMap();
  private readonly generator: Generator | undefined;
  private readonly warn: (message: string) => void;
  private unloaded = false;
  private readonly hooks = new TrainingHookSet();
  private readonly tokenize: PromptEncoderContext['tokenize'];
  /** The prompt-learning adapters' encoders by name (present once one is added). */
  prompt_encoder?: PromptEncoders;
  /**
   * The composition set with `setComposition` and the adapters of it switched off, or undefined;
   * read and written by the composition helpers (see `activeComposition` for the public view), which
   * take the model as a `PeftHost` (peft-host.ts).
   *
   * @internal
   */
  compositionState: CompositionState | undefined = undefined;

  constructor(model: PretrainedModel, opts?: PeftModelOptions) {
    super();
    if (model instanceof PeftModel) throw new ArgumentError('PeftModel: the model already is a PeftModel; add adapters to it with addAdapter');
    this.base_model = this.registerModule('base_model', new TunerRoot(model));
    this.registry = opts?.registry ?? defaultRegistry();
    this.generator = opts?.generator;
    this.warn = opts?.warn ?? ((m) => console.warn(m));
    this.tokenize = opts?.tokenize;
    model.setRequiresGrad(false);
  }

  /** The base model (with adapter layers inside it). @example `peft.model.info.modelType` */
  get model(): PretrainedModel {
    this.checkLoaded('model');
    return this.base_model.model;
  }

  /** The base model's facts. @example `peft.info.vocabSize` */
  get info(): ModelInfo {
    return this.model.info;
  }

  /** The base model's config. @example `peft.config.n_embd` */
  get config(): Readonly<Record<string, unknown>> {
    return this.model.config;
  }

  /** The active adapters (usually one). @example `peft.activeAdapters // ['default']` */
  get activeAdapters(): readonly string[] {
    return this.active;
  }

  /** The first active adapter. @example `peft.activeAdapter // 'default'` */
  get activeAdapter(): string {
    return this.active[0] ?? DEFAULT_ADAPTER;
  }

  /**
   * Runs the base model with the active adapters. With `adapterNames`, row i uses adapter
   * `adapterNames[i]` (`'__base__'`: none) — evaluation mode only, as in PEFT. With labels, the loss
   * includes the regularisers of the active, trainable adapters' training hooks (AdaLoRA's).
   *
   * @example
   * ```ts
   * const { logits } = peft.forward({ inputIds, adapterNames: ['default', '__base__'] });
   * ```
   */
  forward(inputs: PeftInputs): ModelOutput {
    const { adapterNames, ...rest } = inputs;
    const encoder = activePromptEncoder(this.prompt_encoder, this.active);
    if (encoder && adapterNames) throw new ArgumentError('PeftModel.forward: adapterNames (one adapter per row) does not work with a prompt-learning adapter');
    if (adapterNames === undefined) {
      const out = encoder ? promptForward(this.model, encoder, rest) : this.model.forward(rest);
      const training = this.trainingAdapters();
      if (!out.loss || !this.hooks.has(training)) return out;
      // copied by descriptor: a loss-only output's `logits` is a getter that must not run here
      return Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(out), loss: { value: this.hooks.addRegularizers(out.loss, training, { training: this.training }), enumerable: true } }) as ModelOutput;
    }
    if (this.training) throw new ArgumentError('PeftModel.forward: adapterNames (one adapter per row) works in eval mode only; call eval() first');
    for (const n of adapterNames) {
      if (n !== BASE_ADAPTER && !this.peftConfig.has(n)) throw new ArgumentError(`PeftModel.forward: adapterNames has unknown adapter "${n}" (adapters: ${this.names()})`);
    }
    if (this.layers().some(([, l]) => l.mergedAdapters.length)) throw new ArgumentError('PeftModel.forward: adapterNames cannot be used while adapters are merged; unmerge first');
    return withAdapterRows(adapterNames, () => this.model.forward(rest));
  }

  /**
   * Runs the training hooks of the active, trainable adapters after optimizer step `step` (counted
   * from 0), before the gradients are cleared: AdaLoRA allocates its ranks here. The trainer calls it;
   * call it yourself in a hand-written loop.
   *
   * @example
   * ```ts
   * opt.step();
   * await peft.afterOptimizerStep(step);
   * opt.zeroGrad();
   * ```
   */
  async afterOptimizerStep(step: number): Promise<void> {
    await this.hooks.afterOptimizerStep(step, this.trainingAdapters());
  }

  /**
   * The state the adapters' training hooks keep between steps (AdaLoRA's sensitivity averages), for
   * training checkpoints; keys are `<adapter>.<key>`. The tensors are the hooks' own: do not dispose them.
   *
   * @example
   * ```ts
   * const state = peft.trainingState(); // Map { 'default.ipt.…' => Tensor, … }
   * ```
   */
  trainingState(): Map<string, Tensor> {
    return this.hooks.stateDict();
  }

  /**
   * Restores {@link PeftModel.trainingState} (a resumed run then continues identically).
   *
   * @example
   * ```ts
   * peft.loadTrainingState(saved);
   * ```
   */
  loadTrainingState(state: ReadonlyMap<string, Tensor>): void {
    this.hooks.loadStateDict(state);
  }

  /** The active adapters that train (not loaded for inference). */
  private trainingAdapters(): string[] {
    return this.active.filter((n) => !this.peftConfig.get(n)?.inferenceMode);
  }

  /** The base model's input embedding table. @example `peft.getInputEmbeddings().weight` */
  getInputEmbeddings(): Embedding {
    return this.model.getInputEmbeddings();
  }

  /** The method registered for `config.peftType`. @internal @example `peft.methodOf(cfg)` */
  methodOf(config: PeftConfig): PeftMethod {
    return this.registry.get(config.peftType, 'PeftModel');
  }

  /**
   * Adds adapter `name` with `config`: wraps every targeted module (a new layer, or a new adapter in
   * the method's existing layer) and every module to save. The active adapter does not change; the
   * first adapter added becomes active. Asynchronous because some initialisations (PiSSA, OLoRA) read
   * the base weights back to the host.
   *
   * @example
   * ```ts
   * await peft.addAdapter('other', loraConfig({ r: 4, loraAlpha: 16, targetModules: ['c_attn'] }));
   * peft.setAdapter('other');
   * ```
   */
  async addAdapter(name: string, given: PeftConfig): Promise<void> {
    const config = withBaseModelName(this.methodOf(given), given, this.model);
    if (isPromptMethod(this.methodOf(config))) return this.addPromptAdapter(name, config, false);
    this.addAdapterLayers(name, config);
    try {
      await this.initializeLayers(name);
    } catch (e) {
      this.deleteAdapter(name);
      throw e;
    }
  }

  /** Runs the layers' asynchronous initialisation of adapter `name` (PiSSA / OLoRA rewrite the base weight). */
  private async initializeLayers(name: string): Promise<void> {
    for (const [, layer] of this.layers()) if (layer.hasAdapter(name)) await layer.initializeAdapter?.(name);
  }

  /** Adds a prompt-learning adapter: its encoder goes into `prompt_encoder`, nothing is wrapped. */
  private async addPromptAdapter(name: string, config: PeftConfig, fromFile: boolean): Promise<void> {
    this.checkName(name);
    const made = await createPromptAdapter(this.model, this.methodOf(config), config, { fromFile, generator: this.generator, tokenize: this.tokenize });
    this.prompt_encoder ??= this.registerModule('prompt_encoder', new PromptEncoders());
    this.prompt_encoder.set(name, made.encoder);
    wrapModulesToSave(this.model, name, made.config.modulesToSave);
    this.peftConfig.set(name, made.config);
    if (this.peftConfig.size === 1) this.active = [name];
    applyActiveAdapters(this, this.active);
  }

  private checkName(name: string): void {
    this.checkLoaded('addAdapter');
    if (typeof name !== 'string' || name === '' || name.includes('.') || name === BASE_ADAPTER) {
      throw new ArgumentError(`addAdapter: expected an adapter name without dots (not "${BASE_ADAPTER}"), got ${JSON.stringify(name)}`);
    }
    if (this.peftConfig.has(name)) throw new ArgumentError(`addAdapter: an adapter named "${name}" already exists (adapters: ${this.names()})`);
  }

  /** Injects adapter `name` without the asynchronous initialisation. */
  private addAdapterLayers(name: string, config: PeftConfig, opts?: { fromFile?: boolean }): void {
    this.checkName(name);
    const method = this.methodOf(config) as PeftMethod<TargetedConfig>;
    if (!isTargetedConfig(config)) throw new PluginError(`addAdapter: ${config.peftType} configs have no target_modules; this method is not supported by PeftModel yet`);
    validateTargetSpec(config, method.schema.name);
    const resolved = resolveTargets(method, config, this.model, this.model.info);
    const first = this.peftConfig.size === 0;
    const paths = injectAdapter(this.model, method, name, resolved, this.owners, { generator: this.generator });
    const wrapped = paths.map((p) => (this.model.getModule(p) as AdapterLayer).baseLayer);
    // a file's config is corrected silently: the user cannot change it (PEFT 0.15 wrote such files)
    this.peftConfig.set(name, method.adjustConfig?.(resolved, wrapped, opts?.fromFile ? () => {} : this.warn) ?? resolved);
    const layers = new Map(this.layers().filter(([, l]) => l.hasAdapter(name)));
    this.hooks.set(name, method.trainingHooks?.({ model: this, adapterName: name, layers, config: () => this.peftConfig.get(name) as TargetedConfig, updateConfig: (c) => void this.peftConfig.set(name, c) }));
    if (first) this.active = [name];
    applyActiveAdapters(this, this.active);
  }

  /**
   * Makes the given adapters active (several are summed in every layer). Only active adapters that
   * were not loaded for inference train.
   *
   * @example
   * ```ts
   * peft.setAdapter(['default', 'other']);
   * ```
   */
  setAdapter(names: string | readonly string[]): void {
    this.checkLoaded('setAdapter');
    const list = typeof names === 'string' ? [names] : [...names];
    if (list.length === 0) throw new ArgumentError('setAdapter: expected at least one adapter name');
    for (const n of list) if (!this.peftConfig.has(n)) throw new ArgumentError(`setAdapter: no adapter named "${n}" (adapters: ${this.names()})`);
    const merged = this.layers().some(([, l]) => l.mergedAdapters.length);
    if (merged) this.warn('setAdapter: adapters are merged; unmerging them first');
    this.unmerge();
    composition.clearComposition(this);
    this.active = list;
    applyActiveAdapters(this, this.active);
  }

  /**
   * Makes `block` how the adapters run: a {@link CompositionBlock} (`stack`, `parallel`, `average`,
   * `batchSplit`, nested; see `Stack`, `Parallel`, …) or an adapter name, validated first. Its adapters
   * become the active ones and train together (unless loaded for inference). `setAdapter` forgets it.
   *
   * @example
   * ```ts
   * peft.setComposition(Stack('lora', 'adapters', 'bitfit', 'prefix'));
   * peft.setComposition(Parallel('task-a', 'task-b'));
   * ```
   */
  setComposition(block: CompositionChild): void {
    this.checkLoaded('setComposition');
    composition.setComposition(this, block, { off: [] });
  }

  /** The composition set with `setComposition`, as validated data, or undefined. @example `JSON.stringify(peft.activeComposition)` */
  get activeComposition(): CompositionChild | undefined {
    return composition.activeComposition(this);
  }

  /**
   * Switches adapters of the composition off alone: a stack runs without them, a parallel or average
   * block without their change, batchSplit rows of theirs get the base; they stop training.
   * `enableAdapters` switches them back on; `switchedOffAdapters` lists them.
   *
   * @example
   * ```ts
   * peft.disableAdapters(['bitfit']); // the stack without BitFit
   * ```
   */
  disableAdapters(names: readonly string[]): void {
    this.checkLoaded('disableAdapters');
    composition.disableCompositionAdapters(this, names);
  }

  /** Switches adapters of the composition back on. @example `peft.enableAdapters(['bitfit'])` */
  enableAdapters(names: readonly string[]): void {
    this.checkLoaded('enableAdapters');
    composition.enableCompositionAdapters(this, names);
  }

  /** The adapters of the composition switched off with `disableAdapters`. @example `peft.switchedOffAdapters // ['bitfit']` */
  get switchedOffAdapters(): string[] {
    return composition.switchedOffAdapters(this);
  }

  /**
   * The composition's files by relative path: each adapter's two files in a subfolder named after it
   * and the manifest `composition.json` (the block, the adapters' folders and types, those switched off).
   *
   * @example
   * ```ts
   * const loaded = await PeftModel.loadComposition(model, memorySource(Object.fromEntries(await peft.compositionFiles())), { registry });
   * ```
   */
  compositionFiles(): Promise<Map<string, string | Uint8Array>> {
    this.checkLoaded('compositionFiles');
    return composition.compositionFiles(this);
  }

  /**
   * Saves the composition: each of its adapters into its own subfolder of `dir`, and
   * `composition.json` beside them. Node only.
   *
   * @example
   * ```ts
   * await peft.saveComposition('out/stack');
   * ```
   */
  saveComposition(dir: string): Promise<void> {
    this.checkLoaded('saveComposition');
    return composition.saveComposition(this, dir);
  }

  /**
   * Wraps `model` and loads a composition saved with `saveComposition` (a folder in Node, or any
   * {@link CheckpointSource}): each adapter under its own name, then the composition. The adapters are
   * frozen unless `isTrainable`.
   *
   * @example
   * ```ts
   * const peft = await PeftModel.loadComposition(model, 'out/stack', { registry });
   * ```
   */
  static async loadComposition(model: PretrainedModel, source: string | CheckpointSource, opts?: PeftModelOptions & { isTrainable?: boolean }): Promise<PeftModel> {
    const peft = new PeftModel(model, opts);
    await composition.loadCompositionInto(peft, source, { isTrainable: opts?.isTrainable });
    return peft;
  }

  /**
   * Runs `fn` with every adapter switched off (the base model alone) and switches them back on
   * afterwards, even if `fn` throws. Merged adapters are unmerged first. An asynchronous `fn`
   * (generation, evaluation) keeps them off until its promise settles: run nothing else on the model
   * meanwhile.
   *
   * @example
   * ```ts
   * const baseLogits = peft.disableAdapter(() => peft.forward({ inputIds }).logits);
   * const baseText = await peft.disableAdapter(() => generate(peft, [ids], { maxNewTokens: 8 }));
   * ```
   */
  disableAdapter<T>(fn: () => T): T {
    this.checkLoaded('disableAdapter');
    const toggled = this.layerLikes();
    const restore = (): void => {
      for (const l of toggled) l.disabled = false;
    };
    for (const l of toggled) l.disabled = true;
    let pending = false;
    try {
      const out = fn();
      if (out instanceof Promise) {
        pending = true;
        return out.finally(restore) as T;
      }
      return out;
    } finally {
      if (!pending) restore();
    }
  }

  /**
   * Removes adapter `name` everywhere and frees its weights (layers left without adapters go back to
   * their base module). The active adapter cannot be deleted while it is the only one active.
   *
   * @example
   * ```ts
   * peft.deleteAdapter('other');
   * ```
   */
  deleteAdapter(name: string): void {
    this.checkLoaded('deleteAdapter');
    if (!this.peftConfig.has(name)) throw new ArgumentError(`deleteAdapter: no adapter named "${name}" (adapters: ${this.names()})`);
    const block = this.activeComposition;
    if (block !== undefined && compositionAdapters(block).includes(name)) {
      this.warn(`deleteAdapter: "${name}" is part of the composition; the composition is forgotten`);
      composition.clearComposition(this);
    }
    if (this.active.length === 1 && this.active[0] === name && this.peftConfig.size > 1) {
      const next = [...this.peftConfig.keys()].find((n) => n !== name)!;
      this.warn(`deleteAdapter: "${name}" was active; "${next}" is active now`);
      this.active = [next];
    }
    this.active = this.active.filter((n) => n !== name);
    for (const [path, layer] of this.layers()) {
      layer.deleteAdapter(name);
      if (layer.adapterNames.length === 0) this.model.replaceModule(path, layer.baseLayer);
    }
    for (const [path, w] of this.wrappers()) {
      w.removeAdapter(name);
      if (!w.modules_to_save.size) this.model.replaceModule(path, w.original_module);
    }
    this.prompt_encoder?.delete(name)?.dispose();
    this.peftConfig.delete(name);
    this.hooks.delete(name);
    applyActiveAdapters(this, this.active);
  }

  /**
   * Merges adapters (default: the active ones) into the base weights, so the forward costs what the
   * base model costs. `unmerge` takes them back out.
   *
   * @example
   * ```ts
   * peft.merge();
   * peft.forward({ inputIds }); // same logits, base-model speed
   * ```
   */
  merge(adapterNames: readonly string[] = this.active): void {
    this.checkLoaded('merge');
    for (const n of adapterNames) if (!this.peftConfig.has(n)) throw new ArgumentError(`merge: no adapter named "${n}" (adapters: ${this.names()})`);
    const prompt = adapterNames.filter((n) => this.prompt_encoder?.has(n));
    if (prompt.length) throw new MergeError(`merge: prompt-learning adapters (${prompt.map((n) => `"${n}"`).join(', ')}) add virtual tokens and have no weights to merge into the base model`);
    if (layerComposition(this.compositionState)) throw new MergeError('merge: the composition is not a plain stack (parallel, average or batchSplit); merging adds every adapter\'s change and would not reproduce it. Call setAdapter first');
    for (const [, layer] of this.layers()) layer.merge(adapterNames.filter((n) => layer.hasAdapter(n)));
  }

  /** Takes every merged adapter back out of the base weights. @example `peft.unmerge()` */
  unmerge(): void {
    this.checkLoaded('unmerge');
    for (const [, layer] of this.layers()) layer.unmerge();
  }

  /**
   * Merges the adapters (default: the active ones) and returns the base model with the adapter layers
   * removed (modules to save are replaced by the active adapter's trained copy). This PeftModel can
   * no longer be used.
   *
   * @example
   * ```ts
   * const merged = peft.mergeAndUnload();
   * merged.forward({ inputIds }); // a plain model with the adapter baked in
   * ```
   */
  mergeAndUnload(adapterNames: readonly string[] = this.active): PretrainedModel {
    this.merge(adapterNames);
    return this.unloadLayers();
  }

  /** Removes every adapter layer without merging and returns the base model as it was. @example `const base = peft.unload()` */
  unload(): PretrainedModel {
    this.checkLoaded('unload');
    this.unmerge();
    return this.unloadLayers();
  }

  /**
   * Adds adapter `name` that combines `adapters` with `weights` (`linear`, `cat` or `svd`; see the
   * method's notes for what each means). The method must support it (LoRA and (IA)³ do). The request
   * is checked here, once, before the method sees it: one weight per adapter, all adapters present and
   * of one method, no `modules_to_save` module trained by two of them. If an adapter named `name`
   * exists already, nothing happens (as in Hugging Face PEFT).
   *
   * @example
   * ```ts
   * await peft.addWeightedAdapter(['default', 'other'], [0.7, 0.3], 'mix', 'svd', { svdRank: 4 });
   * peft.setAdapter('mix');
   * ```
   */
  async addWeightedAdapter(
    adapters: readonly string[],
    weights: readonly number[],
    name: string,
    combinationType: WeightedAdapterRequest['combinationType'] = 'svd',
    opts?: { svdRank?: number },
  ): Promise<void> {
    this.checkLoaded('addWeightedAdapter');
    const request = { adapters, weights, name, combinationType, svdRank: opts?.svdRank };
    const configs = checkWeightedRequest(this, request);
    if (!configs) return;
    const method = this.methodOf(configs[0]);
    if (!method.addWeightedAdapter) throw new PluginError(`addWeightedAdapter: ${method.packageName} does not support combining adapters`);
    await method.addWeightedAdapter(this, request);
  }

  /**
   * Counts parameters as Python PEFT does: trainable ones, and all (base, adapters and copies; tied
   * weights once).
   *
   * @example
   * ```ts
   * peft.trainableParameters(); // { trainable: 1024, all: 31744 }
   * ```
   */
  trainableParameters(): TrainableCounts {
    return { trainable: this.numParameters({ trainableOnly: true }), all: this.numParameters() };
  }

  /**
   * Prints (and returns) `trainable params: 1,024 || all params: 31,744 || trainable%: 3.2258`,
   * word for word what Python PEFT prints.
   *
   * @example
   * ```ts
   * peft.printTrainableParameters();
   * ```
   */
  // eslint-disable-next-line no-console -- printing is what this method is for
  printTrainableParameters(log: (line: string) => void = (l) => console.log(l)): string {
    const line = formatTrainableParameters(this.trainableParameters());
    log(line);
    return line;
  }

  /**
   * A dry run: for every module of the base model, whether `config` would wrap it and why (target,
   * excluded, not targeted, layer not transformed, module to save), after the same defaults and
   * `all-linear` expansion `addAdapter` applies. Nothing changes.
   *
   * @example
   * ```ts
   * peft.explainTargets(loraConfig({ targetModules: ['q_proj'] })).filter((e) => e.matched);
   * ```
   */
  explainTargets(config: PeftConfig): TargetExplanation[] {
    const method = this.methodOf(config) as PeftMethod<TargetedConfig>;
    if (!isTargetedConfig(config)) throw new PluginError(`explainTargets: ${config.peftType} configs have no target_modules`);
    validateTargetSpec(config, method.schema.name);
    const resolved = resolveTargets(method, config, this.model, this.model.info);
    return explainTargets(this.model, resolved);
  }

  /** The adapter layers in the model, by path. @example `for (const [path, layer] of peft.layers()) …` */
  layers(): [string, AdapterLayer][] {
    return [...candidateModules(this.model)].filter((e): e is [string, AdapterLayer] => e[1] instanceof AdapterLayer);
  }

  /** The modules-to-save wrappers, by path. @example `peft.wrappers().map(([p]) => p)` */
  wrappers(): [string, ModulesToSaveWrapper][] {
    return [...candidateModules(this.model)].filter((e): e is [string, ModulesToSaveWrapper] => e[1] instanceof ModulesToSaveWrapper);
  }

  /** Base-model parameters adapter `name` also trains or saves (the method's `extraParameters`). @example `peft.extraParameters('default')` */
  extraParameters(name: string): ExtraParameter[] {
    const config = this.peftConfig.get(name);
    if (!config) throw new ArgumentError(`extraParameters: no adapter named "${name}" (adapters: ${this.names()})`);
    const method = this.methodOf(config);
    if (!method.extraParameters) return [];
    const layers = new Map(this.layers().filter(([, l]) => l.hasAdapter(name) && this.owners.get(l) === method));
    return [...method.extraParameters({ model: this.model, layers, adapterName: name, config })];
  }

  /**
   * Adapter `name`'s tensors under the names Hugging Face saves them with
   * (`base_model.model.<path>.lora_A.weight`, the adapter name left out). The values are live
   * parameters: copy them before a training step if they must not change.
   *
   * @example
   * ```ts
   * [...peft.adapterStateDict('default').keys()];
   * ```
   */
  adapterStateDict(name: string = this.activeAdapter): Map<string, Parameter> {
    this.checkLoaded('adapterStateDict');
    if (!this.peftConfig.has(name)) throw new ArgumentError(`adapterStateDict: no adapter named "${name}" (adapters: ${this.names()})`);
    return adapterStateDict(this, name);
  }

  /**
   * Loads saved tensors (Hugging Face names) into adapter `name`. Shapes must match; missing adapter
   * tensors are an error, unexpected ones a warning; f16/bf16 files are upcast.
   *
   * @example
   * ```ts
   * peft.loadAdapterStateDict('default', tensors);
   * ```
   */
  loadAdapterStateDict(name: string, tensors: ReadonlyMap<string, Tensor>, opts?: { label?: string }): void {
    this.checkLoaded('loadAdapterStateDict');
    if (!this.peftConfig.has(name)) throw new ArgumentError(`loadAdapterStateDict: no adapter named "${name}" (adapters: ${this.names()})`);
    loadAdapterState(this, name, tensors, { warn: this.warn, label: opts?.label });
  }

  /**
   * Adapter `name` as Hugging Face's two files: `adapter_config.json` text (sorted keys, as Python
   * writes it) and `adapter_model.safetensors` bytes (metadata `{"format": "pt"}`).
   *
   * @example
   * ```ts
   * const files = await peft.adapterFiles();
   * ```
   */
  adapterFiles(name: string = this.activeAdapter): Promise<AdapterFiles> {
    return adapterFiles(this, name);
  }

  /**
   * Saves adapters (default: all) to a folder in Hugging Face's layout: `default` in the folder itself,
   * any other adapter in a subfolder named after it. Each file is written atomically. Node only.
   *
   * @example
   * ```ts
   * await peft.saveAdapter('out/my-adapter');
   * ```
   */
  async saveAdapter(dir: string, opts?: { adapterNames?: readonly string[] }): Promise<void> {
    this.checkLoaded('saveAdapter');
    const names = opts?.adapterNames ?? [...this.peftConfig.keys()];
    for (const n of names) {
      if (!this.peftConfig.has(n)) throw new ArgumentError(`saveAdapter: no adapter named "${n}" (adapters: ${this.names()})`);
      await writeAdapterDirectory(n === DEFAULT_ADAPTER ? dir : `${dir}/${n}`, await this.adapterFiles(n));
    }
  }

  /**
   * Loads a saved adapter (a folder path in Node, a Hub id once a resolver is installed with
   * `setSourceResolver` / `enableHub()`, or any {@link CheckpointSource}) as adapter `name`; `subfolder`
   * picks a named adapter saved inside it. Its weights are frozen unless `isTrainable`.
   *
   * @example
   * ```ts
   * await peft.loadAdapter('adapters/other', 'other');
   * peft.setAdapter(['default', 'other']);
   * ```
   */
  async loadAdapter(source: string | CheckpointSource, name: string, opts?: LoadAdapterOptions): Promise<void> {
    this.checkLoaded('loadAdapter');
    const backend = this.parameters().next().value?.backend;
    const files = await readAdapterFiles(source, {
      backend,
      beforeWeights: (type) => this.registry.get(type, 'loadAdapter'),
      subfolder: opts?.subfolder,
      revision: opts?.revision,
    });
    const method = this.registry.get(files.peftType, 'loadAdapter');
    const parsed = method.schema.parse(files.config, { warn: this.warn, where: `${files.label}/adapter_config.json` });
    const config = method.schema.create({ ...(parsed as object), inferenceMode: !opts?.isTrainable });
    checkAdapterBase(config, this.model, `${files.label}/adapter_config.json`, this.warn);
    const prompt = isPromptMethod(method);
    if (prompt) await this.addPromptAdapter(name, config, true);
    else this.addAdapterLayers(name, config, { fromFile: true });
    try {
      // as in PEFT, initialisations that rewrite the base weight (PiSSA, OLoRA) run before the saved
      // adapter weights replace the initial ones
      if (!prompt) await this.initializeLayers(name);
      this.loadAdapterStateDict(name, files.tensors, { label: `${files.label}/adapter_model.safetensors` });
    } catch (e) {
      this.deleteAdapter(name);
      throw e;
    } finally {
      for (const t of files.tensors.values()) t.dispose();
    }
  }

  /**
   * Wraps `model` and loads the adapter saved at `source` (Hugging Face's `PeftModel.from_pretrained`).
   * The method for the file's `peft_type` must be registered.
   *
   * @example
   * ```ts
   * registerMethod(lora);
   * const peft = await PeftModel.fromPretrained(model, 'adapters/my-lora');
   * ```
   */
  static async fromPretrained(
    model: PretrainedModel,
    source: string | CheckpointSource,
    opts?: PeftModelOptions & LoadAdapterOptions,
  ): Promise<PeftModel> {
    const peft = new PeftModel(model, opts);
    await peft.loadAdapter(source, opts?.adapterName ?? DEFAULT_ADAPTER, { isTrainable: opts?.isTrainable, subfolder: opts?.subfolder, revision: opts?.revision });
    return peft;
  }

  private unloadLayers(): PretrainedModel {
    const model = this.model;
    removeAdapterLayers(model);
    this.unloaded = true;
    return model;
  }

  private layerLikes(): { disabled: boolean }[] {
    return [...this.layers().map(([, l]) => l), ...this.wrappers().map(([, w]) => w), ...(this.prompt_encoder ? [this.prompt_encoder] : [])];
  }

  private names(): string {
    return [...this.peftConfig.keys()].map((n) => `"${n}"`).join(', ') || 'none';
  }

  private checkLoaded(op: string): void {
    if (this.unloaded) throw new ArgumentError(`${op}: this PeftModel was unloaded (mergeAndUnload / unload); use the model they returned`);
  }
}
