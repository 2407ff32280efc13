import { ConfigError, MergeError, type Parameter, type PeftModel, type Tensor, concat, fromArray, noGrad, tidy, zeros } from '@peft/core';
import { add, mul, svd, transpose, type AdapterLayer, type WeightedAdapterRequest } from '@peft/core/plugin';
import { type LoraConfig, loraConfig } from './config.js';
import { usesBaseWeight } from './init-lora-weights.js';
import { LoraEmbedding } from './lora-embedding.js';
import { LoraLinear } from './lora-linear.js';

/** An adapter's A `[r, in]` and B `[out, r]` on one layer, whatever the layer kind. */
interface Factors {
  readonly a: Parameter;
  readonly b: Parameter;
  readonly scaling: number;
}

function factorsOf(layer: AdapterLayer, name: string): Factors | null {
  if (!layer.hasAdapter(name)) return null;
  if (layer instanceof LoraLinear) return { a: layer.loraA.get(name).weight, b: layer.loraB.get(name).weight, scaling: layer.scalingOf(name) };
  if (layer instanceof LoraEmbedding) return { a: layer.loraEmbeddingA.get(name), b: layer.loraEmbeddingB(name), scaling: layer.scalingOf(name) };
  return null;
}

/** The combined rank and targets, checked as Hugging Face PEFT does. */
function plan(configs: readonly LoraConfig[], combination: WeightedAdapterRequest['combinationType'], svdRank: number | undefined) {
  const ranks = configs.map((c) => Math.max(c.r, ...c.rankPattern.values()));
  let rank: number;
  if (combination === 'linear') {
    if (new Set(ranks).size !== 1) throw new ConfigError(`addWeightedAdapter: combination "linear" needs adapters of equal r, got ${ranks.join(', ')}`);
    rank = ranks[0];
  } else if (combination === 'cat') {
    rank = ranks.reduce((x, y) => x + y, 0);
  } else if (combination === 'svd') {
    if (svdRank !== undefined && (!Number.isInteger(svdRank) || svdRank < 1)) throw new ConfigError(`addWeightedAdapter: svdRank must be a positive integer, got ${svdRank}`);
    rank = svdRank ?? Math.max(...ranks);
  } else {
    throw new ConfigError(`addWeightedAdapter: combinationType must be "linear", "cat" or "svd", got ${JSON.stringify(combination)}`);
  }
  const lists = configs.map((c) => c.targetModules);
  let targets: string | string[];
  if (lists.every((t) => typeof t === 'string')) targets = lists.map((t) => `(${t})`).join('|');
  else if (lists.every((t) => Array.isArray(t))) targets = [...new Set(lists.flatMap((t) => t as readonly string[]))];
  else throw new ConfigError('addWeightedAdapter: all adapters must give target_modules the same way (all lists or all regex strings)');
  return { rank, targets };
}

/** `t` with zero rows (axis 0) or columns (axis 1) appended up to `size`. */
function padTo(t: Tensor, axis: 0 | 1, size: number): Tensor {
  const have = t.shape[axis];
  if (have === size) return t;
  const shape = axis === 0 ? [size - have, t.shape[1]] : [t.shape[0], size - have];
  return concat([t, zeros(shape, { backend: t.backend, dtype: t.dtype })], axis);
}

function combineLinear(parts: readonly [Factors, number][], target: Factors): void {
  noGrad(() =>
    tidy(() => {
      let a: Tensor | null = null;
      let b: Tensor | null = null;
      for (const [f, w] of parts) {
        if (f.a.shape[0] !== target.a.shape[0]) {
          throw new MergeError(`addWeightedAdapter: combination "linear" needs equal ranks on every module, got ${f.a.shape[0]} and ${target.a.shape[0]}`);
        }
        const ws = w * f.scaling;
        const root = Math.sqrt(Math.abs(ws));
        const ta = mul(f.a, ws >= 0 ? root : -root); // the sign goes on A only
        const tb = mul(f.b, root);
        a = a ? add(a, ta) : ta;
        b = b ? add(b, tb) : tb;
      }
      target.a.assign(a!);
      target.b.assign(b!);
    }),
  );
}

function combineCat(parts: readonly [Factors, number][], target: Factors): void {
  const rank = target.a.shape[0];
  noGrad(() =>
    tidy(() => {
      const a = concat(parts.map(([f, w]) => mul(f.a, w * f.scaling)), 0);
      const b = concat(parts.map(([f]) => f.b), 1);
      target.a.assign(padTo(a, 0, rank));
      target.b.assign(padTo(b, 1, rank));
    }),
  );
}

