import type { DecodeOptions } from './pretrained-tokenizer.js';

/** What {@link TextStreamer} needs of a tokenizer. @example `const d: TokenDecoder = tokenizer;` */
export interface TokenDecoder {
  decode(ids: readonly number[], opts?: DecodeOptions): string;
}

const REPLACEMENT = '\uFFFD';

/**
 * Turns generated token ids, given one (or a few) at a time, into text that is safe to print as it
 * comes. It decodes the whole sequence so far and hands back only the part past what was already
 * returned; while the text ends with U+FFFD (a multi-byte character split across tokens) it holds
 * the output back until the character completes. `end()` returns whatever is still held.
 *
 * @example
 * ```ts
 * const streamer = new TextStreamer(tokenizer, { skipSpecialTokens: true });
 * await generate(model, ids, { onToken: ([t]) => process.stdout.write(streamer.put(t)) });
 * process.stdout.write(streamer.end());
 * ```
 */
export class TextStreamer {
  private readonly ids: number[] = [];
  private printed = 0;

  constructor(
    private readonly tokenizer: TokenDecoder,
    private readonly opts: DecodeOptions = {},
  ) {}

  /** Every id received so far. @example `streamer.tokens.length` */
  get tokens(): readonly number[] {
    return this.ids;
  }

  /**
   * Adds ids and returns the newly printable text ('' while a character is incomplete).
   *
   * @example
   * ```ts
   * process.stdout.write(streamer.put(id));
   * ```
   */
  put(ids: number | readonly number[]): string {
    if (typeof ids === 'number') this.ids.push(ids);
    else this.ids.push(...ids);
    const text = this.tokenizer.decode(this.ids, this.opts);
    if (text.endsWith(REPLACEMENT)) return '';
    return this.emit(text);
  }

  /**
   * Returns the text still held back (an incomplete character at the very end is given as U+FFFD).
   *
   * @example
   * ```ts
   * process.stdout.write(streamer.end() + '\n');
   * ```
   */
  end(): string {
    return this.emit(this.tokenizer.decode(this.ids, this.opts));
  }

  private emit(text: string): string {
    // The text of a longer sequence extends the text of a shorter one, so the new part is what lies
    // past the length already printed (printed text cannot be taken back).
    if (text.length <= this.printed) return '';
    const out = text.slice(this.printed);
    this.printed = text.length;
    return out;
  }
}
