/**
 * The quantised matrix of a 4-bit dequantising matmul (`matmul4bit`): a `[rows, cols]`
 * row-major matrix `D` cut into blocks of `blocksize` consecutive elements, element `e` stored as a
 * 4-bit code (bitsandbytes' order: byte `e >> 1`, the even element in the high nibble; bytes packed
 * little-endian into u32 words) and read as `code[c] · absmax[e / blocksize]`.
 * With `transpose` the product is `x @ Dᵀ` (`K = cols`, `N = rows`, an `nn.Linear` weight);
 * without, `x @ D` (`K = rows`, `N = cols`, a GPT-2 `Conv1D` weight).
 *
 * @example
 * ```ts
 * const q: Matmul4bit = { code: nf4Values, blocksize: 64, rows: 768, cols: 768, transpose: true };
 * ```
 */
export interface Matmul4bit {
  /** The 16 float32 values the codes stand for. */
  readonly code: readonly number[];
  readonly blocksize: number;
  readonly rows: number;
  readonly cols: number;
  readonly transpose: boolean;
  /**
   * Double-quantised scales: `absmax` then holds one 8-bit code per block (four per u32 word,
   * little-endian) and the scale of block `b` is `code[q] · nestedAbsmax[b / blocksize] + offset`
   * (float32, rounded after the product and after the sum).
   */
  readonly nested?: { readonly code: readonly number[]; readonly blocksize: number; readonly offset: number };
}
