import { adapterTarget } from './adapter-target.js';
import { checkpointTarget } from './checkpoint-target.js';
import { datasetTarget } from './dataset-target.js';
import { exportRunTarget } from './export-run-target.js';
import { floatSafetensorsTarget } from './float-safetensors-target.js';
import { hubTarget } from './hub-target.js';
import { hugeConfigTarget } from './huge-config-target.js';
import { metricsTarget } from './metrics-target.js';
import { modelTarget } from './model-target.js';
import { parquetTarget } from './parquet-target.js';
import { safetensorsTarget } from './safetensors-target.js';
import { selftestTarget } from './selftest-target.js';
import { sentencePieceTokenizerTarget } from './sentencepiece-tokenizer-target.js';
import { t5ConfigTarget } from './t5-config-target.js';
import { tokenizerTarget } from './tokenizer-target.js';
import { trainConfigTarget } from './train-config-target.js';
import type { FuzzTarget } from '../fuzz-runner.js';

/** Every fuzz target, in run order. @example `FUZZ_TARGETS.map((t) => t.name)` */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  safetensorsTarget,
  adapterTarget,
  modelTarget,
  tokenizerTarget,
  trainConfigTarget,
  datasetTarget,
  checkpointTarget,
  metricsTarget,
  floatSafetensorsTarget,
  t5ConfigTarget,
  sentencePieceTokenizerTarget,
  parquetTarget,
  hubTarget,
  hugeConfigTarget,
  exportRunTarget,
];

/** Every target the CLI can run with `--only`: the default ones and the runner's self-test. @example `ALL_FUZZ_TARGETS.find((t) => t.name === 'selftest')` */
export const ALL_FUZZ_TARGETS: readonly FuzzTarget[] = [...FUZZ_TARGETS, selftestTarget];
