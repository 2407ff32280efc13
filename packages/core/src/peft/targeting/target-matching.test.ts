import { describe, expect, it } from 'vitest';
import { ConfigError, PeftError } from '../../errors.js';
import { Conv1D } from '../../nn/conv1d.js';
import { Embedding } from '../../nn/embedding.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import { Linear } from '../../nn/linear.js';
import { isLinearLike } from '../../nn/linear-like.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module-list.js';
import { RMSNorm } from '../../nn/rms-norm.js';
import fixtures from './fixtures/target-cases.json' with { type: 'json' };
import {
  type TargetSpec,
  allLinearTargets,
  classificationHeadPath,
  explainTargets,
  findTargets,
  getSubmodules,
  matchTarget,
  noTargetError,
  patternValue,
  validateTargetSpec,
} from './target-matching.js';

interface FixtureConfig {
  target_modules: string | string[] | null;
  exclude_modules: string | string[] | null;
  layers_to_transform: number | number[] | null;
  layers_pattern: string | string[] | null;
  modules_to_save: string[] | null;
  rank_pattern: Record<string, number>;
  alpha_pattern: Record<string, number>;
  r: number;
  lora_alpha: number;
}
interface FixtureCase {
  model: 'llama' | 'gpt2';
  adapter_config: FixtureConfig;
  saved_lora_A_ranks: Record<string, number>;
  rank_pattern_as_passed?: [string, number][];
  ranks_at_creation?: Record<string, { r: number; lora_alpha: number }>;
  ranks_implied_by_saved_config?: Record<string, number>;
}
const cases = fixtures.cases as unknown as Record<string, FixtureCase>;
const weights = fixtures.models as Record<'llama' | 'gpt2', Record<string, number[]>>;

class Node {
  readonly kids = new Map<string, Node>();
  leaf?: Module;
}

/**
 * A module tree with the fixture model's paths: 2-D weights become Linear (Conv1D on GPT-2, whose
 * weights are [in, out]) or Embedding, 1-D weights norms, numbered children a ModuleList.
 */
function buildModel(name: 'llama' | 'gpt2'): Module {
  const w = weights[name];
  const root = new Node();
  const put = (path: string, m: Module): void => {
    let n = root;
    for (const part of path.split('.')) {
      if (!n.kids.has(part)) n.kids.set(part, new Node());
      n = n.kids.get(part)!;
    }
    n.leaf = m;
  };
  for (const [key, shape] of Object.entries(w)) {
    if (!key.endsWith('.weight')) continue;
    const path = key.slice(0, -'.weight'.length);
    const last = path.slice(path.lastIndexOf('.') + 1);
    const bias = `${path}.bias` in w;
    if (shape.length === 1) put(path, last.startsWith('ln') ? new LayerNorm(shape[0]) : new RMSNorm(shape[0]));
    else if (['wte', 'wpe', 'embed_tokens'].includes(last)) put(path, new Embedding(shape[0], shape[1], { skipInit: true }));
    else if (name === 'gpt2') put(path, new Conv1D(shape[1], shape[0], { skipInit: true }));
    else put(path, new Linear(shape[1], shape[0], { bias, skipInit: true }));
  }
  // GPT-2's lm_head is tied to wte, so the checkpoint has no key for it; the model still has the module.
  if (name === 'gpt2') put('lm_head', new Linear(32, w['transformer.wte.weight'][0], { bias: false, skipInit: true }));
  const make = (n: Node): Module => {
    if (n.leaf) return n.leaf;
    const names = [...n.kids.keys()];
    if (names.every((k) => /^\d+$/.test(k))) return new ModuleList(names.sort((a, b) => Number(a) - Number(b)).map((k) => make(n.kids.get(k)!)));
    const m = new Module();
    for (const k of names) m.registerModule(k, make(n.kids.get(k)!));
    return m;
  };
  return make(root);
}

const llama = buildModel('llama');
const gpt2 = buildModel('gpt2');

