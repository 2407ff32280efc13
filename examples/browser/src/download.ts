/**
 * Offers `bytes` to the user as a file download named `name` (an object URL on a temporary link).
 *
 * @example
 * ```ts
 * downloadBytes('adapter_model.safetensors', files.weights);
 * ```
 */
export function downloadBytes(name: string, bytes: Uint8Array | string, type = 'application/octet-stream'): void {
  const blob = new Blob([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // the download has started reading the blob; let it finish before releasing it
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
