/**
 * `@peft/core`: tensors, autograd, modules, optimizers and safetensors on WebGPU, with an exact CPU
 * reference backend, and the PEFT model that wraps a base model with adapters.
 *
 * This is the entry point for users: what the README, the guides and the examples import. Authors of
 * fine-tuning methods and model architectures have `@peft/core/plugin` (the adapter-layer base, config
 * fields, the full set of functional ops); authors of kernels and backends have `@peft/core/backend`.
 *
 * @example
 * ```ts
 * import { getPeftModel, registerMethod, tensor, tidy } from '@peft/core';
 * ```
 *
 * @packageDocumentation
 */
import { installTensorMethods } from './tensor-methods.js';

// Tensor's chainable methods call the op and autograd functions, which tensor.ts cannot import (they
// import it): every entry point connects them when it loads.
installTensorMethods();

// errors
export { PeftError, ArgumentError, AutogradError, ConfigError, DTypeError, DeviceError, DisposedTensorError, FileFormatError, MergeError, NoTargetError, PluginError, ShapeError } from './errors.js';
export { DEVICE_ERROR_ADVICE, type PeftErrorCode } from './errors.js';

// tensors, scopes, autograd, randomness
export type { DType, TypedArray } from './dtype.js';
export type { Shape } from './shape.js';
export { Tensor } from './tensor.js';
export { tidy, keep } from './scope.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/graph.js';
export { checkpoint, type CheckpointOptions } from './autograd/checkpoint.js';
export { Generator, defaultGenerator, manualSeed } from './random.js';

// creating tensors and the functional ops that are not Tensor methods
export { tensor, fromArray, zeros, ones, full, arange, randn, uniform, zerosLike, onesLike } from './ops/creation.js';
export type { CreateOptions, NestedArray, RandomOptions } from './ops/creation.js';
export { concat, stack, split, squeeze, unsqueeze, where } from './ops/index.js';
export { softmax, logSoftmax, gelu, silu, dropout, crossEntropy, mseLoss } from './ops/index.js';
export type { CrossEntropyOptions } from './ops/index.js';

// backends
export type { Backend, MemoryInfo } from './backend-interface.js';
export { getBackend, setBackend, withBackend } from './backend-registry.js';
export { createCpuBackend } from './backends/cpu/cpu-backend.js';
export type { CpuBackendOptions } from './backends/cpu/cpu-backend.js';
export { createWebGPUBackend } from './backends/webgpu/webgpu-backend.js';
export type { WebGPUBackendOptions } from './backends/webgpu/webgpu-backend.js';
export { KernelProfiler } from './backends/webgpu/kernel-profiler.js';
export type { KernelProfile, KernelProfileEntry } from './backends/webgpu/kernel-profiler.js';

// modules
export { Module } from './nn/module.js';
export { Parameter } from './nn/parameter.js';
export { ParameterDict } from './nn/parameter-dict.js';
export { ModuleDict } from './nn/module-dict.js';
export { ModuleList } from './nn/module-list.js';
export { Sequential } from './nn/sequential.js';
export { Linear } from './nn/linear.js';
export { Conv1D } from './nn/conv1d.js';
export { Embedding } from './nn/embedding.js';
export { LayerNorm } from './nn/layer-norm.js';
export { RMSNorm } from './nn/rms-norm.js';
export { Dropout } from './nn/dropout.js';
export { Identity } from './nn/identity.js';
export { GELU, ReLU, SiLU, Tanh, Sigmoid } from './nn/activations.js';
export type { LayerOptions } from './nn/layer-options.js';
export type { LoadStateDictResult } from './nn/load-state-dict.js';
export { setGradientCheckpointing } from './nn/gradient-checkpointing.js';

// optimizers
export { AdamW, SGD, Optimizer, clipGradNorm } from './optim/index.js';
export type { AdamWOptions, SGDOptions, GroupOptions, ParamGroup, ParamGroupInput, ParamState, OptimizerStateDict } from './optim/index.js';

// the model protocol
export type { PretrainedModel, ModelInfo, ModelInputs, ModelOutput } from './models/pretrained-model.js';

// safetensors and checkpoint sources
export { parseSafetensors, type ReadSafetensorsOptions, type SafetensorsContents, type SafetensorsTensor } from './io/safetensors.js';
export { readSafetensors, readSafetensorsHeader, type ByteSource } from './io/safetensors-reader.js';
export { serializeSafetensors, type SafetensorsTensorInput, type SafetensorsInputs } from './io/safetensors-writer.js';
export type { SafetensorsHeader, SafetensorsEntry } from './io/safetensors-header.js';
export type { SafetensorsArray, SafetensorsDType } from './io/safetensors-dtype.js';
export { serializeTensors, loadSafetensorsTensors, tensorsFromSafetensors } from './io/safetensors-tensors.js';
export type { LoadedTensors, SaveTensorsOptions, TensorRecord, ToTensorsOptions } from './io/safetensors-tensors.js';
export type { SafetensorsValues } from './io/safetensors-codec.js';
export { memorySource, type CheckpointSource } from './io/checkpoint-source.js';
export { urlSource, type UrlSourceOptions } from './io/url-source.js';
export { fileSource } from './io/file-source.js';

// PEFT: wrapping a model with adapters, composing, saving
export { getPeftModel } from './peft/model/get-peft-model.js';
export { PeftModel, DEFAULT_ADAPTER } from './peft/model/peft-model.js';
export type { PeftModelOptions, PeftInputs, LoadAdapterOptions } from './peft/model/peft-model.js';
export type { TunerRoot } from './peft/model/tuner-root.js';
export type { PromptEncoders } from './peft/prompt/prompt-injection.js';
export type { TrainableCounts } from './peft/model/trainable-parameters.js';
export { MethodRegistry, registerMethod, defaultRegistry } from './peft/method/method-registry.js';
export type { PeftMethod } from './peft/method/peft-method.js';
export type { PeftConfig, TaskType } from './peft/method/config-schema.js';
export { Average, BatchSplit, Parallel, Stack } from './peft/composition/composition-block.js';
export type { CompositionBlock, CompositionChild } from './peft/composition/composition-block.js';
export type { TargetExplanation, TargetReason } from './peft/targeting/target-matching.js';
export { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from './peft/files/adapter-files.js';
export type { AdapterFiles } from './peft/files/adapter-files.js';
