import { word } from './wgsl.js';

/**
 * How one view is addressed after collapsing: `c` contiguous (`offset + i`), `b` broadcast scalar
 * (`offset`), `s` strided (decomposed index times strides).
 */
export type WalkKind = 'c' | 'b' | 's';

/**
 * The structural part of a walk over several views of one logical shape: the collapsed rank and how
 * each view is addressed. It goes into kernel cache keys; the sizes and strides go into parameters.
 *
 * @example
 * ```ts
 * const sig: WalkSig = { rank: 2, kinds: ['c', 's'] };
 * ```
 */
export interface WalkSig {
  readonly rank: number;
  readonly kinds: readonly WalkKind[];
}

/**
 * A walk ready to dispatch: its signature and its parameter words (offsets, then the inner sizes
 * when any view is strided, then the strides of each strided view).
 *
 * @example
 * ```ts
 * const w = planWalk([2, 3], [{ strides: [1, 2], offset: 0 }]);
 * ```
 */
export interface Walk {
  readonly sig: WalkSig;
  readonly words: number[];
}

/** The strided part of a view a walk needs. @example `const v: Strided = { strides: [3, 1], offset: 0 };` */
export interface Strided {
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * Merges axes of `shape` that every view walks as one (drops size-1 axes, fuses neighbours whose
 * strides line up) so kernels index in as few axes as possible.
 *
 * @example
 * ```ts
 * collapse([2, 3, 4], [[12, 4, 1], [0, 0, 1]]); // { shape: [6, 4], strides: [[4, 1], [0, 1]] }
 * ```
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, v) => outStrides[v][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((s, v) => (outStrides[v][last] = s[d]));
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, v) => outStrides[v].push(s[d]));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Plans a walk over views that all have logical shape `shape` (broadcast axes carry stride 0).
 *
 * @example
 * ```ts
 * planWalk([4, 3], [{ strides: [3, 1], offset: 0 }, { strides: [0, 1], offset: 5 }]);
 * ```
 */
export function planWalk(shape: readonly number[], views: readonly Strided[]): Walk {
  const c = collapse(
    shape,
    views.map((v) => v.strides),
  );
  const rank = c.shape.length;
  const kinds: WalkKind[] = c.strides.map((s) => {
    if (rank === 0 || (rank === 1 && s[0] === 1)) return 'c';
    if (s.every((x) => x === 0)) return 'b';
    let expect = 1;
    for (let d = rank - 1; d >= 0; d--) {
      if (s[d] !== expect) return 's';
      expect *= c.shape[d];
    }
    return 'c';
  });
  const words = views.map((v) => v.offset);
  if (kinds.includes('s')) {
    for (let d = 1; d < rank; d++) words.push(c.shape[d]);
    kinds.forEach((k, v) => {
      if (k === 's') for (const s of c.strides[v]) words.push(s);
    });
  }
  return { sig: { rank, kinds }, words };
}

/**
 * Number of parameter words a walk with this signature takes.
 *
 * @example
 * ```ts
 * walkWordCount({ rank: 2, kinds: ['c', 's'] }); // 2 offsets + 1 size + 2 strides = 5
 * ```
 */
export function walkWordCount(sig: WalkSig): number {
  const strided = sig.kinds.filter((k) => k === 's').length;
  return sig.kinds.length + (strided ? sig.rank - 1 + strided * sig.rank : 0);
}

/**
 * WGSL statements defining `let <names[v]>: u32` as the element offset of view v for flat index
 * `flat`, reading the walk's words from parameter word `base` on. `tag` keeps local names unique
 * when one kernel contains several walks.
 *
 * @example
 * ```ts
 * walkOffsets({ rank: 1, kinds: ['c'] }, 2, 'i', ['ox'], 'a'); // 'let ox = P.w[0].z + i;'
 * ```
 */
export function walkOffsets(sig: WalkSig, base: number, flat: string, names: readonly string[], tag: string): string {
  const { rank, kinds } = sig;
  const nv = kinds.length;
  let src = '';
  const hasStrided = kinds.includes('s');
  if (hasStrided) {
    // decompose the flat index into coordinates, innermost axis first
    src += `  var q_${tag} = ${flat};\n`;
    for (let d = rank - 1; d >= 1; d--) {
      const size = word(base + nv + d - 1);
      src += `  let c${d}_${tag} = q_${tag} % ${size};\n  q_${tag} = q_${tag} / ${size};\n`;
    }
    src += `  let c0_${tag} = q_${tag};\n`;
  }
  let strideBase = base + nv + (hasStrided ? rank - 1 : 0);
  kinds.forEach((k, v) => {
    const off = word(base + v);
    if (k === 'c') src += `  let ${names[v]} = ${off} + ${flat};\n`;
    else if (k === 'b') src += `  let ${names[v]} = ${off};\n`;
    else {
      const terms = Array.from({ length: rank }, (_, d) => `c${d}_${tag} * ${word(strideBase + d)}`);
      src += `  let ${names[v]} = ${off} + ${terms.join(' + ')};\n`;
      strideBase += rank;
    }
  });
  return src;
}
