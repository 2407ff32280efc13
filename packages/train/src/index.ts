/**
 * `@peft/train`: trains adapters of a `PeftModel` — a {@link Trainer} with AdamW parameter groups,
 * learning-rate schedules, gradient accumulation, clipping, evaluation, early stopping, the methods'
 * training hooks and checkpoints that resume bit-exactly; datasets from JSONL, CSV or text in the
 * tokenized, text, prompt-completion, chat and classification formats; progress, a metrics log and a
 * loss curve.
 *
 * @packageDocumentation
 */
export { Trainer } from './trainer.js';
export type { TrainerOptions, TrainerCallbacks } from './trainer.js';
export type { BatchSource, BatchLoader, ModelBatch, MetricsLine, EvalMetrics, TrainResult } from './trainer-types.js';
export { DEFAULT_TRAINING_ARGS, resolveTrainingArgs } from './training-args.js';
export type { TrainingArgs } from './training-args.js';
export { parseTrainConfig, TRAIN_CONFIG_KEYS, DATA_CONFIG_KEYS } from './train-config.js';
export type { TrainConfig, DataConfig, QuantizationConfig } from './train-config.js';
export { prepareData, batchSource } from './prepare-data.js';
export type { PreparedData } from './prepare-data.js';
export { evaluateModel, disposeBatch } from './evaluate.js';
export { EarlyStopping } from './early-stopping.js';
export { decayParameterGroups, trainableParameters } from './parameter-groups.js';
export { optimizerStateToTensors, restoreOptimizerState } from './optimizer-state.js';
export { CHECKPOINT_FILES, checkpointName, encodeCheckpoint, decodeCheckpoint } from './checkpoint-codec.js';
export type { CheckpointContents } from './checkpoint-codec.js';
export { memoryCheckpointStore, adapterCheckpointFiles } from './checkpoint-store.js';
export type { CheckpointStore, CheckpointEntry } from './checkpoint-store.js';
export * from './schedule/index.js';
export { ProgressReporter } from './report/progress.js';
export type { ProgressOutput, ProgressOptions, ProgressMetrics } from './report/progress.js';
export { formatDuration, formatCount, formatLearningRate, formatLoss, formatProgressBar, formatProgressLog, renderBar } from './report/progress-format.js';
export type { ProgressState } from './report/progress-format.js';
export { MetricsLog, memoryMetricsStore, serializeMetrics, parseMetricsJsonl } from './report/metrics-log.js';
export type { MetricsEntry, MetricsStore, MetricsValue, MetricsLogOpenOptions } from './report/metrics-log.js';
export { lossCurveSvg, lossSeriesFromMetrics, smoothLoss } from './report/loss-curve.js';
export type { LossPoint, LossSeries, LossCurveOptions } from './report/loss-curve.js';
export { completionAccuracy } from './completion-accuracy.js';
export type { CompletionAccuracy } from './completion-accuracy.js';
export * from './data/index.js';
export { forecastMemory } from './memory/memory-forecast.js';
export type { MemoryForecast, MemoryForecastOptions } from './memory/memory-forecast.js';
export { parseMemorySize, formatBytes } from './memory/memory-size.js';
