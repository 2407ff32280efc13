import type { Backend } from '../../backend-interface.js';
import { FileFormatError } from '../../errors.js';
import type { CheckpointSource } from '../../io/checkpoint-source.js';
import { formatPythonJson } from '../../io/python-json.js';
import { openSource } from '../../io/source-resolver.js';
import { readSafetensors } from '../../io/safetensors-reader.js';
import { serializeTensors, tensorsFromSafetensors } from '../../io/safetensors-tensors.js';
import type { SafetensorsContents } from '../../io/safetensors.js';
import { JsonNumberText, type JsonValue, parseStrictJson } from '../../io/strict-json.js';
import { validateShape } from '../../io/validate-shape.js';
import { ADAPTER_CONFIG_COMMON_SCHEMA } from './adapter-config-schema.js';
import type { PretrainedModel } from '../../models/pretrained-model.js';
import type { Tensor } from '../../tensor.js';
import { adapterStateDict } from './adapter-state.js';
import type { PeftHost } from '../model/peft-host.js';
import { promptSavedState } from '../prompt/prompt-adapter.js';

/** The file names of a saved adapter, as Hugging Face PEFT writes them. */
export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
/** The weights file of a saved adapter. @example `join(dir, ADAPTER_WEIGHTS_FILE)` */
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

/**
 * One adapter as Hugging Face's two files: the config text and the safetensors bytes.
 *
 * @example
 * ```ts
 * const { config, weights } = await peft.adapterFiles();
 * ```
 */
export interface AdapterFiles {
  /** `adapter_config.json`: sorted keys, two-space indent, as Python's `json.dumps` writes it. */
  readonly config: string;
  /** `adapter_model.safetensors` with metadata `{"format": "pt"}`. */
  readonly weights: Uint8Array;
}

/**
 * Serialises adapter `name` of `peft`.
 *
 * @example
 * ```ts
 * const files = await adapterFiles(peft, 'default');
 * ```
 */
export async function adapterFiles(peft: PeftHost, name: string): Promise<AdapterFiles> {
  const config = peft.peftConfig.get(name);
  if (!config) throw new FileFormatError(`adapterFiles: no adapter named "${name}"`);
  const method = peft.methodOf(config);
  // the first matching pattern wins, so their order is kept (Python PEFT sorts them, which can change
  // the ranks of its own adapter on reload)
  const text = formatPythonJson(method.schema.toJson(config), { keepOrderOf: ['rank_pattern', 'alpha_pattern'] });
  const encoder = peft.prompt_encoder?.has(name) ? peft.prompt_encoder.get(name) : undefined;
  const live: ReadonlyMap<string, Tensor> = adapterStateDict(peft, name);
  const state: ReadonlyMap<string, Tensor> = encoder ? new Map([...live, ...promptSavedState(encoder)]) : live;
  const layers = new Map(peft.layers().filter(([, l]) => l.hasAdapter(name)));
  const saved = method.savedState?.({ model: peft.model, layers, adapterName: name, config }, state) ?? state;
  try {
    const weights = await serializeTensors(saved, { metadata: { format: 'pt' } });
    return { config: text, weights };
  } finally {
    const kept = new Set(live.values());
    for (const t of saved.values()) if (!kept.has(t)) t.dispose();
  }
}

/**
 * Writes the two files into `dir` (created if needed) atomically: both are written to temporary files
 * and flushed before either is renamed into place (weights first), so a crash leaves the previous pair
 * (or, only if it falls between the two renames, the new weights beside the previous config).
 * Node only.
 *
 * @example
 * ```ts
 * await writeAdapterDirectory('out/adapter', await peft.adapterFiles());
 * ```
 */
export async function writeAdapterDirectory(dir: string, files: AdapterFiles): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  const { writeFilesAtomic } = await import('../../io/atomic-write.js');
  await mkdir(dir, { recursive: true });
  await writeFilesAtomic(dir, [
    [ADAPTER_WEIGHTS_FILE, files.weights],
    [ADAPTER_CONFIG_FILE, new TextEncoder().encode(files.config)],
  ]);
}

