import { ArgumentError, ConfigError } from '../../errors.js';

/**
 * How several adapters of a PeftModel combine, as plain JSON data (AdapterHub's composition blocks,
 * for every method family). A child is an adapter name or a nested block.
 *
 * - `stack`: the children in turn; each changes the output the previous one left (a layer's input
 *   stays the layer's input).
 * - `parallel`: on every layer, the base output plus the sum of the children's changes, each
 *   computed from the same input and base output.
 * - `average`: like `parallel`, each change scaled by its weight (the weights sum to 1).
 * - `batchSplit`: the first `sizes[0]` rows of a batch go to the first child, the next `sizes[1]`
 *   to the second, and so on (the sizes sum to the batch).
 *
 * @example
 * ```ts
 * const block: CompositionBlock = { type: 'stack', children: ['lora', { type: 'parallel', children: ['a', 'b'] }] };
 * ```
 */
export type CompositionBlock =
  | { readonly type: 'stack'; readonly children: readonly CompositionChild[] }
  | { readonly type: 'parallel'; readonly children: readonly CompositionChild[] }
  | { readonly type: 'average'; readonly children: readonly CompositionChild[]; readonly weights: readonly number[] }
  | { readonly type: 'batchSplit'; readonly children: readonly CompositionChild[]; readonly sizes: readonly number[] };

/** One child of a {@link CompositionBlock}: an adapter name or a nested block. @example `const c: CompositionChild = 'lora'` */
export type CompositionChild = string | CompositionBlock;

/** A stack block. @example `peft.setComposition(Stack('lora', 'adapters', 'bitfit', 'prefix'))` */
export function Stack(...children: CompositionChild[]): CompositionBlock {
  return { type: 'stack', children };
}

/** A parallel block (the children's changes are summed). @example `Parallel('a', 'b')` */
export function Parallel(...children: CompositionChild[]): CompositionBlock {
  return { type: 'parallel', children };
}

/** An average block (the children's changes, weighted). @example `Average(['a', 'b'], [0.25, 0.75])` */
export function Average(children: readonly CompositionChild[], weights: readonly number[]): CompositionBlock {
  return { type: 'average', children, weights };
}

/** A batch-split block (row ranges to children). @example `BatchSplit(['a', 'b'], [2, 1])` */
export function BatchSplit(children: readonly CompositionChild[], sizes: readonly number[]): CompositionBlock {
  return { type: 'batchSplit', children, sizes };
}

/**
 * What the validator knows of each adapter: whether it is a prompt-learning adapter (virtual tokens
 * in front of the input, which can only be stacked, at most one of them).
 *
 * @example
 * ```ts
 * const kinds = new Map([['lora', 'layer'], ['prefix', 'prompt']]);
 * ```
 */
export type AdapterKinds = ReadonlyMap<string, 'layer' | 'prompt'>;

const TYPES = ['stack', 'parallel', 'average', 'batchSplit'];

/**
 * The adapter names a block uses, in the order they appear.
 *
 * @example
 * ```ts
 * compositionAdapters(Stack('lora', Parallel('a', 'b'))); // ['lora', 'a', 'b']
 * ```
 */
export function compositionAdapters(block: CompositionChild): string[] {
  return typeof block === 'string' ? [block] : block.children.flatMap(compositionAdapters);
}

/**
 * Whether `block` is a stack of adapter names only (what `setAdapter([...names])` already runs).
 *
 * @example
 * ```ts
 * isFlatStack(Stack('a', 'b')); // true
 * ```
 */
export function isFlatStack(block: CompositionBlock): boolean {
  return block.type === 'stack' && block.children.every((c) => typeof c === 'string');
}

