/**
 * `@peft/core`: tensors, autograd, modules, optimizers and safetensors on WebGPU, with an exact CPU
 * reference backend.
 *
 * @packageDocumentation
 */
import { installTensorMethods } from './tensor-methods.js';

// Tensor's chainable methods call the op and autograd functions, which tensor.ts cannot import (they
// import it): every entry point connects them when it loads.
installTensorMethods();

export * from './errors.js';
export * from './dtype.js';
export * from './shape.js';
export type { Backend, BufferHandle, View, UnaryOp, BinaryOp, CompareOp, ReduceOp, MemoryInfo, AdamWStep, NormKind } from './backend-interface.js';
export type { UnaryGradOp } from './kernels/unary-grad.js';
export { Storage } from './storage.js';
export { Tensor } from './tensor.js';
export { tidy, keep, composite, scopeDepth } from './scope.js';
export { getBackend, setBackend, withBackend } from './backend-registry.js';
export { CpuBackend, createCpuBackend } from './backends/cpu/cpu-backend.js';
export type { CpuBackendOptions } from './backends/cpu/cpu-backend.js';
export { Generator, defaultGenerator, manualSeed } from './random.js';
export { noGrad, isGradEnabled, enableGrad } from './autograd/graph.js';
export { checkpoint, type CheckpointOptions } from './autograd/checkpoint.js';
export type { OpAttrs, OpName, GradNode } from './autograd/graph.js';
export { GRAD_RULES, sumToShape } from './autograd/grad-rules.js';
export type { GradRule } from './autograd/grad-rules.js';
export { backward } from './autograd/backward.js';
export { customFunction, type CustomBackward, type CustomAttrs } from './autograd/custom-function.js';
export * from './ops/index.js';
export { hash32, dropoutKeep } from './kernels/random-hash.js';
export * from './nn/index.js';
export * from './models/index.js';
export * from './optim/index.js';
export * from './io/safetensors-dtype.js';
export * from './io/safetensors-header.js';
export { decodeSafetensorsInto, decodeSafetensorsBytes, encodeSafetensorsValues } from './io/safetensors-codec.js';
export type { SafetensorsValues } from './io/safetensors-codec.js';
export * from './io/safetensors-writer.js';
export * from './io/safetensors.js';
export * from './io/safetensors-reader.js';
export * from './io/safetensors-tensors.js';
export * from './io/float-bits.js';
export type { CheckpointSource } from './io/checkpoint-source.js';
export { memorySource } from './io/checkpoint-source.js';
export { urlSource } from './io/url-source.js';
export type { UrlSourceOptions } from './io/url-source.js';
export { fileSource } from './io/file-source.js';
export { parseStrictJson, JsonNumberText, isWellFormedUtf16 } from './io/strict-json.js';
export type { JsonValue } from './io/strict-json.js';
export { WebGPUBackend, createWebGPUBackend } from './backends/webgpu/webgpu-backend.js';
export { KernelProfiler, kernelFamily } from './backends/webgpu/kernel-profiler.js';
export type { KernelProfile, KernelProfileEntry, ProfileMethod } from './backends/webgpu/kernel-profiler.js';
export type { WebGPUBackendOptions } from './backends/webgpu/webgpu-backend.js';
export { svd } from './linalg/svd.js';
export type { SvdResult } from './linalg/svd.js';
export { qr } from './linalg/qr.js';
export type { QrResult } from './linalg/qr.js';
export { formatPythonJson, pythonFloat } from './io/python-json.js';
export { configField } from './peft/method/config-field.js';
export type { ConfigField, FieldValue } from './peft/method/config-field.js';
export { defineConfig } from './peft/method/config-schema.js';
export type { PeftConfig, TaskType, ConfigSchema, ConfigOf, ConfigOptions, ConfigFields } from './peft/method/config-schema.js';
export { TARGET_FIELDS, isTargetedConfig } from './peft/targeting/targeted-config.js';
export type { TargetedConfig } from './peft/targeting/targeted-config.js';
export { AdapterLayer, type NewAdapter } from './peft/method/adapter-layer.js';
export { LowRankFactorLayer, type FactorSettings } from './peft/method/low-rank-factor-layer.js';
export { LinearAdapterLayer } from './peft/method/linear-adapter-layer.js';
export type { LayerContext } from './peft/method/layer-context.js';
export type { PeftMethod, ExtraParameter, ExtraParametersContext, WeightedAdapterRequest } from './peft/method/peft-method.js';
export { MethodRegistry, registerMethod, defaultRegistry } from './peft/method/method-registry.js';
export { BASE_ADAPTER, withAdapterRows, currentAdapterRows } from './peft/model/adapter-rows.js';
export { ModulesToSaveWrapper } from './peft/model/modules-to-save.js';
export { candidateModules } from './peft/targeting/candidate-modules.js';
export { injectAdapter, removeAdapterLayers, resolveTargets, wrapModulesToSave } from './peft/targeting/adapter-injection.js';
export type { LayerOwners } from './peft/targeting/adapter-injection.js';
export { SAVED_PREFIX, PROMPT_SAVED_PREFIX, adapterStateDict, loadAdapterState } from './peft/files/adapter-state.js';
export { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, adapterFiles, writeAdapterDirectory, readAdapterFiles } from './peft/files/adapter-files.js';
export type { AdapterFiles, ReadAdapter } from './peft/files/adapter-files.js';
export { formatTrainableParameters } from './peft/model/trainable-parameters.js';
export type { TrainableCounts } from './peft/model/trainable-parameters.js';
export { PeftModel, DEFAULT_ADAPTER } from './peft/model/peft-model.js';
export type { PeftHost } from './peft/model/peft-host.js';
export { getPeftModel } from './peft/model/get-peft-model.js';
export { Average, BatchSplit, Parallel, Stack, compositionAdapters, isFlatStack, validateComposition } from './peft/composition/composition-block.js';
export type { AdapterKinds, CompositionBlock, CompositionChild } from './peft/composition/composition-block.js';
export { composeAdapters } from './peft/composition/composition-forward.js';
export { COMPOSITION_FILE, adapterKinds, subSource } from './peft/composition/composition.js';
export { PROMPT_LEARNING_FIELDS, completePromptLearningConfig, nullableIntField, isPromptLearningConfig } from './peft/prompt/prompt-learning-config.js';
export type { PromptLearningConfig } from './peft/prompt/prompt-learning-config.js';
export { PromptEmbedding } from './peft/prompt/prompt-encoder.js';
export type { PromptEncoder, PromptEncoderContext, PromptKind } from './peft/prompt/prompt-encoder.js';
export { PromptEncoders, promptForward } from './peft/prompt/prompt-injection.js';
export { PROMPT_EMBEDDINGS_KEY, activePromptEncoder, createPromptAdapter, isPromptMethod, promptSavedState } from './peft/prompt/prompt-adapter.js';
export { LORA_FAMILY_TARGETS, loraFamilyTargets } from './peft/targeting/lora-family-targets.js';
export { moduleDropped, rankDropoutMask } from './peft/method/adapter-dropout.js';
export type { AdapterTrainingHooks, TrainingHooksContext } from './peft/model/training-hooks.js';
export { TunerRoot } from './peft/model/tuner-root.js';
export { applyActiveAdapters } from './peft/model/adapter-activation.js';
export type { PeftModelOptions, PeftInputs } from './peft/model/peft-model.js';
export { compilePythonRegex, pythonFullMatch, pythonMatch, pythonSearch, translatePythonRegex } from './peft/targeting/python-regex.js';
export type { PythonAnchor } from './peft/targeting/python-regex.js';
export { allLinearTargets, classificationHeadPath, expandAllLinear, explainTargets, findTargets, getSubmodules, isAllLinear, matchTarget, noTargetError, patternValue, validateTargetSpec } from './peft/targeting/target-matching.js';
export type { AllLinearOptions, TargetExplanation, TargetMatch, TargetReason, TargetSpec } from './peft/targeting/target-matching.js';
