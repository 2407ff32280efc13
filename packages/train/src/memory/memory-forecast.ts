import { AdamW, ArgumentError, type Module, type PretrainedModel, PeftError, type Tensor, clipGradNorm, setGradientCheckpointing, tidy, zeros } from '@peft/core';
import { createShapeBackend } from '@peft/core/backend';
import { cast, isGradientCheckpointable } from '@peft/core/plugin';
import { ConfigReader, configParameterLowerBound, createModel, resolveArchitecture } from '@peft/models';

/**
 * What {@link forecastMemory} assumes about the run: the micro-batch, and how the model and its
 * adapter are made.
 *
 * @example
 * ```ts
 * const opts: MemoryForecastOptions = { batchSize: 8, maxLength: 512, gradientCheckpointing: true };
 * ```
 */
export interface MemoryForecastOptions {
  /** Sequences per micro-batch (`per_device_train_batch_size`; default 8). */
  readonly batchSize?: number;
  /** Tokens per sequence (`max_length`; default 512, or the model's positions when fewer). */
  readonly maxLength?: number;
  /** Recompute each layer in the backward instead of keeping its activations (default false; `'auto'`: where the model supports it, as QLoRA's preparation does). */
  readonly gradientCheckpointing?: boolean | 'auto';
  /** A transformers class to build instead of the config's. */
  readonly className?: string;
  /** Puts the adapter on the (shape-only) model and returns the model to train: `(m) => getPeftModel(m, config)`. Without it, every parameter trains. */
  readonly adapt?: (model: PretrainedModel) => Module | Promise<Module>;
  /** The 4-bit plan for QLoRA (`(m) => forecastQuantization(m, opts)` from `@peft/qlora`). */
  readonly quantize?: (model: Module) => { readonly modules: readonly string[]; readonly floatBytes: number; readonly quantizedBytes: number };
  /** Refuse at once, before the model is even described, when the config's parameters alone (float32; 4 bits with `quantize`) pass this many bytes. */
  readonly budgetBytes?: number;
  /** Where the config came from, for messages. */
  readonly where?: string;
  /** The dtype the base's weight matrices are held in (default f32; `'bf16'` / `'f16'` as a 16-bit checkpoint loads). */
  readonly weightDType?: 'f32' | 'bf16' | 'f16';
}

/**
 * The memory a training run will hold on its device, by role, in bytes (see {@link forecastMemory}).
 *
 * @example
 * ```ts
 * const f = await forecastMemory(config, { batchSize: 4, maxLength: 256 });
 * console.log(`${(f.peakBytes / 2 ** 30).toFixed(2)} GiB at the peak`);
 * ```
 */
export interface MemoryForecast {
  /** The base model's parameters (values). */
  readonly parameters: number;
  /** The frozen base as held: float32 or the weight dtype's 16 bits for matrices, 4 bits for the quantised layers (plus buffers). */
  readonly weightBytes: number;
  /** Layers held in 4 bits (0 without QLoRA). */
  readonly quantizedLayers: number;
  /** Values that train (the adapter's, or the base's own for BitFit). */
  readonly trainableParameters: number;
  /** The adapter's own new tensors (float32). */
  readonly adapterBytes: number;
  /** One float32 gradient per trainable value. */
  readonly gradientBytes: number;
  /** AdamW's two float32 moments per trainable value. */
  readonly optimizerBytes: number;
  /** What one micro-batch's forward and backward add at their peak, beyond weights, adapter and gradients. */
  readonly activationBytes: number;
  /** The most the step holds at once: the sum of the above at the worst moment of a training step. */
  readonly peakBytes: number;
  /** The largest weight: it must fit one device buffer, whatever the batch. */
  readonly largestWeight: { readonly name: string; readonly shape: readonly number[]; readonly bytes: number };
  /** The largest buffer the step itself asks for (activations, gradients): it shrinks with the batch and the length. */
  readonly largestActivationBytes: number;
  /** `activationBytes / (batch · length · hidden · layers)`: the family's bytes per token, width and layer. */
  readonly activationFactor: number;
  /** Sequences per micro-batch the step was forecast for. */
  readonly batchSize: number;
  /** Tokens per sequence the step was forecast for. */
  readonly maxLength: number;
  /** Whether the step recomputes each layer in the backward. */
  readonly gradientCheckpointing: boolean;
  /** The dtype the weight matrices are held in (vectors are f32). */
  readonly weightDType: 'f32' | 'bf16' | 'f16';
  /** The model's hidden width (for the activation factor). */
  readonly hiddenSize: number;
  /** The model's layers (for the activation factor). */
  readonly numLayers: number;
}

