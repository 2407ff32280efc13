import { FileFormatError } from '@peft/core';
import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { boundedCompressors } from './parquet-codecs.js';
import { checkParquetColumns } from './parquet-column-check.js';
import { type ParsedRecords, type SourceRecord } from './source-record.js';

/**
 * Random access to a Parquet file's bytes (hyparquet's `AsyncBuffer`): a file handle in Node, a `File`
 * or fetched bytes in a browser. Only the footer and one row group at a time are read.
 *
 * @example
 * ```ts
 * const buffer: ParquetBytes = { byteLength: bytes.byteLength, slice: (s, e) => bytes.slice(s, e) };
 * ```
 */
export type ParquetBytes = AsyncBuffer;

/**
 * Wraps bytes in memory (an `ArrayBuffer` or `Uint8Array`) as {@link ParquetBytes}.
 *
 * @example
 * ```ts
 * const records = await parseParquet(parquetBytes(new Uint8Array(await file.arrayBuffer())), 'train.parquet');
 * ```
 */
export function parquetBytes(bytes: ArrayBuffer | Uint8Array): ParquetBytes {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  // Buffer.slice is a view into a shared pool, so copy through the underlying ArrayBuffer
  const from = view.byteOffset;
  return { byteLength: view.byteLength, slice: (start, end = view.byteLength) => view.buffer.slice(from + start, from + Math.min(end, view.byteLength)) as ArrayBuffer };
}

/** Parquet's 64-bit integers come as bigint; records want numbers (token ids, labels). */
function plain(value: unknown, where: () => string): unknown {
  if (typeof value === 'bigint') {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new FileFormatError(`${where()}: the integer ${value} is beyond what a JavaScript number holds exactly`);
    return n;
  }
  if (Array.isArray(value)) return value.map((v) => plain(v, where));
  if (ArrayBuffer.isView(value) && !(value instanceof Uint8Array) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number | bigint>, (v) => plain(v, where));
  if (value instanceof Date || value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, where)]));
}

/**
 * Reads a Parquet file's rows as records (columns are the fields; nested lists and structs come as
 * arrays and objects), one row group at a time, with hyparquet (snappy, gzip, zstd, brotli and lz4
 * pages through hyparquet-compressors). Row numbers stand where text files have lines, so the usual
 * per-record checks name `train.parquet line 12` for row 12. A file that is not Parquet is a
 * `FileFormatError`.
 *
 * @example
 * ```ts
 * const parsed = await parseParquet(parquetBytes(bytes), 'train.parquet');
 * parsed.records[0].fields.prompt;
 * ```
 */
export async function parseParquet(file: ParquetBytes, label: string): Promise<ParsedRecords> {
  let metadata: FileMetaData;
  try {
    // GeoParquet's column marking loops forever on a negative num_children (hyparquet 1.33), and datasets hold no geometry
    metadata = await parquetMetadataAsync(file, { geoparquet: false });
  } catch (e) {
    throw new FileFormatError(`${label}: not a readable Parquet file (${(e as Error).message})`);
  }
  checkParquetColumns(metadata, label);
  const records: SourceRecord[] = [];
  const compressors = boundedCompressors(label);
  let start = 0;
  for (const group of metadata.row_groups) {
    const count = Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: start + count, compressors });
    } catch (e) {
      throw new FileFormatError(`${label}: cannot read rows ${start + 1}-${start + count} (${(e as Error).message})`);
    }
    rows.forEach((row, i) => {
      const line = start + i + 1;
      records.push({ line, fields: plain(row, () => `${label} line ${line}`) as Record<string, unknown> });
    });
    start += count;
  }
  return { label, kind: 'parquet', records };
}
