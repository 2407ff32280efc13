import { parseJsonObject } from '../json-object.js';
import { ArgumentError, ConfigError, FileFormatError } from '@peft/core';
import { validateShape } from '@peft/core/plugin';
import { Tokenizer } from '@huggingface/tokenizers';
import { type ChatMessage, type ChatTemplateOptions, renderChatTemplate, selectChatTemplate } from './chat-template.js';
import { TOKENIZER_CONFIG_SCHEMA } from './tokenizer-config-schema.js';
import { TOKENIZER_JSON_SCHEMA } from './tokenizer-json-schema.js';

/**
 * Options of {@link PretrainedTokenizer.encode}.
 *
 * @example
 * ```ts
 * tokenizer.encode('Hello', { addSpecialTokens: false });
 * ```
 */
export interface EncodeOptions {
  /** Add the checkpoint's special tokens (BOS, `[CLS]`/`[SEP]`, …) through its post-processor (default true). */
  addSpecialTokens?: boolean;
}

/**
 * Options of {@link PretrainedTokenizer.encodeBatch}.
 *
 * @example
 * ```ts
 * tokenizer.encodeBatch(['a', 'a b c'], { paddingSide: 'left' });
 * ```
 */
export interface EncodeBatchOptions extends EncodeOptions {
  /** Where pad tokens go (default: tokenizer_config.json's `padding_side`, else 'right'). Decoders generate with 'left'. */
  paddingSide?: 'left' | 'right';
  /** The id that fills padded positions (default: the pad token, else the EOS token). */
  padTokenId?: number;
}

/**
 * A padded batch: ids and the matching attention mask (1 for real tokens, 0 for padding), each
 * `[batch][longest]`.
 *
 * @example
 * ```ts
 * const { inputIds, attentionMask } = tokenizer.encodeBatch(['hi', 'hello there']);
 * ```
 */
export interface EncodedBatch {
  inputIds: number[][];
  attentionMask: number[][];
}

/**
 * Options of {@link PretrainedTokenizer.decode}.
 *
 * @example
 * ```ts
 * tokenizer.decode(ids, { skipSpecialTokens: true });
 * ```
 */
export interface DecodeOptions {
  /** Leave out special tokens (`<|endoftext|>`, `[PAD]`, …) (default false). */
  skipSpecialTokens?: boolean;
}


function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>).content === 'string') return (value as Record<string, unknown>).content as string;
  return undefined;
}

/**
 * A Hugging Face tokenizer built from the text of `tokenizer.json` (and optionally
 * `tokenizer_config.json`): byte-level BPE (GPT-2, LLaMA 3), SentencePiece-style BPE and Unigram,
 * WordPiece (BERT). Encoding and decoding come from `@huggingface/tokenizers`; chat templates are
 * rendered with `@huggingface/jinja`. Browser-safe.
 *
 * @example
 * ```ts
 * const tokenizer = PretrainedTokenizer.fromJSON(tokenizerJsonText, tokenizerConfigText);
 * const ids = tokenizer.encode('Hello world');
 * tokenizer.decode(ids); // 'Hello world'
 * ```
 */
export class PretrainedTokenizer {
  /** The underlying `@huggingface/tokenizers` tokenizer. */
  readonly tokenizer: Tokenizer;
  /** The parsed tokenizer_config.json (`{}` when the checkpoint has none). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Where the files came from, for messages. */
  readonly label: string;
  readonly bosToken?: string;
  readonly eosToken?: string;
  readonly padToken?: string;
  readonly unkToken?: string;
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;
  readonly padTokenId?: number;
  readonly unkTokenId?: number;

