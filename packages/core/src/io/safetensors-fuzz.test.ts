import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PeftError } from '../errors.js';
import { parseSafetensors } from './safetensors.js';
import { type ByteSource, readSafetensors } from './safetensors-reader.js';
import { testRandom } from '../test-support/numeric.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/safetensors/', import.meta.url));
const original = new Uint8Array(readFileSync(FIXTURES + 'gpt2_lora-adapter.safetensors'));
const headerEnd = 8 + Number(new DataView(original.buffer).getBigUint64(0, true));


const DIGITS = '0123456789';
const JSON_CHARS = '{}[]":,0123456789 -.eE\\';

/** One mutated copy of the original file; the mutation kinds favour the header. */
function mutate(rand: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rand() * n);
  const bytes = original.slice();
  switch (int(7)) {
    case 0: // flip bits in the header
      for (let k = 1 + int(4); k > 0; k--) bytes[8 + int(headerEnd - 8)] ^= 1 << int(8);
      return bytes;
    case 1: { // change one digit of the header (valid JSON, wrong numbers)
      const text = new TextDecoder().decode(bytes.subarray(8, headerEnd));
      const at = [...text].flatMap((c, i) => (DIGITS.includes(c) ? [i] : []));
      bytes[8 + at[int(at.length)]] = DIGITS.charCodeAt(int(10));
      return bytes;
    }
    case 2: // replace a header byte with a JSON-significant character
      bytes[8 + int(headerEnd - 8)] = JSON_CHARS.charCodeAt(int(JSON_CHARS.length));
      return bytes;
    case 3: // truncate anywhere
      return bytes.subarray(0, int(bytes.length));
    case 4: { // a random length prefix, small or huge
      const view = new DataView(bytes.buffer);
      if (rand() < 0.5) view.setBigUint64(0, BigInt(int(bytes.length * 2)), true);
      else view.setBigUint64(0, (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32)), true);
      return bytes;
    }
    case 5: { // delete or duplicate a header byte (shifts everything after it)
      const at = 8 + int(headerEnd - 8);
      const out = new Uint8Array(bytes.length + (rand() < 0.5 ? -1 : 1));
      out.set(bytes.subarray(0, at));
      if (out.length < bytes.length) out.set(bytes.subarray(at + 1), at);
      else out.set(bytes.subarray(at), at + 1);
      return out;
    }
    default: // random bytes anywhere, data included
      for (let k = 1 + int(8); k > 0; k--) bytes[int(bytes.length)] = int(256);
      return bytes;
  }
}

function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (target, position) => {
      if (position + target.length > bytes.length) throw new Error('read past the end');
      target.set(bytes.subarray(position, position + target.length));
    },
  };
}

type Outcome = { ok: true; names: string[] } | { ok: false; message: string };

describe('safetensors reader under random mutations', () => {
  it('either loads or throws a PeftError, quickly, for 400 mutated copies of a real adapter', async () => {
    const rand = testRandom(20240601);
    let loaded = 0;
    let slowest = 0;
    for (let i = 0; i < 400; i++) {
      const bytes = mutate(rand);
      const t0 = performance.now();
      let sync: Outcome;
      try {
        const r = parseSafetensors(bytes);
        sync = { ok: true, names: [...r.tensors.keys()] };
        loaded++;
      } catch (e) {
        if (!(e instanceof PeftError)) throw new Error(`mutation ${i} threw a non-PeftError: ${String(e)}`);
        sync = { ok: false, message: e.message };
      }
      slowest = Math.max(slowest, performance.now() - t0);
      // the random-access reader must reach the same verdict
      let viaSource: Outcome;
      try {
        const r = await readSafetensors(memorySource(bytes));
        viaSource = { ok: true, names: [...r.tensors.keys()] };
      } catch (e) {
        if (!(e instanceof PeftError)) throw new Error(`mutation ${i} (source reader) threw a non-PeftError: ${String(e)}`);
        viaSource = { ok: false, message: e.message };
      }
      expect(viaSource).toEqual(sync);
    }
    // some mutations (in the data section, or harmless ones) must still load; most must not
    expect(loaded).toBeGreaterThan(10);
    expect(loaded).toBeLessThan(300);
    expect(slowest).toBeLessThan(1000); // a hang or blow-up detector, not a benchmark (typical: ~2 ms)
  });
});
