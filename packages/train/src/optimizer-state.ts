import { FileFormatError, type Optimizer, Tensor } from '@peft/core';

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
  if (typeof meta !== 'object' || meta === null) throw new FileFormatError(`${where}: expected "optimizer" metadata with numbers and paramGroups`);
  const { numbers, paramGroups } = meta as { numbers?: unknown; paramGroups?: unknown };
  if (typeof numbers !== 'object' || numbers === null || !Array.isArray(paramGroups)) throw new FileFormatError(`${where}: expected "optimizer" metadata with numbers and paramGroups`);
  const state = new Map<number, Record<string, number | Tensor>>();
  const entry = (i: number): Record<string, number | Tensor> => {
    let s = state.get(i);
    if (!s) state.set(i, (s = {}));
    return s;
  };
  for (const [index, values] of Object.entries(numbers as Record<string, unknown>)) {
    if (typeof values !== 'object' || values === null) throw new FileFormatError(`${where}: counters of parameter ${index} should be an object`);
    for (const [k, v] of Object.entries(values)) {
      if (typeof v !== 'number') throw new FileFormatError(`${where}: counter ${index}.${k} should be a number, got ${typeof v}`);
      entry(Number(index))[k] = v;
    }
  }
  for (const [name, t] of tensors) {
    const m = /^state\.(\d+)\.(.+)$/.exec(name);
    if (!m) throw new FileFormatError(`${where}: unexpected tensor "${name}" (expected state.<index>.<key>)`);
    entry(Number(m[1]))[m[2]] = t;
  }
  opt.loadStateDict({ state, paramGroups });
}
