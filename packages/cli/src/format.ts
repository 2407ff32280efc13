/**
 * Lays rows out as a plain-text table with columns padded to their widest cell (the first row is the
 * header, underlined). Numbers can be right-aligned by listing their column indices.
 *
 * @example
 * ```ts
 * formatTable([['name', 'shape'], ['wte.weight', '[100, 32]']]);
 * ```
 */
export function formatTable(rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, c) => (rightAligned.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n') + '\n';
}

/**
 * A parameter count in words: `124.4M`, `2.1B`, or the plain number below ten thousand.
 *
 * @example
 * ```ts
 * formatCount(124_439_808); // '124.4M'
 * ```
 */
export function formatCount(n: number): string {
  if (n < 10_000) return String(n);
  for (const [unit, size] of [['B', 1e9], ['M', 1e6], ['K', 1e3]] as const) {
    if (n >= size) return `${(n / size).toFixed(1)}${unit}`;
  }
  return String(n);
}

/**
 * The indices of the `k` largest values, largest first (ties: the lower index first).
 *
 * @example
 * ```ts
 * topK([0.1, 3, 2], 2); // [1, 2]
 * ```
 */
export function topK(values: readonly number[], k: number): number[] {
  return values
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}