  /**
   * Wraps parsed tokenizer files; most callers use {@link PretrainedTokenizer.fromJSON} or `loadTokenizer`.
   *
   * @example
   * ```ts
   * const t = new PretrainedTokenizer(JSON.parse(tokenizerJson), {});
   * ```
   */
  constructor(tokenizerJson: Readonly<Record<string, unknown>>, config: Readonly<Record<string, unknown>> = {}, label = 'tokenizer') {
    this.label = label;
    this.config = config;
    validateShape(TOKENIZER_JSON_SCHEMA, tokenizerJson, { file: `${label}/tokenizer.json` });
    validateShape(TOKENIZER_CONFIG_SCHEMA, config, { file: `${label}/tokenizer_config.json`, error: 'config' });
    const model = tokenizerJson.model as Record<string, unknown>;
    const complete = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...tokenizerJson };
    try {
      this.tokenizer = new Tokenizer(complete, { ...config });
    } catch (e) {
      throw new FileFormatError(`${label}/tokenizer.json: malformed or unsupported tokenizer (${(e as Error).message})`, { cause: e });
    }
    const modelUnk = tokenContent(model.unk_token);
    const pick = (key: string, fallback?: string): [string | undefined, number | undefined] => {
      const token = tokenContent(config[key]) ?? fallback;
      return [token, token === undefined ? undefined : this.tokenizer.token_to_id(token)];
    };
    [this.bosToken, this.bosTokenId] = pick('bos_token');
    [this.eosToken, this.eosTokenId] = pick('eos_token');
    [this.padToken, this.padTokenId] = pick('pad_token');
    [this.unkToken, this.unkTokenId] = pick('unk_token', modelUnk);
  }

  /**
   * Parses the text of `tokenizer.json` and (optionally) `tokenizer_config.json`. Malformed JSON or
   * an unsupported tokenizer is a `FileFormatError` naming the file.
   *
   * @example
   * ```ts
   * const tokenizer = PretrainedTokenizer.fromJSON(await (await fetch(url + '/tokenizer.json')).text());
   * ```
   */
  static fromJSON(tokenizerJson: string, tokenizerConfig?: string, label = 'tokenizer'): PretrainedTokenizer {
    return new PretrainedTokenizer(parseJsonObject(tokenizerJson, `${label}/tokenizer.json`), tokenizerConfig === undefined ? {} : parseJsonObject(tokenizerConfig, `${label}/tokenizer_config.json`), label);
  }

  /** Number of ids, added tokens included. @example `tokenizer.vocabSize // 50257` */
  get vocabSize(): number {
    return this.tokenizer.get_vocab(true).size;
  }

  /** The id of a token string, or undefined when it is not in the vocabulary. @example `tokenizer.tokenToId('[CLS]') // 101` */
  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** The token string of an id, or undefined. @example `tokenizer.idToToken(101) // '[CLS]'` */
  idToToken(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }

  /**
   * Token ids of a text.
   *
   * @example
   * ```ts
   * tokenizer.encode('Hello world', { addSpecialTokens: false }); // [15496, 995]
   * ```
   */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    const encoding = this.tokenizer.encode(text, { add_special_tokens: opts.addSpecialTokens ?? true });
    // a Unigram model without unk_id has no id for a piece outside its vocabulary (Hugging Face's
    // tokenizers raise "unknown token but unk_id is missing" there)
    const unknown = encoding.ids.findIndex((id) => typeof id !== 'number');
    if (unknown >= 0) {
      throw new ArgumentError(`${this.label}: encode: ${JSON.stringify(encoding.tokens[unknown])} is not in the vocabulary, and tokenizer.json's model has no unk_id to stand for it`);
    }
    return encoding.ids;
  }

  /**
   * Encodes several texts and pads them to the longest, on the left or the right.
   *
   * @example
   * ```ts
   * const { inputIds, attentionMask } = tokenizer.encodeBatch(['a', 'a b'], { paddingSide: 'left' });
   * // attentionMask: [[0, 1], [1, 1]]
   * ```
   */
  encodeBatch(texts: readonly string[], opts: EncodeBatchOptions = {}): EncodedBatch {
    const side = opts.paddingSide ?? this.paddingSide;
    const rows = texts.map((t) => this.encode(t, opts));
    const longest = Math.max(0, ...rows.map((r) => r.length));
    const needsPad = rows.some((r) => r.length < longest);
    const pad = opts.padTokenId ?? this.padTokenId ?? this.eosTokenId;
    if (needsPad && pad === undefined) {
      throw new ConfigError(`${this.label}: encodeBatch: texts of different lengths need a pad token, but the tokenizer has no pad_token or eos_token; pass padTokenId`);
    }
    const inputIds: number[][] = [];
    const attentionMask: number[][] = [];
    for (const r of rows) {
      const fill = new Array<number>(longest - r.length).fill(pad ?? 0);
      const zeros = new Array<number>(longest - r.length).fill(0);
      const ones = new Array<number>(r.length).fill(1);
      inputIds.push(side === 'left' ? [...fill, ...r] : [...r, ...fill]);
      attentionMask.push(side === 'left' ? [...zeros, ...ones] : [...ones, ...zeros]);
    }
    return { inputIds, attentionMask };
  }

  /** tokenizer_config.json's `padding_side` ('right' when absent). @example `tokenizer.paddingSide // 'left'` */
  get paddingSide(): 'left' | 'right' {
    const side = this.config.padding_side;
    if (side === undefined || side === null) return 'right';
    if (side !== 'left' && side !== 'right') {
      throw new ConfigError(`${this.label}/tokenizer_config.json: padding_side: expected "left" or "right", got ${JSON.stringify(side)}`);
    }
    return side;
  }

  /**
   * Text of token ids (an empty list gives '').
   *
   * @example
   * ```ts
   * tokenizer.decode([15496, 995]); // 'Hello world'
   * ```
   */
  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    if (ids.length === 0) return '';
    for (const id of ids) {
      if (!Number.isInteger(id)) throw new ArgumentError(`${this.label}: decode: expected integer token ids, got ${id}`);
    }
    return this.tokenizer.decode([...ids], { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  /** Whether the checkpoint carries a chat template. @example `if (tokenizer.hasChatTemplate) …` */
  get hasChatTemplate(): boolean {
    return this.config.chat_template !== undefined && this.config.chat_template !== null;
  }

  /**
   * Renders a conversation with the checkpoint's chat template (tokenizer_config.json's
   * `chat_template`, a string or a list of named templates), with `bos_token`, `eos_token`,
   * `pad_token` and `unk_token` available to the template. A checkpoint without a template is a
   * `ConfigError` (pass `chatTemplate` to supply one).
   *
   * @example
   * ```ts
   * const text = tokenizer.applyChatTemplate([{ role: 'user', content: 'Hi!' }], { addGenerationPrompt: true });
   * const ids = tokenizer.encode(text, { addSpecialTokens: false });
   * ```
   */
  applyChatTemplate(messages: readonly ChatMessage[], opts: ChatTemplateOptions = {}): string {
    const where = `${this.label}/tokenizer_config.json`;
    const source = opts.chatTemplate ?? selectChatTemplate(this.config.chat_template, opts.tools !== undefined, where);
    if (source === undefined) {
      throw new ConfigError(`${where}: applyChatTemplate: this checkpoint has no chat_template (a base model, not a chat model); pass chatTemplate or format the prompt yourself`);
    }
    const variables: Record<string, unknown> = {};
    for (const [key, value] of [['bos_token', this.bosToken], ['eos_token', this.eosToken], ['pad_token', this.padToken], ['unk_token', this.unkToken]] as const) {
      if (value !== undefined) variables[key] = value;
    }
    return renderChatTemplate(source, messages, opts, variables, `${where}: chat_template`);
  }
}
