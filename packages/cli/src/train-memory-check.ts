import { type Backend, PeftError } from '@peft/core';
import type { MemoryForecast, TrainConfig } from '@peft/train';
import { checkpointFolder } from './checkpoint.js';
import type { TextSink } from './io.js';
import { type EstimateRequest, adapterMethod, checkForecast, estimateTraining, fittingAlternatives, memoryBudget } from './memory-estimate.js';
import { formatForecast } from './memory-table.js';

/**
 * `peft train`'s check before loading: forecasts the run's memory from config.json (no weight is
 * read), prints the forecast, and refuses, before anything is allocated, a run that does not fit the
 * budget ({@link memoryBudget}) or the device's largest buffer, naming what does not fit and the
 * changes that would. With `estimate_check: false` (`--no-estimate-check`) it warns and goes on.
 *
 * @example
 * ```ts
 * await checkTrainingMemory(cfg, session.backend, io.stderr, { quiet: false });
 * ```
 */
export async function checkTrainingMemory(cfg: TrainConfig, backend: Backend, out: TextSink, opts: { quiet?: boolean } = {}): Promise<void> {
  const source = await checkpointFolder(cfg.model, cfg.revision);
  const method = cfg.method ?? (cfg.adapter ? await adapterMethod(cfg.adapter, cfg.revision) : undefined);
  const req: EstimateRequest = {
    source,
    method,
    quantization: cfg.quantization,
    batchSize: cfg.args.perDeviceTrainBatchSize,
    maxLength: cfg.data.maxLength,
    gradientCheckpointing: cfg.args.gradientCheckpointing,
    weightDType: cfg.torchDType,
  };
  const budget = memoryBudget(backend, cfg.memoryBudget);
  let forecast: MemoryForecast;
  try {
    forecast = await estimateTraining(req, { budgetBytes: cfg.estimateCheck ? budget.bytes : undefined });
  } catch (e) {
    // a refusal stops here; anything else (a layer the shape backend cannot run) is the loader's to report
    if (e instanceof PeftError && e.code === 'OUT_OF_MEMORY') throw e;
    out.write(`peft: note: no memory forecast for this run (${(e as Error).message.split('\n')[0]}); going on to load\n`);
    return;
  }
  if (!opts.quiet) out.write(formatForecast(forecast, { method: method ? String(method.peft_type) : undefined, budget }));
  const max = backend.maxBufferBytes;
  const fits = forecast.peakBytes <= budget.bytes && (max === undefined || Math.max(forecast.largestWeight.bytes, forecast.largestActivationBytes) <= max);
  if (fits) return;
  if (!cfg.estimateCheck) {
    out.write('peft: warning: the memory forecast does not fit; going on as estimate_check is false (an allocation may fail mid-run)\n');
    return;
  }
  const alternatives = forecast.largestWeight.bytes > (max ?? Infinity) ? [] : await fittingAlternatives(req, budget.bytes, max);
  checkForecast(forecast, budget, max, alternatives);
}
