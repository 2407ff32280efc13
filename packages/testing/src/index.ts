/**
 * `@peft/testing`: the checks every `@peft` method runs — parity with Python PEFT's golden cases and
 * the method conformance suite.
 *
 * @packageDocumentation
 */
export { FIXTURE_CASES, fixtureModelDir, caseDir, readFixtureCase, hasCaseFile, readCaseTensors, loadFixtureModel, intTensor, flat, meaningful } from './fixture-files.js';
export type { FixtureCase } from './fixture-files.js';
export { describeAdapterParity, FIXTURE_TOLERANCE } from './adapter-parity.js';
export type { AdapterParityOptions } from './adapter-parity.js';
export { describeMethodConformance } from './conformance.js';
export type { ConformanceCase, MethodConformanceOptions } from './conformance.js';
export { TINY_MODEL_CONFIGS, createTinyModel, tinyBatch } from './tiny-models.js';
export type { TinyBase } from './tiny-models.js';
export { expectLossOnlyStepMatches } from './loss-only.js';
export type { StepResult } from './loss-only.js';
export { adapterParameters, baseParameters, perturbAdapter, snapshot } from './adapter-parameters.js';
export { describePromptParity, tinyTokenize } from './prompt-parity.js';
export type { PromptParityOptions } from './prompt-parity.js';
export { exportInteropCases } from './interop-export.js';
export type { InteropCase } from './interop-export.js';
