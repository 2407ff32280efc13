import { freemem, totalmem } from 'node:os';
import { type Backend, ConfigError, PeftError, type PretrainedModel, getPeftModel } from '@peft/core';
import { openSource } from '@peft/core/plugin';
import { type CheckpointSource, type WeightDType, configWeightDType, readModelConfig } from '@peft/models';
import { forecastQuantization } from '@peft/qlora';
import { type MemoryForecast, type QuantizationConfig, forecastMemory, formatBytes } from '@peft/train';
import { cliRegistry } from './methods.js';

/**
 * What a memory estimate assumes: the model, the adapter, QLoRA, and the micro-batch.
 *
 * @example
 * ```ts
 * const req: EstimateRequest = { source, method: { peft_type: 'LORA', r: 8 }, batchSize: 8, maxLength: 512, gradientCheckpointing: false };
 * ```
 */
export interface EstimateRequest {
  /** The model folder or Hub checkpoint (only config.json is read). */
  readonly source: CheckpointSource;
  /** A new adapter's config (adapter_config.json keys with `peft_type`). */
  readonly method?: Readonly<Record<string, unknown>>;
  /** Load the base's dense layers in 4 bits (QLoRA; turns gradient checkpointing on where supported, as training does). */
  readonly quantization?: QuantizationConfig;
  /** Sequences per micro-batch. */
  readonly batchSize: number;
  /** Tokens per sequence (default: 512, or the model's positions when fewer). */
  readonly maxLength?: number;
  /** Recompute each layer in the backward. */
  readonly gradientCheckpointing: boolean;
  /** The dtype weight matrices load in (`torch_dtype`; default `auto`: config.json's, else f32). */
  readonly weightDType?: WeightDType;
}

/** PEFT's task_type for a model's head. */
const TASK_TYPES: Readonly<Record<PretrainedModel['info']['task'], string | undefined>> = {
  'causal-lm': 'CAUSAL_LM',
  'sequence-classification': 'SEQ_CLS',
  'seq2seq-lm': 'SEQ_2_SEQ_LM',
  base: undefined,
};

/**
 * Forecasts a training run's memory from the checkpoint's config.json alone (no weight is read), with
 * the adapter put on by the method's own plugin: see `forecastMemory` in `@peft/train`.
 *
 * @example
 * ```ts
 * const f = await estimateTraining({ source, method: { peft_type: 'LORA' }, batchSize: 8, maxLength: 512, gradientCheckpointing: false });
 * ```
 */
export async function estimateTraining(req: EstimateRequest, opts: { budgetBytes?: number } = {}): Promise<MemoryForecast> {
  const config = await readModelConfig(req.source);
  const method = req.method;
  const registry = cliRegistry();
  const q = req.quantization;
  const choice = req.weightDType ?? 'auto';
  const kept = choice === 'auto' ? (configWeightDType(config) ?? 'f32') : choice;
  return forecastMemory(config, {
    weightDType: kept === 'bf16' || kept === 'f16' ? kept : 'f32',
    where: `${req.source.label}/config.json`,
    batchSize: req.batchSize,
    maxLength: req.maxLength,
    budgetBytes: opts.budgetBytes,
    gradientCheckpointing: req.gradientCheckpointing || (q ? 'auto' : false),
    quantize: q ? (m) => forecastQuantization(m, { quantType: q.quantType, doubleQuant: q.doubleQuant, ...(q.skipModules ? { skipModules: q.skipModules } : {}) }) : undefined,
    adapt: method
      ? async (model) => {
          const raw = { ...method };
          if (raw.task_type === undefined) raw.task_type = TASK_TYPES[model.info.task];
          const plugin = registry.get(String(raw.peft_type), 'estimate');
          return (await getPeftModel(model, plugin.schema.parse(raw, { warn: () => {}, where: 'method' }), { registry, warn: () => {} }));
        }
      : undefined,
  });
}

/**
 * Reads a continued adapter's config (adapter_config.json of a folder or Hub id) as a method config
 * for {@link estimateTraining}.
 *
 * @example
 * ```ts
 * const method = await adapterMethod('./my-lora');
 * ```
 */
export async function adapterMethod(pathOrId: string, revision?: string): Promise<Record<string, unknown>> {
  const source = await openSource(pathOrId, { kind: 'adapter', revision });
  const text = await source.readText('adapter_config.json');
  if (text === undefined) throw new ConfigError(`${source.label}: no adapter_config.json to estimate the adapter from`);
  // the adapter trains again (as PeftModel.fromPretrained with isTrainable)
  return { ...(JSON.parse(text) as Record<string, unknown>), inference_mode: false };
}

/**
 * The memory a run may use and where the number comes from. WebGPU adapters do not report their
 * memory, so: the `--memory-budget` / `memory_budget` given; else, for the CPU backend and CPU
 * WebGPU adapters (lavapipe, SwiftShader, WARP), the host's free memory; else a stated default of
 * 16 GiB.
 *
 * @example
 * ```ts
 * const budget = memoryBudget(backend); // { bytes: 12884901888, from: 'the host's free memory (CPU adapter)' }
 * ```
 */
