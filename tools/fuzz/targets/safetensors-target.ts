import { memorySource, readSafetensors, tensorsFromSafetensors } from '../../../packages/core/src/index.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { type FuzzRandom, mutateBytes, mutateJson } from '../fuzz-random.js';
import { seedBytes } from './seed-files.js';

const DTYPES = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL', 'F8_E4M3', 'F8_E5M2', 'U64', 'X9', ''];

/** A header built from scratch: random names, dtypes, shapes (sometimes huge) and offsets, over a small data section. */
function randomFile(r: FuzzRandom): Uint8Array {
  const entries: Record<string, unknown> = {};
  if (r.chance(0.3)) entries.__metadata__ = r.chance(0.5) ? { format: 'pt' } : { format: r.int(10) };
  const dataLength = r.int(4096);
  for (let k = r.int(6); k > 0; k--) {
    const rank = r.int(5);
    const shape = Array.from({ length: rank }, () => (r.chance(0.2) ? r.pick([2 ** 31, 2 ** 40, 2 ** 53, -1, 1.5]) : r.int(64)));
    const a = r.chance(0.8) ? r.int(dataLength + 1) : r.pick([-1, 2 ** 53, 1e300]);
    const b = r.chance(0.8) ? a + r.int(dataLength + 1 - Math.min(a, dataLength)) : r.pick([-1, 2 ** 40]);
    entries[`t${k}.${r.pick(['weight', 'lora_A.weight', '', '__proto__'])}`] = { dtype: r.pick(DTYPES), shape, data_offsets: [a, b] };
  }
  let header = new TextEncoder().encode(JSON.stringify(entries));
  if (r.chance(0.3)) header = new TextEncoder().encode(mutateJson(r, JSON.stringify(entries)));
  const out = new Uint8Array(8 + header.length + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  return out;
}

/**
 * Safetensors files (a real adapter, a base model, a bf16 model; mutated, or headers built from
 * scratch with hostile shapes and offsets) through `readSafetensors` and `tensorsFromSafetensors`.
 *
 * @example
 * ```ts
 * await runFuzzTarget(safetensorsTarget, { seed: 1, count: 100 });
 * ```
 */
export const safetensorsTarget: FuzzTarget = {
  name: 'safetensors',
  description: 'safetensors bytes → readSafetensors → tensorsFromSafetensors (cpu)',
  async prepare() {
    const seeds = await Promise.all([
      seedBytes('packages/testing/fixtures/cases/gpt2_lora/adapter_model.safetensors'),
      seedBytes('packages/models/test/fixtures/gpt2/model.safetensors'),
      seedBytes('packages/models/test/fixtures/variants/gpt2-bf16/model.safetensors'),
    ]);
    return (r) => {
      const kind = r.chance(0.25) ? 'random-header' : r.chance(0.03) ? 'clean' : 'mutated';
      const bytes = kind === 'random-header' ? randomFile(r) : kind === 'clean' ? r.pick(seeds) : r.chance(0.5) ? mutateHeader(r, r.pick(seeds)) : mutateBytes(r, r.pick(seeds));
      return {
        kind,
        bytes: bytes.length,
        run: async () => {
          const contents = await memorySource({ 'f.safetensors': bytes }, 'fuzz').withBytes('f.safetensors', (src) => readSafetensors(src));
          const tensors = tensorsFromSafetensors(contents);
          for (const t of tensors.values()) t.dispose();
        },
      };
    };
  },
};

/** Edits the JSON header itself, with the length prefix kept consistent, so inputs get past the prefix check. */
function mutateHeader(r: FuzzRandom, file: Uint8Array): Uint8Array {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = new TextDecoder().decode(file.subarray(8, 8 + n));
  const edited = new TextEncoder().encode(mutateJson(r, header));
  const out = new Uint8Array(8 + edited.length + file.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(edited.length), true);
  out.set(edited, 8);
  out.set(file.subarray(8 + n), 8 + edited.length);
  return out;
}
