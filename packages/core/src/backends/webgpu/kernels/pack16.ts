import type { View } from '../../../backend-interface.js';
import { shapeSize } from '../../../shape.js';
import { planWalk, walkOffsets } from './strided-walk.js';
import { type Kernel, binding, computeType, flatIndex, grid1d, header, read, word } from './wgsl.js';

const WG = 64;

/**
 * A contiguous bf16 copy of any float view: one invocation per output word, which reads elements
 * `2w` and `2w + 1` through the view's strides (widened to f32), rounds each to bf16 (nearest even,
 * NaN kept NaN, as the CPU reference does) and writes both halves at once, so no two invocations share
 * a word. The output buffer is the last binding.
 *
 * @example
 * ```ts
 * const k = pack16Kernel(weightF32); // bindings: x, out (ceil(n / 2) words)
 * ```
 */
export function pack16Kernel(x: View): Kernel {
  const n = shapeSize(x.shape);
  // integers and bools convert as a cast to a float does
  const asF32 = (e: string): string => (computeType(x.dtype) === 'f32' ? e : `f32(${e})`);
  const walk = planWalk(x.shape, [{ strides: x.strides, offset: x.offset }]);
  const words = [Math.ceil(n / 2), n, ...walk.words];
  const key = `pack16:${JSON.stringify([x.dtype, walk.sig])}`;
  const source = (): string =>
    header([x.dtype, 'bf16'], words.length) +
    binding(1, 'x', x.dtype, 'read') +
    binding(2, 'out', 'bf16', 'write') +
    flatIndex(WG, word(0)) +
    `  let n = ${word(1)};
  let e0 = 2u * i;
  let e1 = min(e0 + 1u, n - 1u);
${walkOffsets(walk.sig, 2, 'e0', ['s0'], 'a')}${walkOffsets(walk.sig, 2, 'e1', ['s1'], 'b')}  let lo = peft_to_bf16(${asF32(read(x.dtype, 'x', 's0'))});
  let hi = select(0u, peft_to_bf16(${asF32(read(x.dtype, 'x', 's1'))}), e0 + 1u < n);
  out[i] = lo | (hi << 16u);
}
`;
  return { key, source, access: ['read', 'write'], words, grid: grid1d(Math.ceil(n / 2), WG) };
}
