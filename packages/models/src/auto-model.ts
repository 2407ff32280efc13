import { ConfigError, DEVICE_ERROR_ADVICE, DeviceError, FileFormatError, type Backend, type PretrainedModel, type CheckpointSource } from '@peft/core';
import { createShapeBackend, getBackend } from '@peft/core/backend';
import { openSource, validateShape } from '@peft/core/plugin';
import { type Architecture, registeredArchitectures } from './architecture.js';
import { bertArchitecture } from './bert/architecture.js';
import { largestCheckpointTensor, loadCheckpointWeights } from './checkpoint-weights.js';
import { type WeightDType, configWeightDType, keptWeightDType } from './weight-dtype.js';
import { ConfigReader } from './config-reader.js';
import { gpt2Architecture } from './gpt2/architecture.js';
import { checkConfigFitsCheckpoint } from './input-validation.js';
import { parseJsonObject } from './json-object.js';
import { llamaArchitecture } from './llama/architecture.js';
import { t5Architecture } from './t5/architecture.js';

const BUILT_IN: readonly Architecture[] = [gpt2Architecture, llamaArchitecture, bertArchitecture, t5Architecture];

function allArchitectures(): Architecture[] {
  return [...registeredArchitectures(), ...BUILT_IN];
}

/**
 * The transformers class names the loader can build (`GPT2LMHeadModel`, `LlamaForCausalLM`, …).
 *
 * @example
 * ```ts
 * supportedArchitectures().includes('BertForSequenceClassification'); // true
 * ```
 */
export function supportedArchitectures(): string[] {
  return allArchitectures().flatMap((a) => Object.keys(a.classes));
}

/**
 * Finds the family and class for a parsed config.json: by `architectures[0]` when the loader knows it,
 * else by `model_type`. Unknown ones get a `ConfigError` listing what is supported.
 *
 * @example
 * ```ts
 * const { className } = resolveArchitecture(config); // 'GPT2LMHeadModel'
 * ```
 */
export function resolveArchitecture(config: Readonly<Record<string, unknown>>, where = 'config.json'): { architecture: Architecture; className: string } {
  const archs = allArchitectures();
  const named = Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : [];
  for (const name of named) {
    const architecture = archs.find((a) => Object.hasOwn(a.classes, name));
    if (architecture) return { architecture, className: name };
  }
  const type = config.model_type;
  const byType = typeof type === 'string' ? archs.find((a) => a.modelTypes.includes(type)) : undefined;
  if (byType && named.length === 0) return { architecture: byType, className: byType.defaultClass };
  const got = named.length ? `architectures ${JSON.stringify(named)}` : `model_type ${JSON.stringify(type)}`;
  throw new ConfigError(
    `${where}: unsupported model: ${got}; supported architectures are ${supportedArchitectures().join(', ')} (model types ${archs.flatMap((a) => a.modelTypes).join(', ')})`,
  );
}

/**
 * Reads and parses a checkpoint's `config.json` (strict JSON; a clear error when absent or malformed).
 *
 * @example
 * ```ts
 * const config = await readModelConfig(directorySource('./gpt2'));
 * config.model_type; // 'gpt2'
 * ```
 */
export async function readModelConfig(source: CheckpointSource): Promise<Record<string, unknown>> {
  const where = `${source.label}/config.json`;
  const text = await source.readText('config.json');
  if (text === undefined) throw new FileFormatError(`${where}: not found; expected a Hugging Face model folder with config.json`);
  return parseJsonObject(text, where);
}

/**
 * Options of {@link loadPretrained} and {@link createModel}.
 *
 * @example
 * ```ts
 * const opts: LoadPretrainedOptions = { backend: gpu, onWarning: () => {} };
 * ```
 */
export interface LoadPretrainedOptions {
  /** Backend for the weights (default: the current backend). */
  backend?: Backend;
  /** A transformers class name to build instead of the config's (`GPT2Model` for the bare body). */
  className?: string;
  /** Receives notes about ignored or newly initialised tensors (default: `console.warn`). */
  onWarning?: (message: string) => void;
  /** For a Hub id: a branch, tag or commit (default `main`). */
  revision?: string;
  /**
   * The dtype weight matrices are kept in (default `'auto'`: the checkpoint's, so a bf16 checkpoint
   * takes half the memory of f32; `'f32'` widens them). Adapters always train in f32.
   */
  dtype?: WeightDType;
}

/**
 * Opens a string as a checkpoint: a local folder when it exists, else a Hub id through the installed
 * resolver (`enableHub()` from `@peft/hub/node`, or the browser's `enableBrowserHub()`); sources pass through.
 *
 * @example
 * ```ts
 * const source = await checkpointSource('HuggingFaceTB/SmolLM2-135M', { revision: 'main' });
 * ```
 */
export async function checkpointSource(source: string | CheckpointSource, opts: { revision?: string } = {}): Promise<CheckpointSource> {
  return typeof source === 'string' ? openSource(source, { kind: 'model', revision: opts.revision }) : source;
}

/**
 * Builds a model from a parsed config.json, with freshly initialised weights (or zeros with
 * `skipInit`), every parameter in `dtype` when it is `'bf16'` or `'f16'` (else f32).
 *
 * @example
 * ```ts
 * const model = createModel({ model_type: 'gpt2', n_embd: 128, n_layer: 4, n_head: 4, vocab_size: 512 });
 * ```
 */
