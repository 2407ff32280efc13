import { ConfigError } from '@peft/core';

const UNITS: Readonly<Record<string, number>> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40,
};

/**
 * Reads a memory size: a number of bytes, or a string with a unit (`"8GiB"`, `"12 GB"`, `"512M"`;
 * single letters are binary units). A `ConfigError` names `where` when it is neither.
 *
 * @example
 * ```ts
 * parseMemorySize('8GiB', 'memory_budget'); // 8589934592
 * parseMemorySize(1e9, 'memory_budget');    // 1000000000
 * ```
 */
export function parseMemorySize(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.floor(value);
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
    const unit = m ? UNITS[m[2].toLowerCase() || 'b'] : undefined;
    if (m && unit !== undefined && Number(m[1]) > 0) return Math.floor(Number(m[1]) * unit);
  }
  throw new ConfigError(`${where}: expected a memory size such as 8GiB, 12GB, 512MiB or a number of bytes, got ${JSON.stringify(value)}`);
}

/**
 * Formats bytes for people: `1.50 GiB`, `320.0 MiB`, `12.0 KiB`, `900 B`.
 *
 * @example
 * ```ts
 * formatBytes(3 * 2 ** 29); // '1.50 GiB'
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}
