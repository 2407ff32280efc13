import { type Backend, type Tensor, createCpuBackend, loadSafetensorsTensors, memorySource, serializeSafetensors } from '../../../packages/core/src/index.js';
import { createWebGPUBackend } from '../../../packages/core/src/backend.js';
import { nodeGPU } from '../../../packages/core/src/node.js';
import type { SafetensorsTensorInput } from '../../../packages/core/src/index.js';
import { loadPretrained } from '../../../packages/models/src/index.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import type { FuzzRandom } from '../fuzz-random.js';
import { seedBytes, seedText } from './seed-files.js';

/** Bit patterns at the edges of each 16-bit format: ±0, ±Inf, quiet and signalling NaNs, the smallest and largest subnormals, the smallest normal, the largest finite value. */
const SPECIAL_BITS = {
  F16: [0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xfe00, 0x7fff, 0x0001, 0x8001, 0x03ff, 0x0400, 0x7bff, 0xfbff, 0x3c00],
  BF16: [0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x7f81, 0xffc0, 0x7fff, 0x0001, 0x8001, 0x007f, 0x0080, 0x7f7f, 0xff7f, 0x3f80],
} as const;
type HalfDType = keyof typeof SPECIAL_BITS;

/** Shapes from tiny to long rows and columns of up to 2^20 elements (2 MiB of 16-bit values; the chunked GPU store will take larger ones). */
function randomShape(r: FuzzRandom): number[] {
  switch (r.int(5)) {
    case 0:
      return [r.int(64) + 1];
    case 1:
      return [r.int(32) + 1, r.int(32) + 1];
    case 2:
      return [1, 2 ** (10 + r.int(11))];
    case 3:
      return [2 ** (10 + r.int(11)), 1];
    default:
      return [r.int(4) + 1, r.int(8) + 1, 2 ** (8 + r.int(7))];
  }
}

