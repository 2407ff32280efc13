import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileFormatError, PeftError } from '../errors.js';
import { parseSafetensors } from './safetensors.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/safetensors/', import.meta.url));
const adapter = new Uint8Array(readFileSync(FIXTURES + 'gpt2_lora-adapter.safetensors'));

/** A file from header text (bytes as given, no padding) and a data section. */
function file(header: string | Uint8Array, data: number | Uint8Array = 0, length?: bigint): Uint8Array {
  const h = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
const json = (o: unknown) => JSON.stringify(o);

function formatError(bytes: Uint8Array): FileFormatError {
  try {
    parseSafetensors(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(FileFormatError);
    expect((e as PeftError).code).toBe('FILE_FORMAT');
    return e as FileFormatError;
  }
  throw new Error('expected a FileFormatError, but the file parsed');
}

describe('safetensors header validation', () => {
  it('refuses a file shorter than the 8-byte length prefix', () => {
    expect(formatError(new Uint8Array(5)).message).toContain('expected at least 8 bytes (the header length), got a 5-byte file');
    expect(formatError(new Uint8Array(0)).message).toContain('got a 0-byte file');
  });

  it('refuses a header length of 2^60 without allocating it', () => {
    const e = formatError(file('{}', 0, 2n ** 60n));
    expect(e.message).toContain('header length 1152921504606846976 is over the 100000000-byte limit');
  });

  it('refuses the largest u64 header length and one just over the 100 MB cap', () => {
    expect(formatError(file('{}', 0, 2n ** 64n - 1n)).message).toContain('18446744073709551615');
    expect(formatError(file('{}', 0, 100_000_001n)).message).toContain('over the 100000000-byte limit');
  });

  it('refuses a header length past the end of the file', () => {
    expect(formatError(file('{}', 0, 1000n)).message).toContain('header length 1000 runs past the end of the file: expected at most 2 for a 10-byte file');
  });

  it('refuses a truncated real file, cut anywhere', () => {
    const n = Number(new DataView(adapter.buffer).getBigUint64(0, true));
    expect(formatError(adapter.subarray(0, 7)).message).toContain('expected at least 8 bytes');
    expect(formatError(adapter.subarray(0, 8 + n - 1)).message).toContain('runs past the end of the file');
    expect(formatError(adapter.subarray(0, 8 + n)).message).toContain('run past the end of the 0-byte data section');
    expect(formatError(adapter.subarray(0, adapter.length - 1)).message).toMatch(/data_offsets \[\d+, 4096\] run past the end of the 4095-byte data section/);
  });

  it('refuses a header that is not UTF-8', () => {
    expect(formatError(file(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).message).toContain('expected the 4-byte header to be UTF-8 text, got invalid UTF-8');
  });

  it.each([
    ['{"a":', 'invalid JSON'],
    ['garbage', 'invalid JSON: expected a value, got "g" at offset 0'],
    ['{} {}', 'unexpected data after the JSON value'],
    ['\u0000\u0000\u0000\u0000', 'invalid JSON'],
  ])('refuses JSON garbage %j', (text, fragment) => {
    expect(formatError(file(text)).message).toContain(fragment);
  });

  it.each([
    ['[]', 'expected the header to be a JSON object, got []'],
    ['"x"', 'got "x"'],
    ['null', 'got null'],
  ])('refuses a header %j that is not an object', (text, fragment) => {
    expect(formatError(file(text)).message).toContain(fragment);
  });

  it('refuses __metadata__ that is not a map of strings to strings', () => {
    expect(formatError(file(json({ __metadata__: { format: 1 } }))).message).toContain('expected __metadata__ values to be strings, got 1 for key "format"');
    expect(formatError(file(json({ __metadata__: ['pt'] }))).message).toContain('expected __metadata__ to be an object of strings, got ["pt"]');
    expect(formatError(file(json({ __metadata__: 'pt' }))).message).toContain('got "pt"');
  });

  it('accepts __metadata__: null as no metadata, like the Python reader', () => {
    expect(parseSafetensors(file(json({ __metadata__: null }))).metadata).toBeUndefined();
  });

  it('refuses an entry that is not an object or lacks a field', () => {
    expect(formatError(file(json({ w: 5 }))).message).toContain('tensor "w": expected an object with dtype, shape and data_offsets, got 5');
    expect(formatError(file(json({ w: { dtype: 'F32', shape: [] } }))).message).toContain('expected a "data_offsets" field, got keys [dtype, shape]');
  });

  it('refuses an unknown dtype, naming the accepted ones', () => {
    const e = formatError(file(json({ w: entry('F17', [1], [0, 4]) }), 4));
    expect(e.message).toContain('tensor "w": unknown dtype "F17", expected one of BOOL, U8');
    expect(formatError(file(json({ w: entry('f32', [1], [0, 4]) }), 4)).message).toContain('unknown dtype "f32"');
  });

  it.each([
    ['4', 'got 4'],
    ['[-1]', 'got [-1]'],
    ['[2.0]', 'got [2.0]'],
    ['[1e3]', 'got [1e3]'],
    ['["2"]', 'got ["2"]'],
    ['[9007199254740992]', 'got [9007199254740992]'],
    ['[1152921504606846976]', 'got [1152921504606846976]'],
    ['[null]', 'got [null]'],
    ['{}', 'got an object'],
  ])('refuses shape %s', (shape, fragment) => {
    const e = formatError(file(`{"w":{"dtype":"F32","shape":${shape},"data_offsets":[0,4]}}`, 4));
    expect(e.message).toContain(`tensor "w": expected shape to be an array of non-negative integers, ${fragment}`);
  });

  it.each([
    [[0], 'expected data_offsets to be [begin, end] with non-negative integers, got [0]'],
    [[0, 4, 8], 'got [0, 4, 8]'],
    [[-1, 3], 'got [-1, 3]'],
    [[0, '4'], 'got [0, "4"]'],
    [{ begin: 0 }, 'got an object'],
    [[8, 4], 'expected data_offsets [begin, end] with begin <= end, got [8, 4]'],
  ])('refuses data_offsets %j', (offsets, fragment) => {
    expect(formatError(file(json({ w: entry('F32', [1], offsets) }), 8)).message).toContain(fragment);
  });

  it('refuses a byte size that differs from numel × dtype size', () => {
    const e = formatError(file(json({ w: entry('F32', [2, 2], [0, 12]) }), 12));
    expect(e.message).toContain('tensor "w": data_offsets [0, 12] span 12 bytes, but shape [2, 2] of F32 needs 16');
  });

  it('refuses shapes whose element count passes 2^53', () => {
    const e = formatError(file(json({ w: entry('U8', [2 ** 30, 2 ** 30, 2 ** 30, 0], [0, 0]) })));
    expect(e.message).toContain('has more than 2^53 elements');
  });

  it('refuses offsets past the data section', () => {
    expect(formatError(file(json({ w: entry('F32', [2], [8, 16]) }), 8)).message).toContain('data_offsets [8, 16] run past the end of the 8-byte data section');
  });

  it('refuses overlapping tensors, naming both', () => {
    const h = json({ a: entry('F32', [4], [0, 16]), b: entry('F32', [4], [8, 24]) });
    expect(formatError(file(h, 24)).message).toContain('tensors "a" [0, 16] and "b" [8, 24] overlap');
    const same = json({ a: entry('F32', [4], [0, 16]), b: entry('F32', [4], [0, 16]) });
    expect(formatError(file(same, 16)).message).toContain('overlap');
    const emptyInside = json({ a: entry('F32', [4], [0, 16]), e: entry('F32', [0], [8, 8]) });
    expect(formatError(file(emptyInside, 16)).message).toContain('"e" [8, 8] overlap');
  });

  it('refuses holes and trailing bytes: the data section must be fully indexed', () => {
    const gap = json({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) });
    expect(formatError(file(gap, 12)).message).toContain('data bytes [4, 8) belong to no tensor (after tensor "a", before "b")');
    const lead = json({ b: entry('F32', [1], [4, 8]) });
    expect(formatError(file(lead, 8)).message).toContain('data bytes [0, 4) belong to no tensor (at the start of the data section');
    const trailing = json({ a: entry('F32', [1], [0, 4]) });
    expect(formatError(file(trailing, 12)).message).toContain('got 8 trailing bytes after offset 4');
    expect(formatError(file('{}', 3)).message).toContain('got 3 trailing bytes after offset 0');
  });

  it('refuses duplicate tensor names and duplicate __metadata__', () => {
    const dup = '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}';
    expect(formatError(file(dup, 2)).message).toContain('duplicate key "a"');
    expect(formatError(file('{"__metadata__":{},"__metadata__":{}}')).message).toContain('duplicate key "__metadata__"');
  });

  it('accepts what Python accepts: empty tensors at boundaries, any key order, extra entry fields, leading spaces', () => {
    const h = ` {"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8],"extra":1},"e":{"dtype":"I64","shape":[0,3],"data_offsets":[4,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"z":{"dtype":"U8","shape":[0],"data_offsets":[8,8]}}`;
    const { tensors, header } = parseSafetensors(file(h, 8));
    expect([...header.tensors.keys()]).toEqual(['b', 'e', 'a', 'z']);
    expect(tensors.get('e')!.shape).toEqual([0, 3]);
    expect(tensors.get('e')!.data.length).toBe(0);
    expect(parseSafetensors(file('{}')).tensors.size).toBe(0);
  });
});
