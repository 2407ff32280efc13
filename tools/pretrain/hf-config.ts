/**
 * The `config.json` and `generation_config.json` of the base model, with the keys and number
 * spellings that transformers' `GPT2Config.save_pretrained` writes (checked against transformers
 * 5.18 by check-transformers.py).
 */
import { JsonNumberText } from '../../packages/core/src/io/strict-json.js';
import { type JsonValue, formatPythonJson, pythonFloat } from '../../packages/core/src/plugin.js';

/** The shape of the GPT-2 model trained here. */
export interface ModelShape {
  readonly vocabSize: number;
  readonly nPositions: number;
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nInner: number;
  /** The id of `<|endoftext|>`: bos, eos and pad at once. */
  readonly eosId: number;
}

const float = (x: number) => new JsonNumberText(x, pythonFloat(x));

/**
 * The parsed config (plain numbers), for `createModel`.
 *
 * @example
 * ```ts
 * const model = createModel(gpt2ConfigObject(shape));
 * ```
 */
export function gpt2ConfigObject(s: ModelShape): Record<string, unknown> {
  return JSON.parse(gpt2ConfigJson(s)) as Record<string, unknown>;
}

/**
 * `config.json` text: dropout 0 (the model was trained without it), tied embeddings, GELU (tanh).
 *
 * @example
 * ```ts
 * writeFileSync('config.json', gpt2ConfigJson(shape));
 * ```
 */
export function gpt2ConfigJson(s: ModelShape): string {
  const c: Record<string, JsonValue> = {
    activation_function: 'gelu_new',
    add_cross_attention: false,
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: float(0),
    bos_token_id: s.eosId,
    embd_pdrop: float(0),
    eos_token_id: s.eosId,
    initializer_range: float(0.02),
    layer_norm_epsilon: float(1e-5),
    model_type: 'gpt2',
    n_embd: s.nEmbd,
    n_head: s.nHead,
    n_inner: s.nInner,
    n_layer: s.nLayer,
    n_positions: s.nPositions,
    pad_token_id: s.eosId,
    reorder_and_upcast_attn: false,
    resid_pdrop: float(0),
    scale_attn_by_inverse_layer_idx: false,
    scale_attn_weights: true,
    summary_activation: null,
    summary_first_dropout: float(0.1),
    summary_proj_to_labels: true,
    summary_type: 'cls_index',
    summary_use_proj: true,
    tie_word_embeddings: true,
    transformers_version: '5.18.0',
    use_cache: true,
    vocab_size: s.vocabSize,
  };
  return `${formatPythonJson(new Map(Object.entries(c)))}\n`;
}

/**
 * `generation_config.json` text, as transformers derives it from the model config.
 *
 * @example
 * ```ts
 * writeFileSync('generation_config.json', generationConfigJson(shape));
 * ```
 */
export function generationConfigJson(s: ModelShape): string {
  return `${formatPythonJson(new Map<string, JsonValue>(Object.entries({
    _from_model_config: true,
    bos_token_id: s.eosId,
    eos_token_id: s.eosId,
    output_attentions: false,
    output_hidden_states: false,
    pad_token_id: s.eosId,
    transformers_version: '5.18.0',
    use_cache: true,
  })))}\n`;
}
