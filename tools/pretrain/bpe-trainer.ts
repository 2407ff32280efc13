/**
 * A byte-level BPE trainer that writes Hugging Face `tokenizer.json` files of the GPT-2 kind: text is
 * split by GPT-2's pre-tokenization pattern, each piece's UTF-8 bytes are spelled with GPT-2's
 * printable byte alphabet, and the most frequent adjacent pair of symbols is merged, again and
 * again, until the vocabulary is full. Ids: the 256 bytes first (in byte order), then one per merge,
 * then the special tokens.
 */

/** GPT-2's pre-tokenization pattern (contractions, letters, digits, other symbols, whitespace). */
export const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * GPT-2's byte alphabet: printable Latin-1 bytes stand for themselves, the other 68 bytes take the
 * code points from U+0100 upwards in byte order (so a space is `Ġ` and a newline `Ċ`).
 *
 * @example
 * ```ts
 * byteAlphabet()[32]; // 'Ġ'
 * ```
 */
export function byteAlphabet(): string[] {
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    out.push(String.fromCodePoint(printable ? b : 256 + extra++));
  }
  return out;
}

/**
 * Counts the pre-tokenized pieces of some texts, each spelled in the byte alphabet.
 *
 * @example
 * ```ts
 * const counts = countPieces(['a cat', 'a dog']); // Map { 'a' => 2, 'Ġcat' => 1, 'Ġdog' => 1 }
 * ```
 */
export function countPieces(texts: Iterable<string>): Map<string, number> {
  const alphabet = byteAlphabet();
  const encoder = new TextEncoder();
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const m of text.matchAll(GPT2_PATTERN)) {
      let spelled = '';
      for (const b of encoder.encode(m[0])) spelled += alphabet[b];
      counts.set(spelled, (counts.get(spelled) ?? 0) + 1);
    }
  }
  return counts;
}

/** A trained vocabulary: symbol strings by id, and the merges in the order they were learned. */
export interface BpeModel {
  readonly tokens: string[];
  readonly merges: [string, string][];
}

const PAIR = 1 << 16;

/**
 * Learns `numMerges` merges (fewer if no pair occurs twice) from piece counts. Ties between equally
 * frequent pairs go to the pair whose spelled symbols sort first, so the result is deterministic.
 *
 * @example
 * ```ts
 * const model = trainBpe(countPieces(texts), 1791);
 * ```
 */
export function trainBpe(counts: ReadonlyMap<string, number>, numMerges: number, onProgress?: (done: number) => void): BpeModel {
  const alphabet = byteAlphabet();
  const idOf = new Map(alphabet.map((c, i) => [c, i]));
  const tokens = [...alphabet];
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [piece, n] of counts) {
    words.push([...piece].map((c) => idOf.get(c)!));
    freq.push(n);
  }
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const account = (w: number, sign: 1 | -1): void => {
    const s = words[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const key = s[i] * PAIR + s[i + 1];
      pairCount.set(key, (pairCount.get(key) ?? 0) + sign * freq[w]);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) account(w, 1);

  const merges: [string, string][] = [];
  for (let m = 0; m < numMerges; m++) {
    let best = -1;
    let bestCount = 1;
    for (const [key, n] of pairCount) {
      if (n > bestCount || (n === bestCount && best >= 0 && spelledBefore(key, best, tokens))) {
        best = key;
        bestCount = n;
      }
    }
    if (best < 0) break;
    const a = Math.floor(best / PAIR);
    const b = best % PAIR;
    const merged = tokens.length;
    tokens.push(tokens[a] + tokens[b]);
    merges.push([tokens[a], tokens[b]]);
    for (const w of pairWords.get(best) ?? []) {
      account(w, -1);
      const s = words[w];
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(merged);
          i++;
        } else out.push(s[i]);
      }
      words[w] = out;
      account(w, 1);
    }
    pairWords.delete(best);
    pairCount.delete(best);
    if (onProgress && (m + 1) % 250 === 0) onProgress(m + 1);
  }
  return { tokens, merges };
}

function spelledBefore(x: number, y: number, tokens: readonly string[]): boolean {
  const [xa, xb] = [tokens[Math.floor(x / PAIR)], tokens[x % PAIR]];
  const [ya, yb] = [tokens[Math.floor(y / PAIR)], tokens[y % PAIR]];
  return xa < ya || (xa === ya && xb < yb);
}

/**
 * The `tokenizer.json` of a trained model, as the `tokenizers` library writes a GPT-2 tokenizer:
 * ByteLevel pre-tokenizer, post-processor and decoder, a BPE model with the vocabulary and merges,
 * and the special tokens appended after the merges.
 *
 * @example
 * ```ts
 * writeFileSync('tokenizer.json', tokenizerJson(model, ['<|endoftext|>']));
 * ```
 */
export function tokenizerJson(model: BpeModel, specials: readonly string[]): string {
  const vocab: Record<string, number> = {};
  model.tokens.forEach((t, i) => (vocab[t] = i));
  const added = specials.map((content, i) => {
    vocab[content] = model.tokens.length + i;
    return { id: model.tokens.length + i, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
  });
  const byteLevel = (addPrefixSpace: boolean, trimOffsets: boolean) => ({ type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: trimOffsets, use_regex: true });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: model.merges,
    },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