/**
 * A saved adapter read back: the parsed config (key order kept), its `peft_type`, and the tensors
 * (on `backend`, floats as f32). The caller disposes the tensors.
 *
 * @example
 * ```ts
 * const { peftType, tensors } = await readAdapterFiles('adapters/my-lora');
 * ```
 */
export interface ReadAdapter {
  readonly label: string;
  readonly peftType: string;
  readonly config: Map<string, JsonValue>;
  readonly tensors: Map<string, Tensor>;
}

/**
 * Reads an adapter folder (a path in Node, or any {@link CheckpointSource}); malformed or missing files
 * give a FileFormatError naming the file. `beforeWeights` sees the config before the weights are read
 * (to refuse an adapter early, e.g. when its method is not registered).
 *
 * @example
 * ```ts
 * const adapter = await readAdapterFiles(memorySource({ 'adapter_config.json': text, 'adapter_model.safetensors': bytes }));
 * ```
 */
export async function readAdapterFiles(
  source: string | CheckpointSource,
  opts?: { backend?: Backend; beforeWeights?: (peftType: string, config: Map<string, JsonValue>) => void; subfolder?: string; revision?: string },
): Promise<ReadAdapter> {
  const src = typeof source === 'string' ? await openSource(source, { kind: 'adapter', subfolder: opts?.subfolder, revision: opts?.revision }) : source;
  const where = `${src.label}/${ADAPTER_CONFIG_FILE}`;
  const text = await src.readText(ADAPTER_CONFIG_FILE);
  if (text === undefined) throw new FileFormatError(`loadAdapter: ${where} not found (expected a folder written by saveAdapter or PEFT's save_pretrained)`);
  const config = parseStrictJson(text, where);
  if (!(config instanceof Map)) throw new FileFormatError(`${where}: expected a JSON object, got ${Array.isArray(config) ? 'an array' : typeof config}`);
  const { peft_type: peftType } = validateShape(ADAPTER_CONFIG_COMMON_SCHEMA, Object.fromEntries(config), {
    file: where,
    hint: 'peft_type names the method, such as "LORA"; expected a folder written by saveAdapter or PEFT\'s save_pretrained',
  });
  opts?.beforeWeights?.(peftType, config);
  if (!(await src.has(ADAPTER_WEIGHTS_FILE))) {
    const bin = await src.has('adapter_model.bin');
    throw new FileFormatError(
      `loadAdapter: ${src.label}/${ADAPTER_WEIGHTS_FILE} not found${bin ? ' (the folder has adapter_model.bin: PyTorch pickles are not read; save the adapter with safe_serialization=True)' : ''}`,
    );
  }
  const contents = await src.withBytes(ADAPTER_WEIGHTS_FILE, (bytes) => readSafetensors(bytes));
  checkSizesFitWeights(config, contents, where);
  const tensors = tensorsFromSafetensors(contents, { backend: opts?.backend });
  return { label: src.label, peftType, config, tensors };
}

/** Ranks: each is a dimension of some saved tensor (lora_A is [r, in], AdaLoRA's lora_E [r, 1]). */
const RANK_FIELDS = ['r', 'init_r', 'target_r'];

/**
 * Refuses, before the adapter is built, size fields that the saved weights cannot back: a rank larger
 * than every dimension in the file, or a prompt (`num_virtual_tokens` × `token_dim`, p-tuning's
 * encoder) far larger than the file's values. Building the adapter allocates from these numbers
 * before the weights' shapes are compared, so a corrupted config would otherwise allocate gigabytes
 * (or fail inside the allocator).
 */
