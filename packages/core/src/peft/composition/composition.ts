import { ArgumentError, ConfigError } from '../../errors.js';
import type { CheckpointSource } from '../../io/checkpoint-source.js';
import { type AdapterFiles, adapterFiles, writeAdapterDirectory } from '../files/adapter-files.js';
import { type AdapterKinds, type CompositionChild, compositionAdapters, validateComposition } from './composition-block.js';
import { type CompositionState, layerComposition } from './composition-state.js';
import type { PeftHost } from '../model/peft-host.js';

/** The manifest a saved composition keeps beside its adapter folders. @example `source.readText(COMPOSITION_FILE)` */
export const COMPOSITION_FILE = 'composition.json';

/**
 * What each adapter of `peft` is for the validator: `'prompt'` for prompt-learning adapters,
 * `'layer'` for the rest.
 *
 * @example
 * ```ts
 * adapterKinds(peft); // Map { 'lora' => 'layer', 'prefix' => 'prompt' }
 * ```
 */
export function adapterKinds(peft: PeftHost): AdapterKinds {
  return new Map([...peft.peftConfig.keys()].map((n) => [n, peft.prompt_encoder?.has(n) ? 'prompt' : 'layer'] as const));
}

/**
 * Makes `block` how `peft`'s adapters run (see {@link CompositionBlock}): validates it, makes its
 * adapters the active ones (so all of them train together, unless loaded for inference) and hands
 * the block to every adapter layer. Adapters switched off with {@link disableCompositionAdapters}
 * stay off. A plain adapter name or a stack of names runs exactly as `setAdapter([...names])`.
 *
 * @example
 * ```ts
 * setComposition(peft, Stack('lora', 'adapters', 'bitfit', 'prefix'));
 * ```
 */
export function setComposition(peft: PeftHost, block: CompositionChild, opts?: { off?: Iterable<string> }): void {
  const checked = validateComposition(block, adapterKinds(peft));
  const names = compositionAdapters(checked);
  const off = new Set(opts?.off ?? peft.compositionState?.off ?? []);
  for (const n of off) if (!names.includes(n)) off.delete(n);
  const on = names.filter((n) => !off.has(n));
  if (on.length === 0) throw new ArgumentError(`setComposition: every adapter of the composition is switched off (${names.map((n) => `"${n}"`).join(', ')}); switch one on, or use disableAdapter(fn) for the base model alone`);
  peft.setAdapter(on); // forgets the previous composition
  peft.compositionState = { block: checked, off };
  const perLayer = layerComposition(peft.compositionState);
  for (const [, layer] of peft.layers()) layer.composition = perLayer;
}

/**
 * The composition set with {@link setComposition}, or undefined.
 *
 * @example
 * ```ts
 * activeComposition(peft); // { type: 'stack', children: ['lora', 'bitfit'] }
 * ```
 */
export function activeComposition(peft: PeftHost): CompositionChild | undefined {
  return peft.compositionState?.block;
}

/** The adapters of the composition switched off with {@link disableCompositionAdapters}. @example `switchedOffAdapters(peft) // ['bitfit']` */
export function switchedOffAdapters(peft: PeftHost): string[] {
  return [...(peft.compositionState?.off ?? [])];
}

/**
 * Forgets the composition: every layer goes back to applying its active adapters in turn. The active
 * adapters do not change.
 *
 * @example
 * ```ts
 * clearComposition(peft);
 * ```
 */
export function clearComposition(peft: PeftHost): void {
  if (!peft.compositionState) return;
  peft.compositionState = undefined;
  for (const [, layer] of peft.layers()) layer.composition = undefined;
}

function current(peft: PeftHost, op: string): CompositionState {
  const state = peft.compositionState;
  if (!state) throw new ArgumentError(`${op}: no composition is set; call setComposition first`);
  return state;
}

/**
 * Switches adapters of the composition off (they act as if absent from it: a stack runs without them,
 * a parallel or average block without their change, batchSplit rows get the base) and stops training
 * them. {@link enableCompositionAdapters} switches them back on.
 *
 * @example
 * ```ts
 * disableCompositionAdapters(peft, ['bitfit']);
 * ```
 */
export function disableCompositionAdapters(peft: PeftHost, names: readonly string[]): void {
  const state = current(peft, 'disableAdapters');
  const used = compositionAdapters(state.block);
  for (const n of names) {
    if (!used.includes(n)) throw new ArgumentError(`disableAdapters: "${n}" is not in the composition (it uses ${used.map((u) => `"${u}"`).join(', ')})`);
  }
  setComposition(peft, state.block, { off: [...state.off, ...names] });
}

/** Switches adapters of the composition back on. @example `enableCompositionAdapters(peft, ['bitfit'])` */
export function enableCompositionAdapters(peft: PeftHost, names: readonly string[]): void {
  const state = current(peft, 'enableAdapters');
  setComposition(peft, state.block, { off: [...state.off].filter((n) => !names.includes(n)) });
}