export function createModel(config: Readonly<Record<string, unknown>>, opts: LoadPretrainedOptions & { skipInit?: boolean } = {}): PretrainedModel {
  const { architecture, className } = pick(config, opts.className, 'config');
  checkConfigShape(architecture, config, 'config');
  const dtype = opts.dtype === 'bf16' || opts.dtype === 'f16' ? opts.dtype : undefined;
  return architecture.classes[className](new ConfigReader(config), { backend: opts.backend, skipInit: opts.skipInit, dtype });
}

/**
 * Loads a Hugging Face checkpoint (a source, a folder path, or a Hub id such as `org/name` once a
 * resolver is installed): reads config.json, builds the architecture it names, and reads the
 * weights (single or sharded safetensors, f32/f16/bf16) into it. The model comes back in eval mode.
 *
 * @example
 * ```ts
 * import { directorySource } from '@peft/models/node';
 * const model = await loadPretrained(directorySource('./models/gpt2'));
 * const { logits } = model.forward({ inputIds: ids });
 * ```
 */
export async function loadPretrained(from: string | CheckpointSource, opts: LoadPretrainedOptions = {}): Promise<PretrainedModel> {
  const source = await checkpointSource(from, opts);
  const read = await readModelConfig(source);
  // transformers records where the model came from; PEFT saves it as the adapter's base_model_name_or_path
  const config = source.nameOrPath === undefined ? read : { ...read, _name_or_path: source.nameOrPath };
  const { architecture, className } = pick(config, opts.className, `${source.label}/config.json`);
  checkConfigShape(architecture, config, `${source.label}/config.json`);
  const reader = new ConfigReader(config, `${source.label}/config.json`);
  await checkConfigFitsCheckpoint(config, source, `${source.label}/config.json`, architecture.parameterLowerBound?.(reader));
  const build = architecture.classes[className];
  const backend = opts.backend ?? getBackend();
  // the model is described on shapes (to name a weight too large) only when the headers hold one: building
  // a second model costs time, and leaves the step's call sites polymorphic for the rest of the process
  const most = backend.maxBufferBytes === undefined ? 0 : await largestCheckpointTensor(source);
  if (most === undefined || most * 4 > backend.maxBufferBytes!) {
    checkWeightsFitBuffers(() => build(reader, { backend: createShapeBackend(), skipInit: true }), backend, source.label);
  }
  const configDType = configWeightDType(config);
  // placeholders in the dtype the weights will take, so the model never exists whole in f32
  const kept = keptWeightDType(opts.dtype ?? 'auto', configDType, 'F32', 2, backend);
  let model: PretrainedModel | undefined;
  try {
    model = build(reader, { backend: opts.backend, skipInit: true, dtype: kept === 'f32' ? undefined : kept });
    await loadCheckpointWeights(model, source, architecture.weights(className, reader), { ...opts, configDType });
  } catch (e) {
    if (model) for (const [, t] of model.stateDict()) if (!t.isDisposed) t.dispose();
    throw asLoadError(e, source.label);
  }
  model.eval();
  return model;
}

/**
 * Refuses, before anything is allocated, a model with a weight larger than the device's largest
 * buffer (`backend.maxBufferBytes`), naming the weight: a smaller batch cannot help with that.
 */
function checkWeightsFitBuffers(describe: () => PretrainedModel, backend: Backend, label: string): void {
  const max = backend.maxBufferBytes;
  if (max === undefined) return;
  let shapeModel: PretrainedModel;
  try {
    shapeModel = describe();
  } catch {
    return; // a model that cannot be described on shapes (a third-party layer's own kernel) is built and reported as before
  }
  const tooLarge = [...shapeModel.namedParameters(), ...shapeModel.namedBuffers()].filter(([, t]) => t.nbytes > max);
  if (tooLarge.length === 0) return;
  const shown = tooLarge.slice(0, 3).map(([name, t]) => `"${name}" [${t.shape.join(', ')}] ${t.dtype} (${t.nbytes} bytes)`).join(', ');
  throw new DeviceError(
    'OUT_OF_MEMORY',
    `${label}: cannot load the model on ${backend.description}: ${tooLarge.length === 1 ? 'the weight' : `${tooLarge.length} weights, such as`} ${shown} ${tooLarge.length === 1 ? 'is' : 'are'} larger than the largest buffer this device allocates (${max} bytes); nothing was allocated`,
    { advice: DEVICE_ERROR_ADVICE.WEIGHT_OUT_OF_MEMORY },
  );
}

/** An allocation that failed while the weights were being created or read is about the weights, not the batch. */
function asLoadError(e: unknown, label: string): unknown {
  if (!(e instanceof DeviceError) || e.code !== 'OUT_OF_MEMORY') return e;
  const first = e.message.split('\n')[0];
  return new DeviceError('OUT_OF_MEMORY', `${label}: loading the weights failed: ${first}`, { cause: e, advice: DEVICE_ERROR_ADVICE.WEIGHT_OUT_OF_MEMORY });
}

function pick(config: Readonly<Record<string, unknown>>, className: string | undefined, where: string): { architecture: Architecture; className: string } {
  if (className === undefined) return resolveArchitecture(config, where);
  const architecture = allArchitectures().find((a) => Object.hasOwn(a.classes, className));
  if (!architecture) throw new ConfigError(`${where}: unknown class "${className}"; supported architectures are ${supportedArchitectures().join(', ')}`);
  return { architecture, className };
}

/** Checks the fields the architecture reads against its declared schema, before anything is built. */
function checkConfigShape(architecture: Architecture, config: Readonly<Record<string, unknown>>, where: string): void {
  if (architecture.configSchema) validateShape(architecture.configSchema, config, { file: where, error: 'config' });
}