async function combineSvd(layer: LoraLinear | LoraEmbedding, parts: readonly [string, number][], target: Factors): Promise<void> {
  // Σ wᵢ·ΔWᵢ (each ΔWᵢ already holds its scaling: Hugging Face PEFT 0.21), as [out, in]
  const rowsFirst = layer instanceof LoraEmbedding || layer.fanInFanOut;
  const [out, inp] = [target.b.shape[0], target.a.shape[1]];
  const sum = new Float64Array(out * inp);
  for (const [name, w] of parts) {
    const delta = tidy(() => {
      const d = layer.deltaWeight(name);
      return rowsFirst ? transpose(d).contiguous() : d;
    });
    const values = await delta.data();
    delta.dispose();
    for (let i = 0; i < sum.length; i++) sum[i] += w * values[i];
  }
  const { u, s, vt, k } = svd(sum, out, inp);
  const rank = target.a.shape[0];
  const keepRank = Math.min(rank, k);
  const a = new Float64Array(rank * inp);
  a.set(vt.subarray(0, keepRank * inp));
  const b = new Float64Array(out * rank);
  for (let i = 0; i < out; i++) for (let t = 0; t < keepRank; t++) b[i * rank + t] = u[i * k + t] * s[t];
  const make = { backend: target.a.backend, dtype: target.a.dtype };
  noGrad(() =>
    tidy(() => {
      target.a.assign(fromArray(a, target.a.shape, make));
      target.b.assign(fromArray(b, target.b.shape, make));
    }),
  );
}

/**
 * Builds a new LoRA adapter from weighted existing ones, as Hugging Face PEFT's
 * `add_weighted_adapter` (0.21). The new adapter has `r = lora_alpha = ` the new rank, the union of
 * the inputs' `target_modules`, and on each module only the input adapters that target it contribute:
 *
 * - `linear` (equal ranks): `A = Σ ±√|wᵢsᵢ|·Aᵢ`, `B = Σ √|wᵢsᵢ|·Bᵢ` (so `B·A` is not `Σ wᵢsᵢBᵢAᵢ`);
 * - `cat`: A stacks the rows `wᵢsᵢ·Aᵢ`, B the columns `Bᵢ`, rank `Σ rᵢ`, so `B·A = Σ wᵢsᵢBᵢAᵢ`;
 * - `svd`: the rank-`svdRank` truncation of `Σ wᵢ·ΔWᵢ` (scaling applied once), `B = U·diag(S)`, `A = Vh`.
 *
 * With one input adapter the combination is always `linear`. `PeftModel.addWeightedAdapter` checks
 * the request (adapters present, all LoRA, one weight each) and calls this only when no adapter named
 * `name` exists yet.
 *
 * @example
 * ```ts
 * await addWeightedLoraAdapter(peft, { adapters: ['a', 'b'], weights: [0.7, 0.3], name: 'mix', combinationType: 'cat' });
 * peft.setAdapter('mix');
 * ```
 */
export async function addWeightedLoraAdapter(model: PeftModel, request: WeightedAdapterRequest): Promise<void> {
  const { adapters, weights, name } = request;
  const configs = adapters.map((a) => model.peftConfig.get(a) as LoraConfig);
  const combination = adapters.length === 1 ? 'linear' : request.combinationType;
  const { rank, targets } = plan(configs, combination, request.svdRank);
  const { peftType: _, ...base } = configs[0];
  // a weight-based init would rewrite the base weight again; the combined A and B replace the init anyway
  const init = usesBaseWeight(base.initLoraWeights) ? true : base.initLoraWeights;
  const config = loraConfig({ ...base, r: rank, loraAlpha: rank, targetModules: targets, rankPattern: new Map(), alphaPattern: new Map(), initLoraWeights: init });
  await model.addAdapter(name, config);

  for (const [path, layer] of model.layers()) {
    const target = factorsOf(layer, name);
    if (!target || !(layer instanceof LoraLinear || layer instanceof LoraEmbedding)) continue;
    const present = adapters.map((a, i) => [a, weights[i]] as [string, number]).filter(([a]) => layer.hasAdapter(a));
    if (present.length === 0) throw new MergeError(`addWeightedAdapter: no input adapter targets ${path}, which the combined adapter "${name}" wraps`);
    const parts = present.map(([a, w]) => [factorsOf(layer, a)!, w] as [Factors, number]);
    if (combination === 'linear') combineLinear(parts, target);
    else if (combination === 'cat') combineCat(parts, target);
    else await combineSvd(layer, present, target);
  }
}
