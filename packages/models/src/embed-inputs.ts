import { ArgumentError, DTypeError, ShapeError, type Embedding, type ModelInputs, type Tensor } from '@peft/core';

/**
 * The input vectors of a forward: `inputsEmbeds` when given (the prompt-learning hook), else the
 * embedding rows of `inputIds`. Exactly one of the two must be given.
 *
 * @example
 * ```ts
 * const h = embedInputs('GPT2Model', this.wte, inputs); // [batch, seq, hidden]
 * ```
 */
export function embedInputs(op: string, table: Embedding, inputs: ModelInputs): Tensor {
  const { inputIds, inputsEmbeds } = inputs;
  if ((inputIds === undefined) === (inputsEmbeds === undefined)) {
    throw new ArgumentError(`${op}: expected exactly one of inputIds and inputsEmbeds, got ${inputIds ? 'both' : 'neither'}`);
  }
  if (inputsEmbeds) {
    if (inputsEmbeds.rank !== 3 || inputsEmbeds.shape[2] !== table.embeddingDim) {
      throw new ShapeError(`${op}: expected inputsEmbeds [batch, seq, ${table.embeddingDim}], got [${inputsEmbeds.shape.join(', ')}]`);
    }
    return inputsEmbeds;
  }
  const ids = inputIds!;
  if (ids.dtype !== 'i32' && ids.dtype !== 'u32') throw new DTypeError(`${op}: expected i32 inputIds, got ${ids.dtype}`);
  if (ids.rank !== 2) throw new ShapeError(`${op}: expected inputIds [batch, seq], got [${ids.shape.join(', ')}]`);
  return table.forward(ids);
}
