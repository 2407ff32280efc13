import type { CheckpointSource } from '@peft/models';
import { parseMemorySize } from '@peft/train';
import { numberFlag } from '../args.js';
import type { CliIO } from '../io.js';
import { type EstimateRequest, estimateTraining } from '../memory-estimate.js';
import { formatForecast } from '../memory-table.js';
import { UsageError } from '../usage-error.js';

/** Bytes per element of the safetensors dtypes a checkpoint stores. */
const DTYPE_BYTES: Readonly<Record<string, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** The options `peft inspect --estimate` reads (parseArgs form). @example `parseCommandArgs('inspect', argv, ESTIMATE_OPTIONS)` */
export const ESTIMATE_OPTIONS = {
  estimate: { type: 'boolean' },
  method: { type: 'string' },
  'batch-size': { type: 'string' },
  'max-length': { type: 'string' },
  'gradient-checkpointing': { type: 'boolean' },
  'memory-budget': { type: 'string' },
} as const;

/**
 * `peft inspect MODEL --estimate`: the memory forecast of training an adapter on the model, as a table
 * (or JSON), from config.json and the safetensors headers only.
 *
 * @example
 * ```ts
 * await printEstimate(source, { method: 'LORA', 'batch-size': '4' }, io, { json: false, tensors: () => readTensorTable(source) });
 * ```
 */
export async function printEstimate(
  source: CheckpointSource,
  values: Record<string, unknown>,
  io: CliIO,
  opts: { json: boolean; tensors: () => Promise<readonly { readonly shape: readonly number[]; readonly dtype: string }[]> },
): Promise<void> {
  const json = opts.json;
  const req: EstimateRequest = {
    source,
    method: methodOf(values.method),
    batchSize: numberFlag('inspect', '--batch-size', values['batch-size'], { integer: true, min: 1 }) ?? 8,
    maxLength: numberFlag('inspect', '--max-length', values['max-length'], { integer: true, min: 1 }),
    gradientCheckpointing: values['gradient-checkpointing'] === true,
    quantization: values.quantize === undefined ? undefined : { quantType: values.quantize as 'nf4' | 'fp4', doubleQuant: true },
  };
  const budgetBytes = values['memory-budget'] === undefined ? undefined : parseMemorySize(values['memory-budget'], 'inspect: --memory-budget');
  const forecast = await estimateTraining(req);
  const stored: Record<string, number> = {};
  for (const t of await opts.tensors().catch(() => [])) {
    stored[t.dtype] = (stored[t.dtype] ?? 0) + t.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[t.dtype] ?? 4);
  }
  const budget = budgetBytes === undefined ? undefined : { bytes: budgetBytes, from: '--memory-budget' };
  if (json) {
    io.stdout.write(`${JSON.stringify({ checkpoint: source.label, method: req.method?.peft_type ?? null, forecast, stored, ...(budget ? { budget: { ...budget, fits: forecast.peakBytes <= budget.bytes } } : {}) })}\n`);
    return;
  }
  io.stdout.write(`checkpoint    ${source.label}\n${formatForecast(forecast, { method: req.method ? String(req.method.peft_type) : 'full fine-tuning', budget, stored })}`);
}

/** `--method LORA` or a JSON adapter config; LoRA with its defaults when absent. */
function methodOf(raw: unknown): Record<string, unknown> {
  if (raw === undefined) return { peft_type: 'LORA' };
  const text = String(raw).trim();
  if (!text.startsWith('{')) return { peft_type: text.toUpperCase() };
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { peft_type?: unknown }).peft_type === 'string') return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UsageError(`inspect: --method expects a method name (LORA, IA3, …) or an adapter config such as '{"peft_type": "LORA", "r": 8}', got ${text}`);
}
