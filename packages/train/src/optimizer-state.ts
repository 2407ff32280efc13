import { FileFormatError, type Optimizer, Tensor } from '@peft/core';
import { validateShape } from '@peft/core/plugin';
import { optimizerMetaSchema } from './optimizer-state-schema.js';

/**
 * An optimizer's state as flat tensors (`state.<index>.<key>`) plus JSON-able metadata (counters and
 * group hyperparameters), the shape a safetensors checkpoint stores. The tensors are snapshots:
 * dispose them once written.
 *
 * @example
 * ```ts
 * const { tensors, meta } = optimizerStateToTensors(opt);
 * ```
 */
export function optimizerStateToTensors(opt: Optimizer): { tensors: Map<string, Tensor>; meta: unknown } {
  const sd = opt.stateDict({ snapshot: true });
  const tensors = new Map<string, Tensor>();
  const numbers: Record<string, Record<string, number>> = {};
  for (const [index, st] of sd.state) {
    for (const [key, v] of Object.entries(st)) {
      if (v instanceof Tensor) tensors.set(`state.${index}.${key}`, v);
      else (numbers[index] ??= {})[key] = v;
    }
  }
  return { tensors, meta: { numbers, paramGroups: sd.paramGroups } };
}

/**
 * Restores an optimizer from {@link optimizerStateToTensors}' output as read from a checkpoint; a
 * malformed entry is a FileFormatError naming it (shape and group mismatches are the optimizer's own
 * errors).
 *
 * @example
 * ```ts
 * restoreOptimizerState(opt, cp.optimizer.tensors, cp.optimizer.meta, 'out/checkpoint-10');
 * ```
 */
export function restoreOptimizerState(opt: Optimizer, tensors: ReadonlyMap<string, Tensor>, meta: unknown, label: string): void {
  const where = `${label}/optimizer.safetensors`;
  const { numbers, paramGroups } = validateShape(optimizerMetaSchema(opt), meta, { file: `${where} (metadata "optimizer")` });
  const state = new Map<number, Record<string, number | Tensor>>();
  const entry = (i: number): Record<string, number | Tensor> => {
    let s = state.get(i);
    if (!s) state.set(i, (s = {}));
    return s;
  };
  for (const [index, values] of Object.entries(numbers)) Object.assign(entry(Number(index)), values);
  for (const [name, t] of tensors) {
    const m = /^state\.(\d+)\.(.+)$/.exec(name);
    if (!m) throw new FileFormatError(`${where}: unexpected tensor "${name}" (expected state.<index>.<key>)`);
    entry(Number(m[1]))[m[2]] = t;
  }
  opt.loadStateDict({ state, paramGroups });
}