export function memoryBudget(backend: Backend, given?: number): { bytes: number; from: string } {
  if (given !== undefined) return { bytes: given, from: 'memory_budget' };
  const cpu = backend.name === 'cpu' || (backend as { softwareAdapter?: boolean }).softwareAdapter === true;
  if (cpu) return { bytes: freemem(), from: `the host's free memory (${formatBytes(freemem())} of ${formatBytes(totalmem())}; ${backend.name === 'cpu' ? 'CPU backend' : 'CPU adapter'})` };
  return { bytes: DEFAULT_DEVICE_BUDGET, from: 'the default for GPUs (WebGPU does not report device memory; set --memory-budget)' };
}

/** The budget assumed for a hardware WebGPU adapter when none is given. */
export const DEFAULT_DEVICE_BUDGET = 16 * 2 ** 30;

/**
 * Refuses, with a `PeftError` (`OUT_OF_MEMORY`) naming what does not fit, a run whose forecast passes
 * the budget or whose largest buffer passes the device's; `alternatives` are the changes that would
 * fit, for the message.
 *
 * @example
 * ```ts
 * checkForecast(forecast, { bytes: 8 * 2 ** 30, from: 'memory_budget' }, gpu.maxBufferBytes, ['gradient_checkpointing: true (5.1 GiB)']);
 * ```
 */
export function checkForecast(f: MemoryForecast, budget: { bytes: number; from: string }, maxBufferBytes: number | undefined, alternatives: readonly string[]): void {
  const w = f.largestWeight;
  if (maxBufferBytes !== undefined && w.bytes > maxBufferBytes) {
    throw new PeftError(
      'OUT_OF_MEMORY',
      `memory forecast: the weight "${w.name}" [${w.shape.join(', ')}] takes ${w.bytes} bytes, more than the largest buffer this device allocates (${maxBufferBytes} bytes). It is a weight: a smaller batch or max_length will not help. Use a device with larger buffers, a smaller model, or QLoRA for the dense layers. Nothing was loaded.`,
    );
  }
  const fixes = alternatives.length ? ` What would fit: ${alternatives.join('; ')}.` : ' No smaller setting tried fits either (QLoRA, gradient checkpointing, max_length, batch size 1): use a smaller model or a larger device.';
  const override = ' Nothing was loaded; --no-estimate-check (estimate_check: false) goes on anyway.';
  if (maxBufferBytes !== undefined && f.largestActivationBytes > maxBufferBytes) {
    throw new PeftError(
      'OUT_OF_MEMORY',
      `memory forecast: one buffer of the training step takes ${f.largestActivationBytes} bytes, more than the largest buffer this device allocates (${maxBufferBytes} bytes).${fixes}${override}`,
    );
  }
  if (f.peakBytes > budget.bytes) {
    const parts = [
      ['weights', f.weightBytes],
      ['activations', f.activationBytes],
      ['optimizer state', f.optimizerBytes],
      ['adapter + gradients', f.adapterBytes + f.gradientBytes],
    ] as const;
    const biggest = [...parts].sort((a, b) => b[1] - a[1])[0];
    throw new PeftError(
      'OUT_OF_MEMORY',
      `memory forecast: a training step needs ${formatBytes(f.peakBytes)} at its peak, more than the budget of ${formatBytes(budget.bytes)} (${budget.from}); the largest part is ${biggest[0]} (${formatBytes(biggest[1])}).${fixes}${override}`,
    );
  }
}

/**
 * The changes that bring a run under the budget, each with its forecast peak: QLoRA, gradient
 * checkpointing, half the length, a batch of one (tried one at a time, cheapest change first).
 *
 * @example
 * ```ts
 * const fixes = await fittingAlternatives(req, budget.bytes, maxBufferBytes); // ['gradient_checkpointing: true (3.20 GiB)', …]
 * ```
 */
export async function fittingAlternatives(req: EstimateRequest, budgetBytes: number, maxBufferBytes: number | undefined): Promise<string[]> {
  const tries: { label: string; req: EstimateRequest }[] = [];
  if (!req.gradientCheckpointing && !req.quantization) tries.push({ label: 'gradient_checkpointing: true', req: { ...req, gradientCheckpointing: true } });
  if (req.batchSize > 1) tries.push({ label: 'per_device_train_batch_size: 1 (raise gradient_accumulation_steps to keep the effective batch)', req: { ...req, batchSize: 1 } });
  if (req.maxLength !== undefined && req.maxLength > 64) tries.push({ label: `max_length: ${Math.floor(req.maxLength / 2)}`, req: { ...req, maxLength: Math.floor(req.maxLength / 2) } });
  if (!req.quantization) tries.push({ label: 'QLoRA (quantization: {"load_in_4bit": true})', req: { ...req, quantization: { quantType: 'nf4', doubleQuant: true } } });
  const fits: string[] = [];
  for (const t of tries) {
    try {
      const f = await estimateTraining(t.req, { budgetBytes: budgetBytes });
      const buffers = maxBufferBytes === undefined || Math.max(f.largestActivationBytes, f.largestWeight.bytes) <= maxBufferBytes;
      if (f.peakBytes <= budgetBytes && buffers) fits.push(`${t.label} (${formatBytes(f.peakBytes)})`);
    } catch {
      // a variant that cannot be described (QLoRA on a model without dense layers) is no alternative
    }
  }
  return fits;
}
