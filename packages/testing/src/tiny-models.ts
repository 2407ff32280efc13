import { type Backend, type PretrainedModel, type Tensor, fromArray, manualSeed } from '@peft/core';
import { createModel } from '@peft/models';

/**
 * The tiny base models the conformance suite builds in memory: a GPT-2 language model, a LLaMA
 * language model, a BERT sequence classifier (three labels) and a T5 encoder-decoder.
 *
 * @example
 * ```ts
 * const base: TinyBase = 'bert-seq-cls';
 * ```
 */
export type TinyBase = 'gpt2' | 'llama' | 'bert-seq-cls' | 't5';

/**
 * `config.json` of each tiny base: two layers, hidden size 16, vocabulary 64, 32 positions, no
 * dropout, in transformers' field names.
 *
 * @example
 * ```ts
 * TINY_MODEL_CONFIGS.gpt2.n_embd; // 16
 * ```
 */
export const TINY_MODEL_CONFIGS: Readonly<Record<TinyBase, Readonly<Record<string, unknown>>>> = {
  gpt2: {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    activation_function: 'gelu_new',
    n_embd: 16,
    n_head: 2,
    n_layer: 2,
    n_positions: 32,
    vocab_size: 64,
    n_inner: null,
    attn_pdrop: 0,
    embd_pdrop: 0,
    resid_pdrop: 0,
    layer_norm_epsilon: 1e-5,
    bos_token_id: 0,
    eos_token_id: 1,
  },
  llama: {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_act: 'silu',
    hidden_size: 16,
    intermediate_size: 32,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    num_hidden_layers: 2,
    max_position_embeddings: 32,
    vocab_size: 64,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    attention_bias: false,
    mlp_bias: false,
    tie_word_embeddings: false,
    bos_token_id: 0,
    eos_token_id: 1,
  },
  'bert-seq-cls': {
    architectures: ['BertForSequenceClassification'],
    model_type: 'bert',
    hidden_act: 'gelu',
    hidden_size: 16,
    intermediate_size: 32,
    num_attention_heads: 2,
    num_hidden_layers: 2,
    max_position_embeddings: 32,
    vocab_size: 64,
    type_vocab_size: 2,
    layer_norm_eps: 1e-12,
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
    classifier_dropout: 0,
    pad_token_id: 0,
    id2label: { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' },
    label2id: { LABEL_0: 0, LABEL_1: 1, LABEL_2: 2 },
  },
  // original T5: ReLU feed-forward, the head tied to the token table and its input scaled by
  // d_model ** -0.5 (small logits keep merged-vs-unmerged rounding under the suite's 1e-5)
  t5: {
    architectures: ['T5ForConditionalGeneration'],
    model_type: 't5',
    vocab_size: 64,
    d_model: 16,
    d_kv: 8,
    d_ff: 32,
    num_layers: 2,
    num_heads: 2,
    relative_attention_num_buckets: 8,
    relative_attention_max_distance: 16,
    feed_forward_proj: 'relu',
    tie_word_embeddings: true,
    dropout_rate: 0,
    decoder_start_token_id: 0,
    pad_token_id: 0,
    eos_token_id: 1,
  },
};

/**
 * Builds tiny base model `base` on `backend` with weights drawn from the global generator seeded with
 * `seed`, so the same seed gives the same weights (in eval mode).
 *
 * @example
 * ```ts
 * const a = createTinyModel('gpt2', cpu, 7);
 * const b = createTinyModel('gpt2', cpu, 7); // identical weights
 * ```
 */
export function createTinyModel(base: TinyBase, backend: Backend, seed = 0): PretrainedModel {
  manualSeed(seed);
  const model = createModel(TINY_MODEL_CONFIGS[base], { backend });
  model.eval();
  return model;
}

/**
 * A fixed batch for tiny base `base` with `rows` rows of 6 tokens (the last row padded by two), and
 * labels: the input ids (a causal LM shifts them inside; T5 takes them as targets and also gets
 * `decoderInputIds`, the targets shifted right) or a class id per row.
 *
 * @example
 * ```ts
 * const { inputIds, attentionMask, labels } = tinyBatch('gpt2', cpu, 3);
 * ```
 */
export function tinyBatch(base: TinyBase, backend: Backend, rows = 3): { inputIds: Tensor; attentionMask: Tensor; labels: Tensor; decoderInputIds?: Tensor } {
  const seq = 6;
  const ids: number[] = [];
  const mask: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < seq; t++) {
      const padded = r === rows - 1 && t >= seq - 2;
      ids.push(padded ? 0 : 2 + ((r * 17 + t * 5 + 3) % 60));
      mask.push(padded ? 0 : 1);
    }
  }
  const i32 = (v: number[], shape: number[]): Tensor => fromArray(v, shape, { dtype: 'i32', backend });
  const labels =
    base === 'bert-seq-cls'
      ? i32(Array.from({ length: rows }, (_, r) => r % 3), [rows])
      : i32(
          ids.map((v, i) => (mask[i] ? v : -100)),
          [rows, seq],
        );
  if (base === 't5') {
    // the encoder-decoder's decoder reads its targets shifted right behind the start token 0
    const decoder = ids.map((_, i) => (i % seq === 0 ? 0 : mask[i - 1] ? ids[i - 1] : 0));
    return { inputIds: i32(ids, [rows, seq]), attentionMask: i32(mask, [rows, seq]), labels, decoderInputIds: i32(decoder, [rows, seq]) };
  }
  return { inputIds: i32(ids, [rows, seq]), attentionMask: i32(mask, [rows, seq]), labels };
}
