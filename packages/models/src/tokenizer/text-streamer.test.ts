import { describe, expect, it } from 'vitest';
import { PretrainedTokenizer } from './pretrained-tokenizer.js';
import { TextStreamer } from './text-streamer.js';
import { BPE_IDS, byteLevelBpeJson } from './test-tokenizers.js';

const tokenizer = PretrainedTokenizer.fromJSON(JSON.stringify(byteLevelBpeJson()));

describe('TextStreamer', () => {
  it('returns each token’s new text as it arrives', () => {
    const s = new TextStreamer(tokenizer);
    expect([s.put(BPE_IDS.hello), s.put(BPE_IDS.Gworld), s.put('!'.charCodeAt(0))]).toEqual(['hello', ' world', '!']);
    expect(s.end()).toBe('');
    expect(s.tokens).toEqual([BPE_IDS.hello, BPE_IDS.Gworld, 33]);
  });

  it('holds back a multi-byte character until its last byte arrives', () => {
    const s = new TextStreamer(tokenizer);
    const bytes = [...new TextEncoder().encode('a😀b')]; // byte-level ids equal byte values for single bytes
    const out = bytes.map((b) => s.put(b));
    expect(out).toEqual(['a', '', '', '', '😀', 'b']);
    expect(out.join('')).toBe('a😀b');
  });

  it('flushes an incomplete character at the end', () => {
    const s = new TextStreamer(tokenizer);
    expect(s.put([0x68, 0xf0, 0x9f])).toBe('');
    expect(s.end()).toBe('h\uFFFD');
  });

  it('skips special tokens when asked', () => {
    const s = new TextStreamer(tokenizer, { skipSpecialTokens: true });
    expect(s.put(BPE_IDS.hello) + s.put(BPE_IDS.eos)).toBe('hello');
  });
});