/**
 * Checks a composition before anything runs and returns a frozen copy: every name is a known adapter
 * used once; blocks have children; `average` has one finite weight per child, summing to 1;
 * `batchSplit` has one positive integer size per child (that they sum to the batch is checked on the
 * forward); a prompt-learning adapter can only be the block itself or a direct child of the top-level
 * `stack`, and at most one is used (virtual tokens cannot be summed, averaged or split by rows).
 * Errors name the path of the offending block (`composition.children[1]`).
 *
 * @example
 * ```ts
 * validateComposition(Parallel('prefix-a', 'prefix-b'), kinds); // throws: prompt-learning adapters can only be stacked
 * ```
 */
export function validateComposition(block: CompositionChild, kinds: AdapterKinds): CompositionChild {
  const seen = new Set<string>();
  const prompts: string[] = [];
  const known = (): string => [...kinds.keys()].map((n) => `"${n}"`).join(', ') || 'none';
  const visit = (c: unknown, where: string, promptOk: boolean): CompositionChild => {
    if (typeof c === 'string') {
      const kind = kinds.get(c);
      if (!kind) throw new ArgumentError(`setComposition: ${where} names unknown adapter "${c}" (adapters: ${known()})`);
      if (seen.has(c)) throw new ConfigError(`setComposition: ${where}: adapter "${c}" is used twice in one composition`);
      seen.add(c);
      if (kind === 'prompt') {
        if (!promptOk) {
          throw new ConfigError(
            `setComposition: ${where}: "${c}" is a prompt-learning adapter; its virtual tokens go in front of the input, so it can only be stacked (the whole composition or a direct child of the top-level stack), not used inside parallel, average or batchSplit`,
          );
        }
        prompts.push(c);
        if (prompts.length > 1) throw new ConfigError(`setComposition: at most one prompt-learning adapter can be used, got ${prompts.map((n) => `"${n}"`).join(', ')}`);
      }
      return c;
    }
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      throw new ArgumentError(`setComposition: ${where}: expected an adapter name or a block { type, children }, got ${JSON.stringify(c)}`);
    }
    const b = c as { type?: unknown; children?: unknown; weights?: unknown; sizes?: unknown };
    if (typeof b.type !== 'string' || !TYPES.includes(b.type)) {
      throw new ArgumentError(`setComposition: ${where}.type: expected one of ${TYPES.map((t) => `"${t}"`).join(', ')}, got ${JSON.stringify(b.type)}`);
    }
    if (!Array.isArray(b.children) || b.children.length === 0) {
      throw new ArgumentError(`setComposition: ${where}.children: expected a non-empty list of adapter names or blocks, got ${JSON.stringify(b.children)}`);
    }
    const kids = b.children as unknown[];
    const children = Object.freeze(kids.map((k, i) => visit(k, `${where}.children[${i}]`, promptOk && b.type === 'stack' && where === 'composition')));
    if (b.type === 'average') {
      const w = b.weights;
      if (!Array.isArray(w) || w.length !== kids.length || w.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
        throw new ArgumentError(`setComposition: ${where}.weights: expected ${kids.length} finite numbers (one per child), got ${JSON.stringify(w)}`);
      }
      const sum = (w as number[]).reduce((s, x) => s + x, 0);
      if (Math.abs(sum - 1) > 1e-6) throw new ArgumentError(`setComposition: ${where}.weights: expected weights summing to 1, got ${JSON.stringify(w)} (sum ${sum})`);
      return Object.freeze({ type: 'average', children, weights: Object.freeze([...(w as number[])]) });
    }
    if (b.type === 'batchSplit') {
      const s = b.sizes;
      if (!Array.isArray(s) || s.length !== kids.length || s.some((x) => !Number.isInteger(x) || (x as number) <= 0)) {
        throw new ArgumentError(`setComposition: ${where}.sizes: expected ${kids.length} positive integers (rows per child), got ${JSON.stringify(s)}`);
      }
      return Object.freeze({ type: 'batchSplit', children, sizes: Object.freeze([...(s as number[])]) });
    }
    return Object.freeze({ type: b.type as 'stack' | 'parallel', children });
  };
  return visit(block, 'composition', true);
}
