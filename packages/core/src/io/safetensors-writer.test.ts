import { describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError } from '../errors.js';
import { parseSafetensors } from './safetensors.js';
import { compareCodePoints, planSafetensors, serializeSafetensors } from './safetensors-writer.js';
import { decodeSafetensorsBytes, encodeSafetensorsValues } from './safetensors-codec.js';

const headerText = (bytes: Uint8Array): string => {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return new TextDecoder().decode(bytes.subarray(8, 8 + n));
};

/** xorshift32 bit patterns. */
function randomWords(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s >>>= 0;
  }
  return out;
}

describe('serializeSafetensors layout', () => {
  it('orders tensors by descending dtype, then by name, and writes compact JSON padded with spaces', () => {
    const bytes = serializeSafetensors(
      {
        z_bool: { dtype: 'BOOL', shape: [3], data: [1, 0, 1] },
        a_u8: { dtype: 'U8', shape: [1], data: [7] },
        m_f16: { dtype: 'F16', shape: [1], data: [1] },
        b_f32: { dtype: 'F32', shape: [1], data: [2] },
        a_f32: { dtype: 'F32', shape: [1, 1], data: [3] },
        c_bf16: { dtype: 'BF16', shape: [2], data: [1, 2] },
        i_i64: { dtype: 'I64', shape: [1], data: [-5] },
        i_i32: { dtype: 'I32', shape: [], data: [9] },
      },
      { format: 'pt' },
    );
    const header = headerText(bytes);
    expect(header).toBe(
      '{"__metadata__":{"format":"pt"},' +
        '"i_i64":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
        '"a_f32":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]},' +
        '"b_f32":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},' +
        '"i_i32":{"dtype":"I32","shape":[],"data_offsets":[16,20]},' +
        '"c_bf16":{"dtype":"BF16","shape":[2],"data_offsets":[20,24]},' +
        '"m_f16":{"dtype":"F16","shape":[1],"data_offsets":[24,26]},' +
        '"a_u8":{"dtype":"U8","shape":[1],"data_offsets":[26,27]},' +
        '"z_bool":{"dtype":"BOOL","shape":[3],"data_offsets":[27,30]}}' +
        ' '.repeat(header.length - header.trimEnd().length),
    );
    expect(header.length % 8).toBe(0);
    expect(header.trimEnd().length).toBeGreaterThan(header.length - 8);
    const data = bytes.subarray(8 + header.length);
    expect(Array.from(data)).toEqual([
      0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // -5 as I64
      0x00, 0x00, 0x40, 0x40, // 3
      0x00, 0x00, 0x00, 0x40, // 2
      0x09, 0x00, 0x00, 0x00, // 9
      0x80, 0x3f, 0x00, 0x40, // bf16 1, 2
      0x00, 0x3c, // f16 1
      0x07, // u8
      0x01, 0x00, 0x01, // bool
    ]);
  });

  it('omits __metadata__ when none is given and writes {} for an empty record', () => {
    expect(headerText(serializeSafetensors({}))).toBe('{}      ');
    expect(headerText(serializeSafetensors({}, {}))).toBe('{"__metadata__":{}}     ');
    expect(serializeSafetensors({}).length).toBe(16);
  });

  it('sorts names by code point (UTF-8 byte order) and writes non-ASCII names raw, escaping controls', () => {
    const names = ['\u{10000}', '\uffff', 'é', 'a\n"b', 'Z'];
    expect([...names].sort(compareCodePoints)).toEqual(['Z', 'a\n"b', 'é', '\uffff', '\u{10000}']);
    const bytes = serializeSafetensors(Object.fromEntries(names.map((n) => [n, { dtype: 'U8', shape: [0], data: [] }])));
    expect(headerText(bytes).trimEnd()).toBe(
      '{"Z":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a\\n\\"b":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},' +
        '"é":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"\uffff":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},' +
        '"\u{10000}":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}',
    );
    expect([...parseSafetensors(bytes).tensors.keys()].sort(compareCodePoints)).toEqual([...names].sort(compareCodePoints));
  });

  it('plans the layout without encoding anything', () => {
    let reads = 0;
    const data = new Proxy(new Float32Array(4), {
      get(target, key) {
        if (key !== 'length' && typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key);
      },
    });
    const plan = planSafetensors({ w: { dtype: 'F16', shape: [2, 2], data } });
    expect(reads).toBe(0);
    expect(plan.byteLength).toBe(plan.head.length + 8);
    expect(plan.order.map((t) => t.entry)).toEqual([{ dtype: 'F16', shape: [2, 2], dataOffsets: [0, 8] }]);
  });
});

