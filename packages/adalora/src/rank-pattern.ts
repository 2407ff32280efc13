import { ShapeError, type Tensor, concat, noGrad, tidy, zeros } from '@peft/core';
import { narrow, type ExtraParametersContext, SAVED_PREFIX } from '@peft/core/plugin';
import type { AdaLoraConfig, RankMasks } from './config.js';

/**
 * The `rank_pattern` key of the module at `path`: the saved name of its singular values, without the
 * adapter name (`transformer.h.0.attn.c_attn` → `transformer.h.0.attn.c_attn.lora_E`).
 *
 * @example
 * ```ts
 * rankMaskKey('model.layers.0.self_attn.q_proj'); // 'model.layers.0.self_attn.q_proj.lora_E'
 * ```
 */
export function rankMaskKey(path: string): string {
  return `${path}.lora_E`;
}

/**
 * The rank mask `rank_pattern` holds for the module at `path`, or undefined. Keys are read as PEFT
 * reads them: the module path followed by `.lora_E`, and possibly by the adapter's name (PEFT keeps
 * the name in memory and leaves it out of saved files).
 *
 * @example
 * ```ts
 * rankMaskOf(config.rankPattern, 'transformer.h.0.attn.c_attn', 'default'); // [true, false, …]
 * ```
 */
export function rankMaskOf(masks: RankMasks | null, path: string, adapterName: string): readonly boolean[] | undefined {
  if (!masks) return undefined;
  for (const [key, mask] of masks) {
    const parts = key.split('.');
    const module = parts.slice(0, parts.at(-1) === adapterName ? -2 : -1).join('.');
    if (module === path) return mask;
  }
  return undefined;
}

/** Rows (axis 0) or columns (axis 1) of `t` where `mask` is true, as a new tensor. */
function keep(t: Tensor, mask: readonly boolean[], axis: 0 | 1): Tensor {
  return noGrad(() => tidy(() => keepRaw(t, mask, axis)));
}

function keepRaw(t: Tensor, mask: readonly boolean[], axis: 0 | 1): Tensor {
  const parts: Tensor[] = [];
  mask.forEach((m, i) => {
    if (m) parts.push(narrow(t, axis, i, 1));
  });
  if (parts.length === 0) return zeros(axis === 0 ? [0, t.shape[1]] : [t.shape[0], 0], { backend: t.backend, dtype: t.dtype });
  return parts.length === 1 ? parts[0].contiguous() : concat(parts, axis);
}

/**
 * The tensors an AdaLoRA adapter saves: as PEFT's `resize_state_dict_by_rank_pattern`, every module
 * with a `rank_pattern` entry keeps only the rows of `lora_A` and `lora_E` and the columns of `lora_B`
 * whose flag is true (a module whose tensors already have that rank, e.g. one loaded from a pruned
 * file, is saved as it is). Other tensors are passed through.
 *
 * @example
 * ```ts
 * const saved = prunedState(ctx, adapterStateDict(peft, 'default')); // lora_A [kept, in], lora_B [out, kept], lora_E [kept, 1]
 * ```
 */
export function prunedState(ctx: ExtraParametersContext<AdaLoraConfig>, state: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const out = new Map(state);
  const masks = ctx.config.rankPattern;
  if (!masks?.size) return out;
  for (const path of ctx.layers.keys()) {
    const mask = rankMaskOf(masks, path, ctx.adapterName);
    if (!mask) continue;
    const kept = mask.filter(Boolean).length;
    const prefix = `${SAVED_PREFIX}${path}.`;
    const a = state.get(`${prefix}lora_A`);
    if (!a || a.shape[0] === kept) continue;
    if (a.shape[0] !== mask.length) {
      throw new ShapeError(`adalora: rank_pattern["${rankMaskKey(path)}"] has ${mask.length} flags (${kept} kept) but ${path} has rank ${a.shape[0]}`);
    }
    out.set(`${prefix}lora_A`, keep(a, mask, 0));
    out.set(`${prefix}lora_E`, keep(state.get(`${prefix}lora_E`)!, mask, 0));
    out.set(`${prefix}lora_B`, keep(state.get(`${prefix}lora_B`)!, mask, 1));
  }
  return out;
}