const bytesOf = (t: Tensor): number => t.nbytes;

/**
 * Forecasts the memory of a training step from a `config.json` alone: the model is built on the
 * shape backend (sizes, no values: no weight is read or allocated), the adapter is put on it, and
 * one training step (forward with the loss, backward, gradient clipping, AdamW) runs on shapes, so
 * every buffer the real step asks for is counted at its true size: weights as held (float32 today,
 * QLoRA's 4-bit layers through `quantize`), adapter, gradients, AdamW's moments and the activations
 * (with or without gradient checkpointing; a language model's loss is computed in chunks of tokens,
 * so no full `[tokens, vocab]` logits). The forecast matches a real step's `backend.memory().peakBytes`
 * to within 10% (the tests hold it there on the CPU and on WebGPU; pooling and kernel scratch are the
 * difference).
 *
 * A config whose parameters alone (float32, or 4 bits each with `quantize`) pass `budgetBytes` is
 * refused before anything is described, with a `PeftError` (`OUT_OF_MEMORY`).
 *
 * @example
 * ```ts
 * import { getPeftModel } from '@peft/core';
 * import { loraConfig } from '@peft/lora';
 * const f = await forecastMemory(config, { batchSize: 8, maxLength: 512, adapt: (m) => getPeftModel(m, loraConfig({ r: 8 })) });
 * f.peakBytes; // bytes at the step's peak
 * ```
 */
