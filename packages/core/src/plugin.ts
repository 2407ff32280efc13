/**
 * `@peft/core/plugin`: what a method author needs to write a PEFT method (LoRA, LoHa, a third-party
 * VeRA …) on top of `@peft/core`, and what a model architecture needs beyond the main entry. Users of
 * methods and models never import it; they use the main entry's `getPeftModel`, `PeftModel`, tensors
 * and modules.
 *
 * - Adapter layers: {@link AdapterLayer} (adding and deleting adapters is done here; a method writes
 *   `createAdapter`, `adapterState` and `applyAdapter`), {@link LinearAdapterLayer} for dense layers,
 *   {@link LowRankFactorLayer} for methods whose adapters are factor matrices (LoHa, LoKr).
 * - Configs: {@link configField}, {@link defineConfig}, {@link TARGET_FIELDS}, {@link PROMPT_LEARNING_FIELDS}.
 * - The method object: {@link PeftMethod} and what its hooks receive ({@link LayerContext},
 *   {@link WeightedAdapterRequest}, {@link AdapterTrainingHooks} …), and {@link registerMethod}.
 * - Helpers: LyCORIS dropouts ({@link moduleDropped}, {@link rankDropoutMask}), {@link customFunction}
 *   for an op with a hand-written backward, per-row adapters ({@link currentAdapterRows}), Python-style
 *   JSON and regexes for config files.
 * - The whole functional op set (`add`, `matmul`, `layerNorm`, `embedding`, …; the main entry keeps
 *   only the ops that are not Tensor methods), scope and module building blocks ({@link composite},
 *   {@link Variable}, {@link UnaryModule}), linear algebra ({@link svd}, {@link qr}) and the
 *   counter-based hash behind dropout masks and shuffles ({@link hash32}).
 *
 * @example
 * ```ts
 * import { type LayerContext, LinearAdapterLayer, TARGET_FIELDS, configField, defineConfig } from '@peft/core/plugin';
 * import { Parameter, ParameterDict, type Tensor, ones } from '@peft/core';
 * ```
 *
 * @packageDocumentation
 */
import { installTensorMethods } from './tensor-methods.js';

// Tensor's chainable methods call the op and autograd functions, which tensor.ts cannot import (they
// import it): every entry point connects them when it loads.
installTensorMethods();

export { AdapterLayer, type NewAdapter } from './peft/method/adapter-layer.js';
export { LinearAdapterLayer } from './peft/method/linear-adapter-layer.js';
export { LowRankFactorLayer, type FactorSettings } from './peft/method/low-rank-factor-layer.js';
export { adapterDType } from './peft/method/adapter-dtype.js';
export type { LayerContext } from './peft/method/layer-context.js';
export { moduleDropped, rankDropoutMask } from './peft/method/adapter-dropout.js';
export { configField } from './peft/method/config-field.js';
export type { ConfigField, FieldValue } from './peft/method/config-field.js';
export { defineConfig } from './peft/method/config-schema.js';
export type { PeftConfig, TaskType, ConfigSchema, ConfigOf, ConfigOptions, ConfigFields } from './peft/method/config-schema.js';
export { TARGET_FIELDS, isTargetedConfig } from './peft/targeting/targeted-config.js';
export type { TargetedConfig } from './peft/targeting/targeted-config.js';
export { LORA_FAMILY_TARGETS, loraFamilyTargets } from './peft/targeting/lora-family-targets.js';
export { pythonFullMatch, pythonMatch, pythonSearch } from './peft/targeting/python-regex.js';
export type { PeftMethod, ExtraParameter, ExtraParametersContext, WeightedAdapterRequest } from './peft/method/peft-method.js';
export { MethodRegistry, registerMethod, defaultRegistry } from './peft/method/method-registry.js';
export type { AdapterTrainingHooks, TrainingHooksContext } from './peft/model/training-hooks.js';
export { BASE_ADAPTER, withAdapterRows, currentAdapterRows } from './peft/model/adapter-rows.js';
export { SAVED_PREFIX, PROMPT_SAVED_PREFIX } from './peft/files/adapter-state.js';
export { PROMPT_LEARNING_FIELDS, completePromptLearningConfig, nullableIntField, isPromptLearningConfig } from './peft/prompt/prompt-learning-config.js';
export type { PromptLearningConfig } from './peft/prompt/prompt-learning-config.js';
export { PromptEmbedding } from './peft/prompt/prompt-encoder.js';
export type { PromptEncoder, PromptEncoderContext, PromptKind } from './peft/prompt/prompt-encoder.js';
export { customFunction, type CustomBackward, type CustomAttrs } from './autograd/custom-function.js';
export { formatPythonJson, pythonFloat } from './io/python-json.js';
export type { JsonValue } from './io/strict-json.js';

// the functional ops, scopes and building blocks of modules and models
export * from './ops/index.js';
export { composite } from './scope.js';
export { fmtShape } from './errors.js';
export { shapeSize } from './shape.js';
export { Variable } from './nn/variable.js';
export { isParameter } from './nn/parameter.js';
export type { UnaryModule } from './nn/module.js';
export { ModulesToSaveWrapper } from './peft/model/modules-to-save.js';
export { promptForward } from './peft/prompt/prompt-injection.js';
export { hash32, dropoutKeep } from './kernels/random-hash.js';
export { parseStrictJson } from './io/strict-json.js';
export { svd, type SvdResult } from './linalg/svd.js';
export { qr, type QrResult } from './linalg/qr.js';
export { isPromptAwareModel, type PromptAwareModel } from './peft/prompt/prompt-aware-model.js';
export { setSourceResolver, openSource, type SourceResolver, type SourceResolveOptions } from './io/source-resolver.js';
export { validateShape, type ValidateShapeOptions } from './io/validate-shape.js';
export { KVCache, type KVPair } from './models/kv-cache.js';
export { isLinearLike, type LinearLike } from './nn/linear-like.js';
export { isGradientCheckpointable, type GradientCheckpointable } from './nn/gradient-checkpointing.js';
export { JsonNumberText } from './io/strict-json.js';