/** The f32 value of a 16-bit float, computed from its fields (independent of the library's converters). */
function halfValue(dtype: HalfDType, bits: number): number {
  if (dtype === 'BF16') return new Float32Array(new Uint32Array([bits << 16]).buffer)[0];
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return exp === 0 ? sign * frac * 2 ** -24 : sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** `n` 16-bit patterns: mostly the edge values, some random bits. */
function randomBits(r: FuzzRandom, dtype: HalfDType, n: number): Uint16Array {
  const out = new Uint16Array(n);
  const specials = SPECIAL_BITS[dtype];
  const density = r.pick([1, 0.5, 0.01]);
  for (let i = 0; i < n; i++) out[i] = r.chance(density) ? r.pick(specials) : r.int(0x10000);
  return out;
}

/** A header whose shape claims far more than the data holds (2^32 elements and up): it must be refused before anything that size is allocated. */
function claimedHugeFile(r: FuzzRandom, dtype: HalfDType): Uint8Array {
  const shape = r.pick([[2 ** 16, 2 ** 16], [2 ** 31, 2], [2 ** 20, 2 ** 20, 16], [65536, 65536, 1]]);
  const dataLength = r.pick([0, 2, 4096]);
  const header = new TextEncoder().encode(JSON.stringify({ w: { dtype, shape, data_offsets: [0, r.chance(0.5) ? dataLength : 2 * shape.reduce((a, b) => a * b, 1)] } }));
  const out = new Uint8Array(8 + header.length + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  return out;
}

/** Compares loaded f32 values with the independent decoding of the file's bits; a difference is a wrong load (reported as a crash). */
function checkValues(name: string, dtype: HalfDType, bits: Uint16Array, values: Float32Array): void {
  if (values.length !== bits.length) throw new Error(`oracle: ${name} loaded ${values.length} values from ${bits.length} in the file`);
  for (let i = 0; i < bits.length; i++) {
    const want = halfValue(dtype, bits[i]);
    const got = values[i];
    if (Number.isNaN(want) ? !Number.isNaN(got) : !Object.is(Math.fround(want), got)) {
      throw new Error(`oracle: ${name}[${i}] (${dtype} bits 0x${bits[i].toString(16)}) loaded as ${got}, expected ${want}`);
    }
  }
}

/**
 * The loaders a 16-bit file goes through, each checked against the file's own values. A new storage
 * path (the chunked store of tensors past the GPU's largest binding) joins as one more entry here.
 */
const LOADERS: readonly { name: string; load(bytes: Uint8Array): Promise<Map<string, Tensor>> }[] = [
  { name: 'cpu-f32', load: (bytes) => Promise.resolve(loadSafetensorsTensors(bytes, { backend: createCpuBackend() }).tensors) },
  { name: 'cpu-f16', load: (bytes) => Promise.resolve(loadSafetensorsTensors(bytes, { backend: createCpuBackend(), floatDType: 'f16' }).tensors) },
  // kept 16-bit, the bits uploaded as read, as loadPretrained keeps a checkpoint's weights
  { name: 'cpu-keep', load: (bytes) => Promise.resolve(loadSafetensorsTensors(bytes, { backend: createCpuBackend(), floatDType: 'keep', rawHalves: true }).tensors) },
  // the same on WebGPU with 64 KiB bindings: long rows are stored past one binding and read back in pieces
  {
    name: 'webgpu-keep-chunked',
    load: async (bytes) => {
      const gpu = await chunkedGPU();
      return loadSafetensorsTensors(bytes, { backend: gpu ?? createCpuBackend(), floatDType: 'keep', rawHalves: true }).tensors;
    },
  },
];

let gpuPromise: Promise<Backend | null> | undefined;
/** One WebGPU backend per worker with a 64 KiB binding limit (the CPU reference where no adapter opens). */
function chunkedGPU(): Promise<Backend | null> {
  gpuPromise ??= createWebGPUBackend({ gpu: nodeGPU(), maxBindingBytes: 1 << 16 }).then(
    (b) => b as Backend,
    () => null,
  );
  return gpuPromise;
}

/**
 * 16-bit float checkpoints (F16 and BF16) full of NaN, ±Inf, subnormals and extreme finite values,
 * in shapes from a few elements to long rows of 2^20; headers that claim 2^32 elements and more over
 * little data; and the fixture GPT-2 stored in 16 bits with such values, through `loadPretrained`.
 * Loaded f32 values must equal an independent decoding of the file's bits.
 *
 * @example
 * ```ts
 * await runFuzzTarget(floatSafetensorsTarget, { seed: 1, count: 100 });
 * ```
 */
export const floatSafetensorsTarget: FuzzTarget = {
  name: 'float-safetensors',
  description: 'F16/BF16 safetensors with NaN/Inf/subnormals, long shapes, huge claimed shapes → loadSafetensorsTensors (cpu f32, f16, kept 16-bit; webgpu kept 16-bit with 64 KiB bindings), loadPretrained',
  async prepare() {
    const gpt2 = {
      config: await seedText('packages/models/test/fixtures/gpt2/config.json'),
      tensors: loadSafetensorsTensors(await seedBytes('packages/models/test/fixtures/gpt2/model.safetensors')).tensors,
    };
    const gpt2Values = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [k, t] of gpt2.tensors) gpt2Values.set(k, { shape: [...t.shape], data: await t.data() });
    return (r) => {
      const dtype: HalfDType = r.chance(0.5) ? 'F16' : 'BF16';
      const kind = r.pick(['values', 'values', 'values', 'claimed-huge', 'model']);
      if (kind === 'claimed-huge') {
        const bytes = claimedHugeFile(r, dtype);
        const loader = r.pick(LOADERS);
        return {
          kind: `${kind}/${loader.name}`,
          bytes: bytes.length,
          run: async () => {
            const tensors = await loader.load(bytes);
            for (const t of tensors.values()) t.dispose();
            throw new Error('oracle: a header claiming more elements than its data holds was loaded');
          },
        };
      }
      if (kind === 'model') {
        const tensors = new Map<string, SafetensorsTensorInput>();
        const names = [...gpt2Values.keys()];
        const spoiled = r.pick(names);
        for (const [k, { shape, data }] of gpt2Values) {
          const n = data.length;
          tensors.set(k, k === spoiled ? { dtype, shape, bytes: new Uint8Array(randomBits(r, dtype, n).buffer) } : { dtype, shape, data });
        }
        const weights = serializeSafetensors(tensors, { format: 'pt' });
        return {
          kind: `${kind}/${dtype}`,
          bytes: weights.length + gpt2.config.length,
          run: async () => {
            const model = await loadPretrained(memorySource({ 'config.json': gpt2.config, 'model.safetensors': weights }, 'fuzz-16bit'), { onWarning: () => undefined });
            for (const [, t] of model.stateDict()) t.dispose();
          },
        };
      }
      const files = Array.from({ length: r.int(2) + 1 }, (_, i) => {
        const shape = randomShape(r);
        const bits = randomBits(r, dtype, shape.reduce((a, b) => a * b, 1));
        return { name: `t${i}.weight`, shape, bits };
      });
      const bytes = serializeSafetensors(new Map(files.map((f) => [f.name, { dtype, shape: f.shape, bytes: new Uint8Array(f.bits.buffer) }])));
      const loader = r.pick(LOADERS);
      return {
        kind: `${kind}/${loader.name}/${dtype}`,
        bytes: bytes.length,
        run: async () => {
          const tensors = await loader.load(bytes);
          try {
            for (const f of files) {
              const t = tensors.get(f.name);
              if (!t) throw new Error(`oracle: ${f.name} is missing after the load`);
              if (t.shape.join() !== f.shape.join()) throw new Error(`oracle: ${f.name} has shape [${t.shape.join(', ')}], the file says [${f.shape.join(', ')}]`);
              // f16 storage rounds BF16 files; every other loader keeps the file's values exactly
              if (loader.name !== 'cpu-f16') checkValues(f.name, dtype, f.bits, await t.data());
            }
          } finally {
            for (const t of tensors.values()) t.dispose();
          }
        },
      };
    };
  },
};
