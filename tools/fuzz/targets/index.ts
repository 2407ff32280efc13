import { adapterTarget } from './adapter-target.js';
import { datasetTarget } from './dataset-target.js';
import { modelTarget } from './model-target.js';
import { safetensorsTarget } from './safetensors-target.js';
import { tokenizerTarget } from './tokenizer-target.js';
import { trainConfigTarget } from './train-config-target.js';
import type { FuzzTarget } from '../fuzz-runner.js';

/** Every fuzz target, in run order. @example `FUZZ_TARGETS.map((t) => t.name)` */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [safetensorsTarget, adapterTarget, modelTarget, tokenizerTarget, trainConfigTarget, datasetTarget];
