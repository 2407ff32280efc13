import { ConfigError, MergeError, type PeftModel, type Tensor, noGrad, tidy, zerosLike } from '@peft/core';
import { add, fmtShape, mul, type WeightedAdapterRequest } from '@peft/core/plugin';
import { IA3_SCHEMA, type IA3Config } from './config.js';
import { Ia3Linear } from './layer.js';

type Modules = IA3Config['targetModules'];

/** The union of the adapters' module lists, or their regexes joined with `|`, as Hugging Face PEFT does. */
function union(lists: readonly Modules[], key: string): Modules {
  if (lists.every((t) => t === null)) return null;
  if (lists.every((t) => typeof t === 'string')) return lists.map((t) => `(${t})`).join('|');
  if (lists.every((t) => Array.isArray(t))) return [...new Set(lists.flatMap((t) => t as readonly string[]))];
  throw new ConfigError(`addWeightedAdapter: all adapters must give ${key} the same way (all lists or all regex strings), got ${JSON.stringify(lists)}`);
}

/**
 * Builds a new (IA)³ adapter from weighted existing ones, as Hugging Face PEFT's IA3
 * `add_weighted_adapter`: on every module, the new vector is `Σ wᵢ·lᵢ` over the input adapters that
 * module holds (zero if it holds none); `target_modules` and `feedforward_modules` are the unions of the
 * inputs' (regex strings are joined as `(a)|(b)`). (IA)³ has a single way to combine, so
 * `combinationType` and `svdRank` are ignored. Like PEFT's, the new adapter is not trainable.
 * `PeftModel.addWeightedAdapter` checks the request (adapters present, all (IA)³, one weight each, no
 * `modules_to_save` copy trained by two of them) and calls this only when no adapter named `name` exists yet.
 *
 * @example
 * ```ts
 * await peft.addWeightedAdapter(['a', 'b'], [0.7, 0.3], 'mix'); // with ia3 registered
 * peft.setAdapter('mix');
 * ```
 */
export async function addWeightedIa3Adapter(model: PeftModel, request: WeightedAdapterRequest): Promise<void> {
  const { adapters, name } = request;
  const configs = adapters.map((a) => model.peftConfig.get(a) as IA3Config);
  const { peftType: _, ...base } = configs[0];
  const targetModules = union(configs.map((c) => c.targetModules), 'target_modules');
  const feedforwardModules = union(configs.map((c) => c.feedforwardModules), 'feedforward_modules');
  await model.addAdapter(name, IA3_SCHEMA.create({ ...base, targetModules, feedforwardModules }));

  try {
    for (const [path, layer] of model.layers()) combineOn(path, layer, { ...request, name });
  } catch (e) {
    model.deleteAdapter(name);
    throw e;
  }
}

/** Writes `Σ wᵢ·lᵢ` into the new adapter's vector on one layer. */
function combineOn(path: string, layer: unknown, { adapters, weights, name }: WeightedAdapterRequest): void {
  if (!(layer instanceof Ia3Linear) || !layer.hasAdapter(name)) return;
  const target = layer.ia3L.get(name);
  noGrad(() =>
    tidy(() => {
      let sum: Tensor = zerosLike(target);
      adapters.forEach((a, i) => {
        if (!layer.hasAdapter(a)) return;
        const l = layer.ia3L.get(a);
        if (l.shape.join() !== target.shape.join()) {
          throw new MergeError(
            `addWeightedAdapter: on ${path}, adapter "${a}" has a vector of shape ${fmtShape(l.shape)} but "${name}" needs ${fmtShape(target.shape)} (one scales the input, the other the output)`,
          );
        }
        sum = add(sum, mul(l, weights[i]));
      });
      target.assign(sum);
    }),
  );
}
