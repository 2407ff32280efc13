import { AdamW, type Optimizer, SGD } from '@peft/core';
import * as v from 'valibot';

const index = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const nonNegative = v.pipe(v.number(), v.minValue(0));
const params = v.array(index);

/** One AdamW parameter group as `optimizerStateToTensors` writes it (PyTorch's hyperparameters, camel-cased). */
const AdamWGroupSchema = v.strictObject({
  params,
  lr: nonNegative,
  betas: v.tuple([v.number(), v.number()]),
  eps: nonNegative,
  weightDecay: nonNegative,
  amsgrad: v.boolean(),
  maximize: v.boolean(),
});

/** One SGD parameter group. */
const SGDGroupSchema = v.strictObject({
  params,
  lr: nonNegative,
  momentum: v.number(),
  dampening: v.number(),
  weightDecay: nonNegative,
  nesterov: v.boolean(),
  maximize: v.boolean(),
});

/** A group of another optimizer: its parameters and learning rate; its own hyperparameters are its `validate`'s to check. */
const AnyGroupSchema = v.looseObject({ params, lr: nonNegative });

/**
 * The shape of the `optimizer` metadata of a checkpoint's `optimizer.safetensors`, for the optimizer
 * being restored: `numbers` holds each parameter's counters (`{ "0": { "step": 10 } }`),
 * `paramGroups` the groups' hyperparameters with the positions of their parameters. Strict for AdamW
 * and SGD (the trainer writes exactly these fields); for other optimizers the groups need `params`
 * and `lr`, and the optimizer validates the rest. The moment tensors themselves are checked against
 * the parameters' shapes by `Optimizer.loadStateDict`.
 *
 * @example
 * ```ts
 * const meta = validateShape(optimizerMetaSchema(opt), cp.optimizer.meta, { file: 'checkpoint-10/optimizer.safetensors' });
 * ```
 */
export function optimizerMetaSchema(opt: Optimizer) {
  const group = opt instanceof AdamW ? AdamWGroupSchema : opt instanceof SGD ? SGDGroupSchema : AnyGroupSchema;
  return v.strictObject({
    numbers: v.record(v.pipe(v.string(), v.regex(/^\d+$/, 'a parameter position')), v.record(v.string(), v.number())),
    paramGroups: v.array(group),
  });
}

/**
 * The safetensors metadata (`__metadata__`) of `optimizer.safetensors`: the `optimizer` entry holds
 * the JSON of {@link optimizerMetaSchema}.
 *
 * @example
 * ```ts
 * const { optimizer } = validateShape(OptimizerFileMetadataSchema, contents.metadata ?? {}, { file });
 * ```
 */
export const OptimizerFileMetadataSchema = v.object({ optimizer: v.string() });
