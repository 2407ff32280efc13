import type { Backend } from '../backend-interface.js';
import type { DType, TypedArray } from '../dtype.js';
import { getBackend } from '../backend-registry.js';
import { tensorFromBuffer } from '../backends/tensor-from-buffer.js';
import { requireDType } from '../ops/apply.js';
import { fromArray } from '../ops/creation.js';
import { bf16ToF32Array, f16ToF32Array } from './float-bits.js';
import type { Tensor } from '../tensor.js';
import { SAFETENSORS_DTYPE_INFO, type SafetensorsDType, safetensorsDTypeFor } from './safetensors-dtype.js';
import { type ReadSafetensorsOptions, type SafetensorsContents, type SafetensorsTensor, parseSafetensors } from './safetensors.js';
import { type SafetensorsTensorInput, serializeSafetensors } from './safetensors-writer.js';

/**
 * Options for turning safetensors data into tensors.
 *
 * @example
 * ```ts
 * tensorsFromSafetensors(contents, { backend: cpu, floatDType: 'f16' });
 * ```
 */
export interface ToTensorsOptions {
  /** Backend to allocate on (default: the current backend). */
  backend?: Backend;
  /**
   * Tensor dtype for floating-point file dtypes (default 'f32'; F64 narrows, F16/BF16/F8 widen
   * exactly). `'keep'` keeps F16 as f16 and BF16 as bf16 (their bits uploaded as they are, when read
   * with `rawHalves`) and makes the other float dtypes f32.
   */
  floatDType?: 'f32' | 'f16' | 'bf16' | 'keep';
}

/**
 * Tensors loaded from a safetensors file, with what is needed to write them back the same way.
 *
 * @example
 * ```ts
 * const { tensors, metadata, dtypes } = loadSafetensorsTensors(bytes);
 * ```
 */
export interface LoadedTensors {
  /** The tensors, in header order. */
  readonly tensors: Map<string, Tensor>;
  /** `__metadata__`, or undefined when the file has none. */
  readonly metadata: Readonly<Record<string, string>> | undefined;
  /** Each tensor's dtype in the file (pass it to the savers to write the same dtypes). */
  readonly dtypes: Record<string, SafetensorsDType>;
}

/**
 * Makes one tensor from safetensors data: floats become f32 (or `floatDType`), signed and small
 * unsigned integers i32, U32/U64 u32, BOOL bool (any non-zero byte is true).
 *
 * @example
 * ```ts
 * const w = tensorFromSafetensors(parseSafetensors(bytes).tensors.get('w')!);
 * ```
 */
export function tensorFromSafetensors(t: SafetensorsTensor, opts: ToTensorsOptions = {}): Tensor {
  let dtype: DType = SAFETENSORS_DTYPE_INFO[t.dtype].tensorDType;
  const keep = opts.floatDType === 'keep';
  if (dtype === 'f32') dtype = keep ? (t.dtype === 'F16' ? 'f16' : t.dtype === 'BF16' ? 'bf16' : 'f32') : ((opts.floatDType as DType | undefined) ?? 'f32');
  if (t.data instanceof Uint16Array && (t.dtype === 'F16' || t.dtype === 'BF16')) {
    // the bits as read with rawHalves: uploaded as they are when kept, else widened here
    const backend = opts.backend ?? getBackend();
    if (dtype === (t.dtype === 'F16' ? 'f16' : 'bf16')) {
      requireDType('tensorFromSafetensors', backend, dtype);
      return tensorFromBuffer(backend, backend.upload(t.data, dtype), [...t.shape], dtype);
    }
    const wide = new Float32Array(t.data.length);
    (t.dtype === 'F16' ? f16ToF32Array : bf16ToF32Array)(t.data, new Uint32Array(wide.buffer));
    return fromArray(wide, t.shape, { dtype, backend });
  }
  let values: ArrayLike<number> = t.data;
  if (dtype === 'bool') values = (t.data as Uint8Array).map((v) => (v ? 1 : 0));
  return fromArray(values, t.shape, { dtype, backend: opts.backend });
}

/**
 * Makes tensors from parsed safetensors contents (all of them or those in a map). If one fails (a
 * dtype the backend cannot hold), those already made are disposed before the error is rethrown.
 *
 * @example
 * ```ts
 * const tensors = tensorsFromSafetensors(parseSafetensors(bytes), { backend });
 * ```
 */