export async function forecastMemory(config: Readonly<Record<string, unknown>>, opts: MemoryForecastOptions = {}): Promise<MemoryForecast> {
  const where = opts.where ?? 'config.json';
  const { architecture } = resolveArchitecture(config, where);
  const lower = architecture.parameterLowerBound?.(new ConfigReader(config, where)) ?? configParameterLowerBound(config);
  const limit = Math.min(opts.budgetBytes ?? Infinity, 2 ** 50);
  // the least each value can take: float32, or half a byte were every one of them in 4 bits
  const perValue = opts.quantize ? 0.5 : 4;
  if (!(lower * perValue <= limit)) {
    throw new PeftError(
      'OUT_OF_MEMORY',
      `${where}: describes at least ${lower.toExponential(2)} parameters (${gib(lower * perValue)} ${opts.quantize ? 'even in 4 bits' : 'in float32'}), more than ${opts.budgetBytes === undefined ? 'can be described' : `the memory budget of ${gib(opts.budgetBytes)}`}; nothing was loaded. Use a smaller model, QLoRA (quantization.load_in_4bit), or raise --memory-budget if the device holds more`,
    );
  }
  const shapes = createShapeBackend();
  const half = opts.weightDType === 'bf16' || opts.weightDType === 'f16' ? opts.weightDType : undefined;
  const model = createModel(config, { backend: shapes, skipInit: true, className: opts.className, dtype: half });
  // as the loader keeps them: matrices in the weight dtype, vectors (norms, biases) in f32
  if (half) for (const t of [...model.parameters(), ...model.buffers()]) if (t.rank < 2 && t.dtype === half) t.assign(cast(t, 'f32'), { retype: true });
  const info = model.info;
  let largestWeight = { name: '', shape: [] as readonly number[], bytes: 0 };
  let parameters = 0;
  for (const [name, p] of model.namedParameters()) {
    parameters += p.size;
    if (bytesOf(p) > largestWeight.bytes) largestWeight = { name, shape: [...p.shape], bytes: bytesOf(p) };
  }
  const base = new Set<Tensor>([...model.parameters(), ...model.buffers()]);
  const quantized = opts.quantize?.(model);
  const saved = quantized ? quantized.floatBytes - quantized.quantizedBytes : 0;
  const trained = opts.adapt ? await opts.adapt(model) : model;
  const gradientCheckpointing = opts.gradientCheckpointing === 'auto' ? [...trained.modules()].some(isGradientCheckpointable) : (opts.gradientCheckpointing ?? false);
  if (gradientCheckpointing) setGradientCheckpointing(trained);
  trained.train();
  const trainable = [...new Set([...trained.parameters()].filter((p) => p.requiresGrad))];
  let weightBytes = -saved;
  let adapterBytes = 0;
  for (const t of new Set([...trained.parameters(), ...trained.buffers()])) {
    // BitFit trains the base's own biases: they stay counted as weights
    if (base.has(t)) weightBytes += bytesOf(t);
    else adapterBytes += bytesOf(t);
  }
  const trainableParameters = trainable.reduce((n, p) => n + p.size, 0);
  const gradientBytes = trainableParameters * 4;
  const optimizerBytes = 2 * trainableParameters * 4;
  const batchSize = opts.batchSize ?? 8;
  // one training step on shapes: what it allocates beyond what is held now is the step's own
  const held = shapes.memory().liveBytes;
  const optimizer = trainable.length ? new AdamW(trainable, { lr: 1e-4 }) : undefined;
  const step = (length: number): void => {
    shapes.resetPeak();
    shapes.resetLargest();
    tidy(() => {
      const ids = (shape: number[]): Tensor => zeros(shape, { dtype: 'i32', backend: shapes });
      const labels = info.task === 'sequence-classification' ? ids([batchSize]) : ids([batchSize, length]);
      const forward = (trained as unknown as { forward(x: unknown): { loss?: Tensor } }).forward({ inputIds: ids([batchSize, length]), attentionMask: ids([batchSize, length]), labels, returnLogits: false });
      forward.loss?.backward();
    });
  };
  let maxLength = opts.maxLength ?? Math.min(512, info.maxPositions);
  if (opts.maxLength !== undefined) step(maxLength);
  else {
    // the longest the model takes: learned positions leave room for the virtual tokens of prompt methods
    for (;;) {
      try {
        step(maxLength);
        break;
      } catch (e) {
        if (!(e instanceof ArgumentError) || maxLength <= 1) throw e;
        for (const p of trainable) {
          p.grad?.dispose();
          p.grad = null;
        }
        maxLength -= Math.max(1, Math.floor(maxLength / 16));
      }
    }
  }
  const stepPeak = shapes.memory().peakBytes;
  const afterBackward = shapes.memory().liveBytes; // the gradients
  if (optimizer) {
    clipGradNorm(trainable, 1);
    optimizer.step();
  }
  const peak = shapes.memory().peakBytes - saved;
  const activationBytes = Math.max(0, stepPeak - afterBackward);
  const peakBytes = Math.max(peak, held - saved + gradientBytes + optimizerBytes);
  const perToken = batchSize * maxLength * info.hiddenSize * info.numLayers;
  return {
    parameters,
    weightBytes,
    quantizedLayers: quantized?.modules.length ?? 0,
    trainableParameters,
    adapterBytes,
    gradientBytes,
    optimizerBytes,
    activationBytes,
    peakBytes,
    largestWeight,
    largestActivationBytes: shapes.largestBytes,
    activationFactor: perToken > 0 ? activationBytes / perToken : 0,
    batchSize,
    maxLength,
    gradientCheckpointing,
    weightDType: half ?? 'f32',
    hiddenSize: info.hiddenSize,
    numLayers: info.numLayers,
  };
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}
