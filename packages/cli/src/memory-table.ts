import { type MemoryForecast, formatBytes } from '@peft/train';
import { formatCount, formatTable } from './format.js';

/**
 * How a forecast is shown beside its table: the method, the budget (and where it came from) and the
 * checkpoint's bytes on disk, when known.
 *
 * @example
 * ```ts
 * const ctx: ForecastContext = { method: 'LORA', budget: { bytes: 2 ** 33, from: 'memory_budget' } };
 * ```
 */
export interface ForecastContext {
  readonly method?: string;
  readonly budget?: { readonly bytes: number; readonly from: string };
  /** Bytes of the safetensors files by dtype (from the headers), beside what holding them costs. */
  readonly stored?: Readonly<Record<string, number>>;
}

/**
 * The forecast as a table of parts (weights, adapter, gradients, optimizer state, activations, the
 * peak), with the largest buffers and the budget verdict.
 *
 * @example
 * ```ts
 * io.stdout.write(formatForecast(forecast, { method: 'LORA', budget }));
 * ```
 */
export function formatForecast(f: MemoryForecast, ctx: ForecastContext = {}): string {
  const names = { f32: 'float32', bf16: 'bfloat16 (vectors float32)', f16: 'float16 (vectors float32)' } as const;
  const held = f.quantizedLayers ? `${names[f.weightDType]}, ${f.quantizedLayers} dense layers in 4 bits` : names[f.weightDType];
  const stored = ctx.stored && Object.keys(ctx.stored).length ? `; on disk ${Object.entries(ctx.stored).map(([d, b]) => `${formatBytes(b)} ${d}`).join(' + ')}` : '';
  const rows = [
    ['part', 'bytes', 'what'],
    ['weights', formatBytes(f.weightBytes), `${formatCount(f.parameters)} parameters held as ${held}${stored}`],
    ['adapter', formatBytes(f.adapterBytes), `${formatCount(f.trainableParameters)} trainable values${ctx.method ? ` (${ctx.method})` : ''}`],
    ['gradients', formatBytes(f.gradientBytes), 'one float32 per trainable value'],
    ['optimizer', formatBytes(f.optimizerBytes), "AdamW's two float32 moments per trainable value"],
    ['activations', formatBytes(f.activationBytes), `per micro-batch of ${f.batchSize} × ${f.maxLength} tokens (${f.activationFactor.toFixed(1)} B per token·hidden·layer)`],
    ['peak', formatBytes(f.peakBytes), 'the most a training step holds at once (forecast within 10%)'],
  ];
  const lines = [
    `memory forecast (from config.json alone; no weight was read), gradient checkpointing ${f.gradientCheckpointing ? 'on' : 'off'}:`,
    formatTable(rows, [1]).trimEnd(),
    `largest weight       ${formatBytes(f.largestWeight.bytes)}: ${f.largestWeight.name} [${f.largestWeight.shape.join(', ')}] (must fit one device buffer)`,
    `largest step buffer  ${formatBytes(f.largestActivationBytes)} (shrinks with the batch and max_length)`,
  ];
  if (ctx.budget) {
    const verdict = f.peakBytes <= ctx.budget.bytes ? 'fits' : 'does NOT fit';
    lines.push(`budget               ${formatBytes(ctx.budget.bytes)} from ${ctx.budget.from}: ${verdict}`);
  }
  return `${lines.join('\n')}\n`;
}
