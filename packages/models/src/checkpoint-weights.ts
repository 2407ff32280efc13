import {
  FileFormatError,
  ShapeError,
  type Backend,
  type Module,
  type SafetensorsEntry,
  readSafetensors,
  readSafetensorsHeader,
  tensorsFromSafetensors,
  type CheckpointSource,
  type DType,
  getBackend,
  noGrad,
  tidy,
} from '@peft/core';
import { type Variable, cast } from '@peft/core/plugin';
import { type WeightDType, keptWeightDType } from './weight-dtype.js';
import { parseJsonObject } from './json-object.js';

/**
 * How an architecture's checkpoint names map onto its module's parameter names.
 *
 * @example
 * ```ts
 * const mapping: WeightMapping = { rename: (k) => (k.startsWith('h.') ? `transformer.${k}` : k) };
 * ```
 */
export interface WeightMapping {
  /** The model's name for a checkpoint tensor, or undefined to ignore it silently (stale buffers). */
  rename?(fileKey: string): string | undefined;
  /** Model tensors a checkpoint may lack; they keep their initial values and a warning names them (new heads). */
  optional?(modelKey: string): boolean;
  /** Model tensors that are absent from files by design and need no warning (tied copies). */
  derived?(modelKey: string): boolean;
}

/**
 * Options of {@link loadCheckpointWeights}.
 *
 * @example
 * ```ts
 * const opts: LoadWeightsOptions = { backend, onWarning: (m) => console.warn(m) };
 * ```
 */
export interface LoadWeightsOptions {
  /** Backend for the weights (default: the current backend). */
  backend?: Backend;
  /** Receives notes about ignored or newly initialised tensors (default: `console.warn`). */
  onWarning?: (message: string) => void;
  /** The dtype weight matrices are kept in (default `'auto'`: the checkpoint's). */
  dtype?: WeightDType;
  /** The dtype config.json records (`torch_dtype` / `dtype`), which `'auto'` follows. */
  configDType?: DType;
}

/** The shard file of each tensor, from `model.safetensors.index.json` or the single `model.safetensors`. */
/**
 * The most elements of any one tensor in a checkpoint's safetensors files, read from their headers
 * alone; undefined when a header cannot be read (the load reports that itself).
 *
 * @example
 * ```ts
 * const n = await largestCheckpointTensor(source); // 38597376 for GPT-2 small's embedding
 * ```
 */
export async function largestCheckpointTensor(source: CheckpointSource): Promise<number | undefined> {
  try {
    let most = 0;
    for (const file of await weightFiles(source)) {
      const header = await source.withBytes(file, readSafetensorsHeader);
      for (const [, entry] of header.tensors) most = Math.max(most, entry.shape.reduce((a, b) => a * b, 1));
    }
    return most;
  } catch {
    return undefined;
  }
}

async function weightFiles(source: CheckpointSource): Promise<string[]> {
  const indexText = await source.readText('model.safetensors.index.json');
  if (indexText !== undefined) {
    const where = `${source.label}/model.safetensors.index.json`;
    const index = parseJsonObject(indexText, where);
    const map = index.weight_map;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      throw new FileFormatError(`${where}: expected an object with a "weight_map" object, got ${JSON.stringify(index)?.slice(0, 80)}`);
    }
    const files = new Set<string>();
    for (const [name, file] of Object.entries(map)) {
      if (typeof file !== 'string' || file.includes('/') || file.includes('\\') || file.startsWith('.')) {
        throw new FileFormatError(`${where}: expected weight_map["${name}"] to name a shard file in the folder, got ${JSON.stringify(file)}`);
      }
      files.add(file);
    }
    return [...files];
  }
  if (await source.has('model.safetensors')) return ['model.safetensors'];
  const other = (await source.has('pytorch_model.bin')) ? ' (it has pytorch_model.bin: convert it to safetensors first)' : '';
  throw new FileFormatError(`${source.label}: expected model.safetensors or model.safetensors.index.json, found neither${other}`);
}

/**
 * Reads a checkpoint's weights (one `model.safetensors` or the shards an index names) into `model`.
 * Every check runs on the headers before any tensor is read: a tensor the model needs but the files
 * lack, or one whose shape differs, is an error naming it; tensors the model does not use are
 * ignored with a warning. Weight matrices are kept in the dtype `opts.dtype` picks (by default the
 * checkpoint's: bf16 stays bf16, its bits uploaded as they are), vectors become f32; one tensor at a
 * time. Model tensors the files do not fill are widened to f32 if the model was built 16-bit.
 *
 * @example
 * ```ts
 * await loadCheckpointWeights(model, directorySource('./gpt2'), gpt2Mapping);
 * ```
 */
