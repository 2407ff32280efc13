/**
 * Machine-readable error codes carried by every {@link PeftError}.
 *
 * @example
 * ```ts
 * try { matmul(a, b); } catch (e) { if (e instanceof PeftError && e.code === 'SHAPE') console.log(e.message); }
 * ```
 */
export type PeftErrorCode =
  | 'SHAPE'
  | 'DTYPE'
  | 'DISPOSED'
  | 'CONFIG'
  | 'NO_TARGET'
  | 'MERGE'
  | 'PLUGIN'
  | 'FILE_FORMAT'
  | 'DEVICE_LOST'
  | 'OUT_OF_MEMORY'
  | 'BACKEND'
  | 'AUTOGRAD'
  | 'ARGUMENT'
  | 'HUB';

/**
 * The base class of every error the library throws on purpose. Messages name the operation, what it
 * expected and what it got.
 *
 * @example
 * ```ts
 * throw new PeftError('ARGUMENT', 'reshape: expected a shape with 6 elements, got [4, 2] (8 elements)');
 * ```
 */
export class PeftError extends Error {
  /** A stable code for programs to branch on. */
  readonly code: PeftErrorCode;
  constructor(code: PeftErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Shapes that do not fit together.
 *
 * @example
 * ```ts
 * throw new ShapeError('matmul: inner dimensions differ, lhs [2,3], rhs [4,5]');
 * ```
 */
export class ShapeError extends PeftError {
  constructor(message: string) {
    super('SHAPE', message);
  }
}

/**
 * A tensor of the wrong element type, or a type the backend cannot hold.
 *
 * @example
 * ```ts
 * throw new DTypeError('add: expected both operands to be f32, got f32 and i32');
 * ```
 */
export class DTypeError extends PeftError {
  constructor(message: string) {
    super('DTYPE', message);
  }
}

/**
 * A tensor was used after its memory was released.
 *
 * @example
 * ```ts
 * const t = zeros([2]); t.dispose();
 * t.add(t); // throws DisposedTensorError
 * ```
 */
export class DisposedTensorError extends PeftError {
  constructor(message: string) {
    super('DISPOSED', message);
  }
}

/**
 * A configuration value is missing or out of range. The message names the field.
 *
 * @example
 * ```ts
 * throw new ConfigError('lora: r must be a positive integer, got -1');
 * ```
 */
export class ConfigError extends PeftError {
  constructor(message: string) {
    super('CONFIG', message);
  }
}

/**
 * A file (safetensors, JSON) is malformed or does not match what was expected.
 *
 * @example
 * ```ts
 * throw new FileFormatError('safetensors: header length 2^60 is past the end of a 120-byte file');
 * ```
 */
export class FileFormatError extends PeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FILE_FORMAT', message, options);
  }
}

/**
 * What to do after a device loss or a failed allocation; {@link DeviceError} appends it to the message.
 *
 * @example
 * ```ts
 * console.log(DEVICE_ERROR_ADVICE.OUT_OF_MEMORY);
 * ```
 */
export const DEVICE_ERROR_ADVICE = {
  OUT_OF_MEMORY:
    'To fit: lower the batch size (per_device_train_batch_size; raise gradient_accumulation_steps to keep the effective batch) or max_length, turn on gradient_checkpointing, or dispose tensors you no longer need (tidy / dispose).',
  WEIGHT_OUT_OF_MEMORY:
    'This is a weight of the model, so a smaller batch or max_length will not help. To fit: use a device whose buffers are larger (WebGPU maxStorageBufferBindingSize / maxBufferSize), a smaller model, or QLoRA (quantization.load_in_4bit) for its dense layers; `peft inspect MODEL --estimate` shows what the model needs before loading.',
  DEVICE_LOST:
    "To continue: every tensor on this device is gone; create a new backend and load the model and adapter again. Training resumes from its last checkpoint (trainer.train({ resumeFrom: 'latest' }), peft train --resume).",
} as const;

/**
 * The GPU device was lost or refused an allocation. For `DEVICE_LOST` and `OUT_OF_MEMORY` the message
 * ends with what to do ({@link DEVICE_ERROR_ADVICE}).
 *
 * @example
 * ```ts
 * throw new DeviceError('DEVICE_LOST', 'webgpu: the device was lost (reason: destroyed)');
 * ```
 */
export class DeviceError extends PeftError {
  /**
   * @param options.advice what to do instead of the code's default advice (an allocation that failed
   * while loading weights gets {@link DEVICE_ERROR_ADVICE}`.WEIGHT_OUT_OF_MEMORY`, not the batch-size advice)
   */
  constructor(code: 'DEVICE_LOST' | 'OUT_OF_MEMORY' | 'BACKEND', message: string, options?: { cause?: unknown; advice?: string }) {
    const advice = options?.advice ?? (code === 'BACKEND' ? undefined : DEVICE_ERROR_ADVICE[code]);
    super(code, advice && !message.includes(advice) ? `${message}\n${advice}` : message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * An argument of the wrong kind or range (an axis out of range, a negative size).
 *
 * @example
 * ```ts
 * throw new ArgumentError('sum: axis 3 is out of range for a tensor of rank 2');
 * ```
 */
export class ArgumentError extends PeftError {
  constructor(message: string) {
    super('ARGUMENT', message);
  }
}

/**
 * Misuse of automatic differentiation (backward of a non-scalar without a seed gradient, say).
 *
 * @example
 * ```ts
 * throw new AutogradError('backward: expected a scalar loss, got shape [2, 3]');
 * ```
 */
export class AutogradError extends PeftError {
  constructor(message: string) {
    super('AUTOGRAD', message);
  }
}

/** Formats a shape for error messages. @internal @example `fmtShape([2, 3]) // '[2, 3]'` */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * No module of the base model matched an adapter config's targets. The message shows the targets
 * and some module names that exist.
 *
 * @example
 * ```ts
 * throw new NoTargetError('lora: target_modules ["q"] matched no module (linear-like modules: c_attn, c_proj, c_fc)');
 * ```
 */
export class NoTargetError extends PeftError {
  constructor(message: string) {
    super('NO_TARGET', message);
  }
}

/**
 * An adapter could not be merged or unmerged (a method without `deltaWeight`, a layer without a weight).
 *
 * @example
 * ```ts
 * throw new MergeError('merge: PrefixEncoder cannot merge adapter "default" (no deltaWeight)');
 * ```
 */
export class MergeError extends PeftError {
  constructor(message: string) {
    super('MERGE', message);
  }
}

/**
 * A method is missing from the registry, registered twice, or breaks the plugin protocol.
 *
 * @example
 * ```ts
 * throw new PluginError('loadAdapter: no method is registered for peft_type "LOHA"; install @peft/loha and call registerMethod(loha)');
 * ```
 */
export class PluginError extends PeftError {
  constructor(message: string) {
    super('PLUGIN', message);
  }
}