export function tensorsFromSafetensors(
  source: SafetensorsContents | ReadonlyMap<string, SafetensorsTensor>,
  opts: ToTensorsOptions = {},
): Map<string, Tensor> {
  const entries = source instanceof Map ? source : (source as SafetensorsContents).tensors;
  const out = new Map<string, Tensor>();
  try {
    for (const [name, t] of entries) out.set(name, tensorFromSafetensors(t, opts));
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

/**
 * The file dtype of each tensor in parsed contents (what the savers need to write them back alike).
 *
 * @example
 * ```ts
 * const dtypes = safetensorsDTypes(parseSafetensors(bytes)); // { w: 'F32', ... }
 * ```
 */
export function safetensorsDTypes(contents: SafetensorsContents): Record<string, SafetensorsDType> {
  const dtypes: Record<string, SafetensorsDType> = Object.create(null) as Record<string, SafetensorsDType>;
  for (const [name, t] of contents.tensors) dtypes[name] = t.dtype;
  return dtypes;
}

/**
 * Parses safetensors bytes held in memory into tensors on a backend (browser-safe).
 *
 * @example
 * ```ts
 * const { tensors } = loadSafetensorsTensors(bytes, { backend: cpu });
 * tensors.get('lm_head.weight')!.shape; // [100, 32]
 * ```
 */
export function loadSafetensorsTensors(buffer: ArrayBuffer | Uint8Array, opts: ToTensorsOptions & ReadSafetensorsOptions = {}): LoadedTensors {
  const contents = parseSafetensors(buffer, opts);
  return { tensors: tensorsFromSafetensors(contents, opts), metadata: contents.metadata, dtypes: safetensorsDTypes(contents) };
}

/**
 * Options of the tensor savers.
 *
 * @example
 * ```ts
 * await serializeTensors(tensors, { metadata: { format: 'pt' }, dtypes: { position_ids: 'I64' } });
 * ```
 */
export interface SaveTensorsOptions {
  /** `__metadata__` to write (omitted when undefined). HF PEFT and transformers write `{ format: 'pt' }`. */
  metadata?: Readonly<Record<string, string>>;
  /** File dtype per tensor name; others get F32 for f32, F16 for f16, I32 for i32, U32 for u32, BOOL for bool. */
  dtypes?: Readonly<Record<string, SafetensorsDType>> | ReadonlyMap<string, SafetensorsDType>;
}

/**
 * Named tensors to save: a Map (keeps its order) or a plain object.
 *
 * @example
 * ```ts
 * const record: TensorRecord = { 'lin.weight': w, 'lin.bias': b };
 * ```
 */
export type TensorRecord = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

/**
 * Reads tensors back from their backend (asynchronously) into writer inputs.
 *
 * @example
 * ```ts
 * const inputs = await safetensorsFromTensors({ w }, { dtypes: { w: 'BF16' } });
 * ```
 */
export async function safetensorsFromTensors(tensors: TensorRecord, opts: Pick<SaveTensorsOptions, 'dtypes'> = {}): Promise<Map<string, SafetensorsTensorInput>> {
  const entries: [string, Tensor][] = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const pick = (name: string): SafetensorsDType | undefined =>
    opts.dtypes instanceof Map ? opts.dtypes.get(name) : Object.prototype.hasOwnProperty.call(opts.dtypes ?? {}, name) ? (opts.dtypes as Record<string, SafetensorsDType>)[name] : undefined;
  const out = new Map<string, SafetensorsTensorInput>();
  for (const [name, t] of entries) {
    const data = await t.data<TypedArray>();
    out.set(name, { dtype: pick(name) ?? safetensorsDTypeFor(t.dtype), shape: [...t.shape], data });
  }
  return out;
}

/**
 * Serializes tensors into safetensors bytes, reading each back from its backend first
 * (browser-safe; byte-identical to Python's writer for the same values and dtypes).
 *
 * @example
 * ```ts
 * const bytes = await serializeTensors(new Map([['w', w]]), { metadata: { format: 'pt' } });
 * ```
 */
export async function serializeTensors(tensors: TensorRecord, opts: SaveTensorsOptions = {}): Promise<Uint8Array> {
  return serializeSafetensors(await safetensorsFromTensors(tensors, opts), opts.metadata);
}
