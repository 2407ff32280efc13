/**
 * `@peft/models`: GPT-2, LLaMA-family and BERT base models from Hugging Face checkpoints, with
 * parameter names identical to transformers, tokenizers, and generation. Browser-safe; the Node file
 * helpers are in `@peft/models/node`.
 *
 * @packageDocumentation
 */
export { ConfigReader } from './config-reader.js';
export type { CheckpointSource } from '@peft/core';
export { memorySource, urlSource, fileSource } from '@peft/core';
export { loadCheckpointWeights } from './checkpoint-weights.js';
export type { WeightMapping, LoadWeightsOptions } from './checkpoint-weights.js';
export { parseWeightDType, configWeightDType } from './weight-dtype.js';
export type { WeightDType } from './weight-dtype.js';
export type { Architecture } from './architecture.js';
export { registerArchitecture, registeredArchitectures } from './architecture.js';
export { loadPretrained, checkpointSource, createModel, readModelConfig, resolveArchitecture, supportedArchitectures } from './auto-model.js';
export { configParameterLowerBound } from './input-validation.js';
export type { LoadPretrainedOptions } from './auto-model.js';
export { attentionBias, scaledDotProductAttention, splitHeads, mergeHeads, defaultPositionIds, MASKED_SCORE } from './attention.js';
export type { AttentionBiasOptions } from './attention.js';
export { causalLMLoss } from './causal-lm-loss.js';
export { chunkedHeadLoss, isPlainLinear } from './chunked-head-loss.js';
export { embedInputs } from './embed-inputs.js';
export { applyActivation, checkActivation, ACTIVATION_NAMES } from './activation.js';
export type { ActivationName } from './activation.js';
export { parseGPT2Config } from './gpt2/config.js';
export type { GPT2Config } from './gpt2/config.js';
export { GPT2LMHeadModel, GPT2Model, GPT2Block, GPT2Attention, GPT2MLP } from './gpt2/model.js';
export type { GPT2ForwardContext } from './gpt2/model.js';
export { gpt2Architecture } from './gpt2/architecture.js';
export { generate, generateStream, maskPositions } from './generation/generate.js';
export type { GenerateOptions, GenerateResult } from './generation/generate.js';
export { TokenSampler, argmaxOf } from './generation/sampling.js';
export type { SamplingOptions } from './generation/sampling.js';
export { readGenerationConfig } from './generation/generation-config.js';
export { PretrainedTokenizer } from './tokenizer/pretrained-tokenizer.js';
export type { EncodeOptions, EncodeBatchOptions, EncodedBatch, DecodeOptions } from './tokenizer/pretrained-tokenizer.js';
export { loadTokenizer } from './tokenizer/load-tokenizer.js';
export { renderChatTemplate, selectChatTemplate } from './tokenizer/chat-template.js';
export type { ChatMessage, ChatTemplateOptions } from './tokenizer/chat-template.js';
export { TextStreamer } from './tokenizer/text-streamer.js';
export type { TokenDecoder } from './tokenizer/text-streamer.js';
export { parseBertConfig } from './bert/config.js';
export type { BertConfig, BertProblemType } from './bert/config.js';
export { BertModel, BertForSequenceClassification } from './bert/model.js';
export type { BertEncoding } from './bert/model.js';
export { BertEmbeddings, BertSelfAttention, BertResidualOutput, BertAttention, BertIntermediate, BertLayer, BertEncoder, BertPooler } from './bert/layers.js';
export type { BertLayerContext } from './bert/layers.js';
export { bertArchitecture, bertWeightMapping } from './bert/architecture.js';
export { sequenceClassificationLoss, bceWithLogits, inferProblemType } from './bert/sequence-classification-loss.js';
export { parseLlamaConfig, SUPPORTED_ROPE_TYPES } from './llama/config.js';
export type { LlamaConfig, RopeConfig, RopeType } from './llama/config.js';
export { LlamaForCausalLM, LlamaModel, LlamaDecoderLayer, LlamaAttention, LlamaMLP } from './llama/model.js';
export type { LlamaForwardContext } from './llama/model.js';
export { LlamaRotaryEmbedding, ropeFrequencies, rotateHalf, applyRotary } from './llama/rope.js';
export type { RopeFrequencies } from './llama/rope.js';
export { slidingWindowBias } from './llama/sliding-window.js';
export { llamaArchitecture } from './llama/architecture.js';
export { lmHead, causalLMOutput } from './lm-head.js';
export { parseJsonObject } from './json-object.js';
export { parseT5Config } from './t5/config.js';
export type { T5Config } from './t5/config.js';
export { T5ForConditionalGeneration } from './t5/model.js';
export { T5Stack } from './t5/stack.js';
export type { T5StackInputs } from './t5/stack.js';
export { T5Block, T5LayerSelfAttention, T5LayerCrossAttention, T5LayerFF, T5DenseActDense, T5DenseGatedActDense } from './t5/layers.js';
export type { T5BlockContext } from './t5/layers.js';
export { T5Attention } from './t5/attention.js';
export type { T5AttentionContext } from './t5/attention.js';
export { relativePositionBucket, relativePositionBuckets, relativePositionBias } from './t5/relative-position.js';
export { initT5Weights } from './t5/init-weights.js';
export { t5PromptForward } from './t5/prompt-forward.js';
export { t5Architecture } from './t5/architecture.js';
export type { Seq2SeqInputs, Seq2SeqOutput, EncoderOutput } from './seq2seq/seq2seq-inputs.js';
export { shiftTokensRight } from './seq2seq/shift-tokens-right.js';
export { seq2seqSteps, decoderStartTokenId } from './generation/seq2seq-steps.js';
export type { Seq2SeqStep } from './generation/seq2seq-steps.js';