describe('round trips', () => {
  it('write → read → write is bit-exact for every writable dtype, including NaN payloads', () => {
    const words = randomWords(4096, 12345);
    const f32 = new Float32Array(words.buffer.slice(0));
    const f16Bits = new Uint16Array(words.buffer.slice(0, 4096 * 2));
    const bf16Bits = new Uint16Array(words.buffer.slice(4096 * 2));
    const first = serializeSafetensors(
      {
        f32: { dtype: 'F32', shape: [64, 64], data: f32 },
        f16: { dtype: 'F16', shape: [4096], bytes: new Uint8Array(f16Bits.buffer) },
        bf16: { dtype: 'BF16', shape: [4096], bytes: new Uint8Array(bf16Bits.buffer) },
        f64: { dtype: 'F64', shape: [3], data: [Math.PI, -0, Infinity] },
        i64: { dtype: 'I64', shape: [4], data: [0, -1, 2 ** 31 - 1, -(2 ** 31)] },
        i32: { dtype: 'I32', shape: [2, 2], data: new Int32Array([1, -2, 3, -4]) },
        i16: { dtype: 'I16', shape: [2], data: [-32768, 32767] },
        i8: { dtype: 'I8', shape: [2], data: [-128, 127] },
        u32: { dtype: 'U32', shape: [1], data: [0xffffffff] },
        u16: { dtype: 'U16', shape: [1], data: [65535] },
        u8: { dtype: 'U8', shape: [3], data: new Uint8Array([0, 128, 255]) },
        bool: { dtype: 'BOOL', shape: [2], data: [true as unknown as number, 0] },
      },
      { format: 'pt', note: 'ünïcode' },
    );
    const read = parseSafetensors(first);
    const fromValues = new Map([...read.tensors].map(([n, t]) => [n, { dtype: t.dtype, shape: t.shape, data: t.data }]));
    const second = serializeSafetensors(fromValues, read.metadata);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    // the decoded values themselves
    expect(new Uint32Array(read.tensors.get('f32')!.data.buffer)).toEqual(words);
    expect(Array.from(read.tensors.get('i64')!.data)).toEqual([0, -1, 2 ** 31 - 1, -(2 ** 31)]);
    expect(Array.from(read.tensors.get('bool')!.data)).toEqual([1, 0]);
    expect(Object.is(read.tensors.get('f64')!.data[1], -0)).toBe(true);
    expect(read.metadata).toEqual({ format: 'pt', note: 'ünïcode' });
  });

  it('rounds f32 values to f16 and bf16 with ties to even', () => {
    const values = new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 1 + 2 ** -8]);
    expect(Array.from(new Uint16Array(encodeSafetensorsValues('F16', values, 'x').slice().buffer))).toEqual([0x3c00, 0x3c02, 0x7c00, 0x3c04]);
    expect(Array.from(new Uint16Array(encodeSafetensorsValues('BF16', values, 'x').slice().buffer))).toEqual([0x3f80, 0x3f80, 0x4780, 0x3f80]);
  });
});

describe('I64 decoding', () => {
  it('narrows values that fit and names the tensor and element of one that does not', () => {
    const bytes = encodeSafetensorsValues('I64', new BigInt64Array([1n, -7n, 2n ** 40n]), 'ids');
    expect(Array.from(decodeSafetensorsBytes('I64', bytes.subarray(0, 16), 'ids'))).toEqual([1, -7]);
    expect(() => decodeSafetensorsBytes('I64', bytes, 'ids')).toThrow(DTypeError);
    expect(() => decodeSafetensorsBytes('I64', bytes, 'ids')).toThrow('tensor "ids" (I64) holds 1099511627776 at element 2, which does not fit in i32');
    const neg = encodeSafetensorsValues('I64', new BigInt64Array([-(2n ** 31n) - 1n]), 'n');
    expect(() => decodeSafetensorsBytes('I64', neg, 'n')).toThrow('holds -2147483649');
  });

  it('narrows U64 to u32 with the same check', () => {
    const ok = encodeSafetensorsValues('U64', [0, 2 ** 32 - 1], 'u');
    expect(Array.from(decodeSafetensorsBytes('U64', ok))).toEqual([0, 2 ** 32 - 1]);
    expect(() => decodeSafetensorsBytes('U64', encodeSafetensorsValues('U64', [2 ** 32], 'u'), 'u')).toThrow('does not fit in u32');
  });
});

describe('writer input checks', () => {
  it.each([
    [{ w: { dtype: 'F32', shape: [2], data: [1] } }, 'shape [2] needs 2 values, got 1'],
    [{ w: { dtype: 'F32', shape: [2], bytes: new Uint8Array(7) } }, 'expected 8 raw bytes'],
    [{ w: { dtype: 'F32', shape: [-1], data: [] } }, 'non-negative integers'],
    [{ w: { dtype: 'F17', shape: [1], data: [1] } }, 'unknown dtype "F17"'],
    [{ w: { dtype: 'F32', shape: [1] } }, 'expected data values or raw bytes'],
    [{ __metadata__: { dtype: 'F32', shape: [1], data: [1] } }, 'reserved'],
    [{ '\ud800': { dtype: 'F32', shape: [1], data: [1] } }, 'valid Unicode'],
    [{ w: { dtype: 'I32', shape: [1], data: [1.5] } }, 'integers in [-2147483648, 2147483647], got 1.5 at element 0'],
    [{ w: { dtype: 'U8', shape: [1], data: [256] } }, 'integers in [0, 255]'],
    [{ w: { dtype: 'F8_E4M3', shape: [1], data: [1] } }, 'only be written from raw bytes'],
  ])('rejects bad input %# with an ArgumentError', (tensors, fragment) => {
    const run = () => serializeSafetensors(tensors as never);
    expect(run).toThrow(ArgumentError);
    expect(run).toThrow(fragment);
  });

  it('rejects metadata values that are not strings', () => {
    expect(() => serializeSafetensors({}, { a: 1 } as never)).toThrow(/metadata values to be strings/);
  });
});