function checkSizesFitWeights(config: Map<string, JsonValue>, contents: SafetensorsContents, where: string): void {
  let maxDim = 0;
  let values = 0;
  for (const t of contents.tensors.values()) {
    let n = 1;
    for (const d of t.shape) {
      maxDim = Math.max(maxDim, d);
      n *= d;
    }
    values += n;
  }
  const num = (key: string): number | undefined => {
    const v = config.get(key);
    const x = v instanceof JsonNumberText ? v.value : v;
    return typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : undefined;
  };
  const refuse = (what: string, got: number, limit: string): never => {
    throw new FileFormatError(`${where}: ${what} is ${got}, but ${ADAPTER_WEIGHTS_FILE} ${limit}; the config and the weights do not belong together`);
  };
  for (const key of RANK_FIELDS) {
    const r = num(key);
    if (r !== undefined && r > maxDim) refuse(`"${key}"`, r, `has no dimension above ${maxDim}`);
  }
  const pattern = config.get('rank_pattern');
  if (pattern instanceof Map) {
    for (const [name, v] of pattern) {
      const r = v instanceof JsonNumberText ? v.value : v;
      if (typeof r === 'number' && r > maxDim) refuse(`rank_pattern["${name}"]`, r, `has no dimension above ${maxDim}`);
    }
  }
  // prompt learning: the prompt table, and p-tuning's encoder (not saved: bounded more loosely)
  const tokens = num('num_virtual_tokens') ?? 1;
  const dim = num('token_dim') ?? 1;
  const prompt = tokens * dim * (num('num_transformer_submodules') ?? 1);
  if (prompt > values) refuse('num_virtual_tokens × token_dim × num_transformer_submodules', prompt, `holds ${values} values`);
  const encoder = (num('encoder_hidden_size') ?? 1) * dim * Math.max(1, num('encoder_num_layers') ?? 1);
  const loose = 64 * values + 2 ** 22;
  if (encoder > loose) refuse('encoder_hidden_size × token_dim × encoder_num_layers', encoder, `holds ${values} values (at most ${loose} allowed for an encoder that is not saved)`);
  const layers = num('num_layers');
  if (layers !== undefined && layers > values) refuse('"num_layers"', layers, `holds ${values} values`);
}

/** The last path segment of a model name or folder (`openai-community/gpt2` and `./models/gpt2/` both give `gpt2`). */
function modelBaseName(name: string): string {
  return name.replace(/[\\/]+$/, '').split(/[\\/]/).pop()!.toLowerCase();
}

/**
 * Warns, as Python PEFT does, when an adapter meets a base model it may not belong to: its
 * `base_model_name_or_path` names another model than the base's `_name_or_path` (compared by last
 * path segment, so a Hub id and a local copy agree), or its `task_type` is for another head
 * (a causal-LM adapter on a classifier). Shapes that do not fit are errors later, when the weights load.
 *
 * @example
 * ```ts
 * checkAdapterBase({ baseModelNameOrPath: 'gpt2', taskType: 'CAUSAL_LM' }, model, 'adapters/a/adapter_config.json', console.warn);
 * ```
 */
export function checkAdapterBase(
  config: { readonly baseModelNameOrPath?: string | null; readonly taskType?: string | null },
  model: Pick<PretrainedModel, 'config' | 'info'>,
  where: string,
  warn: (message: string) => void,
): void {
  const adapterBase = config.baseModelNameOrPath;
  const modelName = model.config._name_or_path ?? model.config.name_or_path;
  if (typeof adapterBase === 'string' && adapterBase && typeof modelName === 'string' && modelName && modelBaseName(adapterBase) !== modelBaseName(modelName)) {
    warn(`${where}: the adapter was trained on base model "${adapterBase}", but it is being loaded onto "${modelName}"; if their weights differ its outputs are meaningless`);
  }
  const task = model.info.task;
  const heads: Record<string, ModelInfoTask> = { CAUSAL_LM: 'causal-lm', SEQ_CLS: 'sequence-classification', SEQ_2_SEQ_LM: 'seq2seq-lm' };
  const head = config.taskType && Object.hasOwn(heads, config.taskType) ? heads[config.taskType] : undefined;
  if (head && task !== 'base' && head !== task) {
    warn(`${where}: task_type ${config.taskType} is for a ${head} model, but the base model is a ${task} model (${model.info.modelType})`);
  }
}

type ModelInfoTask = PretrainedModel['info']['task'];
