import { ArgumentError } from '@peft/core';

/**
 * A forward result without logits (a forward with `returnLogits: false`): the given fields, and a
 * `logits` that throws a clear error when read, since they were never computed.
 *
 * @example
 * ```ts
 * return lossOnlyOutput<ModelOutput>('GPT2LMHeadModel', { loss, pastKeyValues: inputs.pastKeyValues });
 * ```
 */
export function lossOnlyOutput<T extends { readonly logits: unknown }>(model: string, fields: Omit<T, 'logits'>): T {
  return Object.defineProperty({ ...fields }, 'logits', {
    enumerable: false,
    get(): never {
      throw new ArgumentError(`${model}: the forward ran with returnLogits: false, so it computed the loss without logits; call it without returnLogits: false to get them`);
    },
  }) as unknown as T;
}
