import type { NormKind, View } from '../../../backend-interface.js';
import { shapeSize } from '../../../shape.js';
import { type Kernel, binding, f32Word, flatIndex, grid1d, header, word } from './wgsl.js';

const WG = 64;

/**
 * Fused layer / RMS normalisation: one invocation per row of a contiguous f32 view walks the row
 * (mean for layer norm, then the mean square of the centred values) and writes the normalised row,
 * times `weight` and plus `bias` when given. Sums run in row order, as the reduction kernels do on
 * software adapters.
 *
 * @example
 * ```ts
 * const k = normKernel('layer', x, w, b, 1e-5); // bindings: x, [weight], [bias], out
 * ```
 */
export function normKernel(kind: NormKind, x: View, weight: View | null, bias: View | null, eps: number): Kernel {
  const n = x.shape[x.shape.length - 1];
  const rows = n === 0 ? 0 : shapeSize(x.shape) / n;
  const words = [rows, n, x.offset, weight?.offset ?? 0, bias?.offset ?? 0, f32Word(eps)];
  const key = `norm:${kind}:${weight ? 'w' : '-'}${bias ? 'b' : '-'}`;
  const source = (): string => {
    let b = 1;
    let src = header(['f32'], words.length) + binding(b++, 'x', 'f32', 'read');
    if (weight) src += binding(b++, 'w', 'f32', 'read');
    if (bias) src += binding(b++, 'bs', 'f32', 'read');
    src += binding(b, 'out', 'f32', 'write');
    src += flatIndex(WG, word(0));
    src += `  let n = ${word(1)};
  let base = ${word(2)} + i * n;
  var mean = 0.0;
`;
    if (kind === 'layer') {
      src += `  var s = 0.0;
  for (var k = 0u; k < n; k++) { s = s + x[base + k]; }
  mean = s / f32(n);
`;
    }
    src += `  var sq = 0.0;
  for (var k = 0u; k < n; k++) { let c = x[base + k] - mean; sq = sq + c * c; }
  let inv = inverseSqrt(sq / f32(n) + bitcast<f32>(${word(5)}));
  for (var k = 0u; k < n; k++) {
    var y = (x[base + k] - mean) * inv;
${weight ? `    y = y * w[${word(3)} + k];\n` : ''}${bias ? `    y = y + bs[${word(4)} + k];\n` : ''}    out[i * n + k] = y;
  }
}
`;
    return src;
  };
  const access: ('read' | 'write')[] = ['read'];
  if (weight) access.push('read');
  if (bias) access.push('read');
  access.push('write');
  return { key, source, access, words, grid: grid1d(rows, WG) };
}