/**
 * The manifest and every adapter's files of the composition, by path relative to the folder: each
 * adapter in a subfolder named after it (`lora/adapter_config.json`, …) and `composition.json`
 * (`{ composition, adapters: { name: { path, peft_type } }, disabled }`).
 *
 * @example
 * ```ts
 * const files = await compositionFiles(peft);
 * const source = memorySource(Object.fromEntries([...files].map(([k, f]) => [k, f])));
 * ```
 */
export async function compositionFiles(peft: PeftHost): Promise<Map<string, string | Uint8Array>> {
  const state = current(peft, 'saveComposition');
  const files = new Map<string, string | Uint8Array>();
  const adapters: Record<string, { path: string; peft_type: string }> = {};
  for (const n of compositionAdapters(state.block)) {
    const f: AdapterFiles = await adapterFiles(peft, n);
    files.set(`${n}/adapter_config.json`, f.config);
    files.set(`${n}/adapter_model.safetensors`, f.weights);
    adapters[n] = { path: n, peft_type: peft.peftConfig.get(n)!.peftType };
  }
  const manifest = { composition: state.block, adapters, disabled: [...state.off] };
  files.set(COMPOSITION_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
  return files;
}

/**
 * Saves the composition's adapters, each into its own subfolder of `dir`, and `composition.json`
 * beside them. Node only.
 *
 * @example
 * ```ts
 * await saveComposition(peft, 'out/stack');
 * ```
 */
export async function saveComposition(peft: PeftHost, dir: string): Promise<void> {
  const files = await compositionFiles(peft);
  for (const n of compositionAdapters(current(peft, 'saveComposition').block)) {
    await writeAdapterDirectory(`${dir}/${n}`, {
      config: files.get(`${n}/adapter_config.json`) as string,
      weights: files.get(`${n}/adapter_model.safetensors`) as Uint8Array,
    });
  }
  const { writeFileAtomic, writeAll } = await import('../../io/atomic-write.js');
  await writeFileAtomic(`${dir}/${COMPOSITION_FILE}`, (h) => writeAll(h, new TextEncoder().encode(files.get(COMPOSITION_FILE) as string)));
}

/**
 * The files of `source` under subfolder `folder`, as a source of their own.
 *
 * @example
 * ```ts
 * await peft.loadAdapter(subSource(source, 'lora'), 'lora');
 * ```
 */
export function subSource(source: CheckpointSource, folder: string): CheckpointSource {
  const name = (n: string): string => `${folder}/${n}`;
  return {
    label: `${source.label}/${folder}`,
    has: (n) => source.has(name(n)),
    readText: (n) => source.readText(name(n)),
    withBytes: (n, fn) => source.withBytes(name(n), fn),
  };
}

/**
 * Loads a saved composition (a folder in Node, or any {@link CheckpointSource}) into `peft` (a
 * PeftModel without those adapters): every adapter from its subfolder under its own name, frozen
 * unless `isTrainable`, then the composition and the adapters that were switched off. The methods of
 * the adapters' `peft_type`s must be registered. `PeftModel.loadComposition` wraps a model and calls it.
 *
 * @example
 * ```ts
 * await loadCompositionInto(new PeftModel(model, { registry }), 'out/stack');
 * ```
 */
export async function loadCompositionInto(peft: PeftHost, source: string | CheckpointSource, opts?: { isTrainable?: boolean }): Promise<void> {
  const src = typeof source === 'string' ? (await import('../../io/directory-source.js')).directorySource(source) : source;
  const text = await src.readText(COMPOSITION_FILE);
  if (text === undefined) throw new ArgumentError(`loadComposition: ${src.label} has no ${COMPOSITION_FILE}`);
  let manifest: { composition?: unknown; adapters?: unknown; disabled?: unknown };
  try {
    manifest = JSON.parse(text) as typeof manifest;
  } catch (e) {
    throw new ConfigError(`loadComposition: ${src.label}/${COMPOSITION_FILE} is not valid JSON (${(e as Error).message})`);
  }
  const adapters = manifest.adapters;
  if (typeof adapters !== 'object' || adapters === null || Array.isArray(adapters)) {
    throw new ConfigError(`loadComposition: ${src.label}/${COMPOSITION_FILE}: expected "adapters" to be an object of { path, peft_type } by name, got ${JSON.stringify(adapters)}`);
  }
  for (const [name, entry] of Object.entries(adapters as Record<string, { path?: unknown }>)) {
    const path = typeof entry?.path === 'string' ? entry.path : name;
    await peft.loadAdapter(subSource(src, path), name, { isTrainable: opts?.isTrainable });
  }
  const off = Array.isArray(manifest.disabled) ? (manifest.disabled as unknown[]).filter((n): n is string => typeof n === 'string') : [];
  setComposition(peft, manifest.composition as CompositionChild, { off });
}