export async function loadCheckpointWeights(model: Module, source: CheckpointSource, mapping: WeightMapping = {}, opts: LoadWeightsOptions = {}): Promise<void> {
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  const backend = opts.backend ?? getBackend();
  const targets = model.stateDict();
  const loaded = new Set<Variable>();
  const files = await weightFiles(source);
  const plan = new Map<string, Map<string, string>>(); // file -> (file key -> model key)
  const found = new Map<string, { file: string; entry: SafetensorsEntry }>();
  const ignored: string[] = [];
  for (const file of files) {
    const header = await source.withBytes(file, readSafetensorsHeader).catch((e: unknown) => {
      throw wrap(e, `${source.label}/${file}`);
    });
    const keys = new Map<string, string>();
    for (const [fileKey, entry] of header.tensors) {
      const key = mapping.rename ? mapping.rename(fileKey) : fileKey;
      if (key === undefined) continue;
      const target = targets.get(key);
      if (!target) {
        ignored.push(fileKey);
        continue;
      }
      if (found.has(key)) {
        throw new FileFormatError(`${source.label}: tensor "${key}" appears twice (in ${found.get(key)!.file} and ${file})`);
      }
      if (target.shape.length !== entry.shape.length || target.shape.some((d, i) => d !== entry.shape[i])) {
        throw new ShapeError(`${source.label}/${file}: tensor "${fileKey}" has shape [${entry.shape.join(', ')}], the model expects [${target.shape.join(', ')}] for "${key}"`);
      }
      found.set(key, { file, entry });
      keys.set(fileKey, key);
    }
    plan.set(file, keys);
  }
  const missing = [...targets.keys()].filter((k) => !found.has(k) && !mapping.derived?.(k));
  const required = missing.filter((k) => !mapping.optional?.(k));
  if (required.length) {
    const shown = required.slice(0, 6).map((k) => `"${k}"`).join(', ');
    throw new FileFormatError(`${source.label}: the checkpoint lacks ${required.length} tensor(s) the model needs: ${shown}${required.length > 6 ? ', …' : ''}`);
  }
  if (missing.length) warn(`${source.label}: newly initialised (not in the checkpoint): ${missing.join(', ')}`);
  if (ignored.length) warn(`${source.label}: ignored ${ignored.length} checkpoint tensor(s) the model does not use: ${ignored.slice(0, 6).join(', ')}${ignored.length > 6 ? ', …' : ''}`);
  for (const [file, keys] of plan) {
    if (keys.size === 0) continue;
    // one tensor at a time: read (16-bit kept as bits, or widened), moved to the device and dropped,
    // so the host never holds more than the largest tensor beside the file's own bytes
    await source
      .withBytes(file, async (bytes) => {
        for (const [fileKey, key] of keys) {
          const target = targets.get(key) as Variable;
          const { entry } = found.get(key)!;
          const dtype = keptWeightDType(opts.dtype ?? 'auto', opts.configDType, entry.dtype, entry.shape.length, backend);
          const raw = (dtype === 'bf16' && entry.dtype === 'BF16') || (dtype === 'f16' && entry.dtype === 'F16');
          const contents = await readSafetensors(bytes, { names: [fileKey], rawHalves: raw });
          const float = entry.dtype === 'BF16' || entry.dtype.startsWith('F');
          const floatDType = float ? (dtype as 'f32' | 'bf16' | 'f16') : undefined;
          for (const [, tensor] of tensorsFromSafetensors(contents, { backend, floatDType })) {
            target.assign(tensor, { retype: true });
            tensor.dispose(); // the parameter holds its own reference
            loaded.add(target);
          }
        }
      })
      .catch((e: unknown) => {
        throw wrap(e, `${source.label}/${file}`);
      });
  }
  // tensors the files did not fill (new heads, buffers) train or compute in f32, whatever the build dtype
  for (const [, t] of targets) {
    const v = t as Variable;
    if (!loaded.has(v) && (v.dtype === 'bf16' || v.dtype === 'f16')) noGrad(() => tidy(() => void v.assign(cast(v, 'f32'), { retype: true })));
  }
}

function wrap(e: unknown, where: string): unknown {
  if (e instanceof FileFormatError && !e.message.includes(where)) {
    return new FileFormatError(e.message.replace(/^safetensors:/, `safetensors: ${where}:`), { cause: e });
  }
  return e;
}