function specOf(c: FixtureConfig): TargetSpec {
  return {
    targetModules: c.target_modules,
    excludeModules: c.exclude_modules,
    layersToTransform: c.layers_to_transform,
    layersPattern: c.layers_pattern,
    modulesToSave: c.modules_to_save,
  };
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

describe('target matching against the Hugging Face PEFT fixtures', () => {
  it('builds test models whose linear layers are exactly the fixture checkpoints’ dense weights', () => {
    const dense = (name: 'llama' | 'gpt2'): string[] =>
      Object.entries(weights[name])
        .filter(([k, s]) => k.endsWith('.weight') && s.length === 2 && !/(wte|wpe|embed_tokens)\.weight$/.test(k))
        .map(([k]) => k.slice(0, -'.weight'.length));
    const linear = (m: Module): string[] => [...m.namedModules()].filter(([, x]) => isLinearLike(x)).map(([p]) => p);
    expect(sorted(linear(llama))).toEqual(sorted(dense('llama')));
    expect(sorted(linear(gpt2))).toEqual(sorted([...dense('gpt2'), 'lm_head']));
  });

  for (const [name, c] of Object.entries(cases)) {
    it(`wraps the modules whose adapter weights ${name} saved`, () => {
      const model = c.model === 'llama' ? llama : gpt2;
      const spec = specOf(c.adapter_config);
      validateTargetSpec(spec, name);
      const got = findTargets(model, spec, { outputHead: 'lm_head' }).map((t) => t.path);
      expect(sorted(got)).toEqual(sorted(Object.keys(c.saved_lora_A_ranks)));
    });
  }

  it('expands all-linear to the stored full-name target list of llama_lora_all_linear, leaving out lm_head', () => {
    const stored = cases.llama_lora_all_linear.adapter_config.target_modules as string[];
    expect(sorted(allLinearTargets(llama, { outputHead: 'lm_head' }))).toEqual(sorted(stored));
    expect(sorted(allLinearTargets(llama, { outputHead: llama.getModule('lm_head') }))).toEqual(sorted(stored));
    expect(allLinearTargets(llama)).toContain('lm_head');
    const viaShorthand = findTargets(llama, { targetModules: 'ALL-Linear', excludeModules: '.*\\.mlp\\.(gate|up)_proj' }, { outputHead: 'lm_head' });
    expect(sorted(viaShorthand.map((t) => t.path))).toEqual(sorted(Object.keys(cases.llama_lora_all_linear_exclude_regex.saved_lora_A_ranks)));
  });

  it('gives every module of llama_lora_rank_alpha_pattern the rank of its saved lora_A, first key in file order winning', () => {
    const c = cases.llama_lora_rank_alpha_pattern;
    const rp = new Map(Object.entries(c.adapter_config.rank_pattern));
    for (const t of findTargets(llama, specOf(c.adapter_config))) {
      expect(patternValue(rp, t.path)?.value ?? c.adapter_config.r).toBe(c.saved_lora_A_ranks[t.path]);
    }
    // The generic key comes first, so the more specific layers.1 key never applies.
    expect(patternValue(rp, 'model.layers.1.self_attn.k_proj')).toEqual({ key: 'k_proj', value: 3 });
    expect(patternValue(c.adapter_config.alpha_pattern, 'model.layers.0.self_attn.o_proj')).toEqual({ key: 'o_proj', value: 2 });
    expect(patternValue(c.adapter_config.alpha_pattern, 'model.layers.0.self_attn.v_proj')).toBeUndefined();
  });

  it('reproduces both rank sets of llama_lora_rank_pattern_order_bug: creation order and saved file order', () => {
    const c = cases.llama_lora_rank_pattern_order_bug;
    const asPassed = new Map(c.rank_pattern_as_passed);
    const fileOrder = new Map(Object.entries(c.adapter_config.rank_pattern));
    for (const t of findTargets(llama, specOf(c.adapter_config))) {
      const created = patternValue(asPassed, t.path)?.value ?? c.adapter_config.r;
      expect(created).toBe(c.ranks_at_creation![t.path].r);
      expect(created).toBe(c.saved_lora_A_ranks[t.path]);
      expect(patternValue(fileOrder, t.path)?.value ?? c.adapter_config.r).toBe(c.ranks_implied_by_saved_config![t.path]);
    }
  });
});

describe('matchTarget', () => {
  it('matches a list entry as the exact path or a dotted suffix, never a bare substring', () => {
    expect(matchTarget({ targetModules: ['q_proj'] }, 'model.layers.0.self_attn.q_proj')).toEqual({ matched: true, key: 'q_proj', reason: 'target' });
    expect(matchTarget({ targetModules: ['self_attn.q_proj'] }, 'model.layers.0.self_attn.q_proj').key).toBe('self_attn.q_proj');
    expect(matchTarget({ targetModules: ['proj'] }, 'model.layers.0.self_attn.q_proj').matched).toBe(false);
    expect(matchTarget({ targetModules: ['lm_head'] }, 'lm_head')).toEqual({ matched: true, key: 'lm_head', reason: 'target' });
  });

  it('treats a string target as a full-match regex, so a bare name does not match a dotted path', () => {
    expect(matchTarget({ targetModules: 'q_proj' }, 'model.layers.0.self_attn.q_proj').matched).toBe(false);
    expect(matchTarget({ targetModules: '.*q_proj' }, 'model.layers.0.self_attn.q_proj')).toEqual({
      matched: true,
      key: 'model.layers.0.self_attn.q_proj',
      reason: 'target',
    });
  });

  it('checks exclusions before targets, with a list by name or suffix and a string by full match', () => {
    const spec = { targetModules: ['k_proj', 'o_proj'], excludeModules: ['model.layers.0.self_attn.k_proj', 'o_proj'] };
    expect(matchTarget(spec, 'model.layers.0.self_attn.k_proj')).toEqual({ matched: false, key: 'model.layers.0.self_attn.k_proj', reason: 'excluded' });
    expect(matchTarget(spec, 'model.layers.1.self_attn.o_proj')).toEqual({ matched: false, key: 'o_proj', reason: 'excluded' });
    expect(matchTarget(spec, 'model.layers.1.self_attn.k_proj').matched).toBe(true);
    expect(matchTarget({ targetModules: ['up_proj'], excludeModules: '.*\\.mlp\\.(gate|up)_proj' }, 'model.layers.0.mlp.up_proj').reason).toBe('excluded');
  });

  it('never targets a modules_to_save module or anything inside it', () => {
    const spec = { targetModules: ['dense', 'classifier'], modulesToSave: ['classifier'] };
    expect(matchTarget(spec, 'classifier').reason).toBe('modules to save');
    expect(matchTarget(spec, 'classifier.dense').reason).toBe('modules to save');
    expect(matchTarget(spec, 'bert.pooler.dense').matched).toBe(true);
  });

  it('takes the layer index from the first .<name>.<digits>. segment (PEFT 0.20+), so expert indices do not count', () => {
    const spec = { targetModules: ['w1'], layersToTransform: [1] };
    expect(matchTarget(spec, 'model.layers.1.experts.0.w1').matched).toBe(true);
    expect(matchTarget(spec, 'model.layers.0.experts.1.w1').reason).toBe('layer not transformed');
    expect(matchTarget({ targetModules: ['c_attn'], layersToTransform: 1, layersPattern: 'h' }, 'transformer.h.1.attn.c_attn').matched).toBe(true);
  });

  it('tries each layers_pattern in order and reports paths without a layer index', () => {
    const spec = { targetModules: ['q_proj', 'lm_head'], layersToTransform: [0], layersPattern: ['blocks', 'layers'] };
    expect(matchTarget(spec, 'model.layers.0.self_attn.q_proj').matched).toBe(true);
    expect(matchTarget(spec, 'x.lm_head')).toEqual({ matched: false, key: 'lm_head', reason: 'no layer index' });
  });

  it('skips the layer filter for an exact path entry and for an empty layers_to_transform, as PEFT does', () => {
    expect(matchTarget({ targetModules: ['model.layers.0.self_attn.q_proj'], layersToTransform: [1] }, 'model.layers.0.self_attn.q_proj').matched).toBe(true);
    expect(matchTarget({ targetModules: ['q_proj'], layersToTransform: [] }, 'model.layers.0.self_attn.q_proj').matched).toBe(true);
  });

  it('refuses a layers_pattern with a capturing group, whose group 1 is no layer index', () => {
    expect(() => matchTarget({ targetModules: ['q_proj'], layersToTransform: [0], layersPattern: '(layers|h)' }, 'model.layers.0.self_attn.q_proj')).toThrow(
      /layers_pattern: group 1 .* "layers", not a layer index/,
    );
  });

  it('reports an unset target as not targeted and asks for all-linear to be expanded first', () => {
    expect(matchTarget({ targetModules: null }, 'model.layers.0.self_attn.q_proj')).toEqual({ matched: false, reason: 'not targeted' });
    expect(() => matchTarget({ targetModules: 'all-linear' }, 'lm_head')).toThrow(ConfigError);
  });
});

describe('validateTargetSpec', () => {
  it('refuses the combinations PEFT’s LoraConfig refuses, naming the operation', () => {
    expect(() => validateTargetSpec({ targetModules: '.*q_proj', layersToTransform: [0] }, 'lora')).toThrow(/lora: layers_to_transform cannot be used/);
    expect(() => validateTargetSpec({ targetModules: 'all-linear', layersPattern: 'layers', layersToTransform: 0 }, 'lora')).toThrow(ConfigError);
    expect(() => validateTargetSpec({ targetModules: ['q_proj'], layersPattern: 'layers' }, 'lora')).toThrow(/layers_to_transform must also be specified/);
    expect(() => validateTargetSpec({ targetModules: ['q_proj'], layersToTransform: [0.5] }, 'lora')).toThrow(/integer/);
    expect(() => validateTargetSpec({ targetModules: '(q_proj' }, 'lora')).toThrow(/lora: target_modules: cannot compile/);
  });

  it('accepts an empty target list and an empty layers_pattern', () => {
    expect(() => validateTargetSpec({ targetModules: [] }, 'lora')).not.toThrow();
    expect(() => validateTargetSpec({ targetModules: ['q_proj'], layersPattern: '' }, 'lora')).not.toThrow();
  });
});

describe('dry runs and errors', () => {
  it('explains every module with its class and verdict', () => {
    const e = explainTargets(gpt2, { targetModules: ['c_attn'], layersToTransform: [1], layersPattern: 'h' });
    expect(e.find((x) => x.path === 'transformer.h.1.attn.c_attn')).toEqual({ path: 'transformer.h.1.attn.c_attn', className: 'Conv1D', matched: true, key: 'c_attn', reason: 'target' });
    expect(e.find((x) => x.path === 'transformer.h.0.attn.c_attn')?.reason).toBe('layer not transformed');
    expect(e.find((x) => x.path === 'transformer.ln_f')).toMatchObject({ className: 'LayerNorm', matched: false, reason: 'not targeted' });
    expect(e.some((x) => x.path === '')).toBe(false);
  });

  it('names the spec and the model’s linear layer names when nothing matches', () => {
    const spec = { targetModules: ['q_proj'] };
    expect(findTargets(gpt2, spec)).toEqual([]);
    const err = noTargetError(gpt2, spec);
    expect(err).toBeInstanceOf(PeftError);
    expect(err.code).toBe('NO_TARGET');
    expect(err.message).toContain('target_modules ["q_proj"] not found');
    expect(err.message).toContain('c_attn, c_proj, c_fc, lm_head');
    // As in PEFT, "all excluded" means every module was excluded; otherwise the mixed case is reported.
    expect(noTargetError(llama, { targetModules: ['q_proj'], excludeModules: '.*' }).message).toContain('all modules were excluded');
    expect(noTargetError(llama, { targetModules: ['q_proj'], excludeModules: ['q_proj'] }).message).toContain('that matched were excluded');
    expect(noTargetError(llama, { targetModules: [] }).message).toContain('no target_modules given');
  });

  it('finds the parent and name of a module to replace', () => {
    const { parent, target, targetName } = getSubmodules(llama, 'model.layers.0.self_attn.q_proj');
    expect(targetName).toBe('q_proj');
    expect(parent).toBe(llama.getModule('model.layers.0.self_attn'));
    expect(target).toBe(llama.getModule('model.layers.0.self_attn.q_proj'));
  });

  it('finds a classification head by the names PEFT checks', () => {
    const m = new Module();
    m.registerModule('bert', new Module());
    m.registerModule('classifier', new Linear(4, 2, { skipInit: true }));
    expect(classificationHeadPath(m)).toBe('classifier');
    expect(allLinearTargets(m, { exclude: ['classifier'] })).toEqual([]);
    expect(classificationHeadPath(llama)).toBeUndefined();
  });
});
