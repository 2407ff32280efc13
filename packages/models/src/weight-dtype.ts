import { ConfigError, type Backend, type DType, type SafetensorsDType } from '@peft/core';

/**
 * The dtype frozen weight matrices are kept in on the device: `'auto'` keeps the checkpoint's (the
 * `torch_dtype` / `dtype` config.json names, else each tensor's own file dtype), `'f32'` widens every
 * weight, `'bf16'` / `'f16'` store every weight matrix in that dtype. Vectors (norm weights, biases)
 * are always f32; every computation reads 16-bit weights widened to f32.
 *
 * @example
 * ```ts
 * const d: WeightDType = 'auto';
 * ```
 */
export type WeightDType = 'auto' | 'f32' | 'bf16' | 'f16';

const CONFIG_NAMES: Readonly<Record<string, DType>> = { float32: 'f32', bfloat16: 'bf16', float16: 'f16' };

/**
 * The dtype a config.json records for its weights (`dtype`, or transformers 4's `torch_dtype`), or
 * undefined when it names none.
 *
 * @example
 * ```ts
 * configWeightDType({ torch_dtype: 'bfloat16' }); // 'bf16'
 * ```
 */
export function configWeightDType(config: Readonly<Record<string, unknown>>): DType | undefined {
  const named = config.dtype ?? config.torch_dtype;
  return typeof named === 'string' ? CONFIG_NAMES[named] : undefined;
}

/**
 * Checks a user's weight dtype choice (a CLI flag, a config key): `auto`, `f32`, `bf16` or `f16`, or
 * transformers' names `float32`, `bfloat16`, `float16`.
 *
 * @example
 * ```ts
 * parseWeightDType('bfloat16', '--torch_dtype'); // 'bf16'
 * ```
 */
export function parseWeightDType(value: unknown, where: string): WeightDType {
  if (value === 'auto' || value === 'f32' || value === 'bf16' || value === 'f16') return value;
  if (typeof value === 'string' && CONFIG_NAMES[value]) return CONFIG_NAMES[value] as WeightDType;
  throw new ConfigError(`${where}: expected auto, float32, bfloat16 or float16, got ${JSON.stringify(value)}`);
}

/**
 * The dtype one checkpoint tensor is kept in: f32 for vectors and scalars; for matrices the choice
 * (`auto`: the config's dtype, else the file's 16-bit dtype), falling back to f32 where the backend
 * cannot hold it (f16 without `shader-f16`).
 *
 * @example
 * ```ts
 * keptWeightDType('auto', 'bf16', 'BF16', 2, backend); // 'bf16'
 * ```
 */
export function keptWeightDType(choice: WeightDType, config: DType | undefined, file: SafetensorsDType, rank: number, backend: Backend): DType {
  if (rank < 2 || choice === 'f32') return 'f32';
  const d = choice !== 'auto' ? choice : (config ?? (file === 'BF16' ? 'bf16' : file === 'F16' ? 'f16' : 'f32'));
  return backend.dtypes.has(d) ? d : 'f32';
}
