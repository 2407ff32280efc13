import {
  ConfigError,
  Dropout,
  type Embedding,
  Identity,
  ModuleDict,
  Parameter,
  ParameterDict,
  type Tensor,
  isGradEnabled,
  randn,
  unsqueeze,
  where,
  zeros,
} from '@peft/core';
import { add, embedding, eq, matmul, mul, transpose, type UnaryModule, AdapterLayer, type LayerContext, adapterDType } from '@peft/core/plugin';
import type { LoraConfig } from './config.js';
import { type DoraEmbeddingLayer, DoraEmbeddingVariant, type DoraMagnitude } from './dora.js';
import type { LoraSettings } from './lora-variant.js';
import { loraScaling } from './scaling.js';

/**
 * LoRA on an embedding table: the lookup becomes `W[ids] + Aᵀ[ids]·Bᵀ · scaling` with
 * `lora_embedding_A.<adapter>` `[r, vocab]` and `lora_embedding_B.<adapter>` `[dim, r]` (plain
 * parameters, saved as `lora_embedding_A` / `lora_embedding_B`). The `Aᵀ[ids]` lookup honours the
 * base table's `paddingIdx`: that row of A gets no gradient. Reads like the wrapped table
 * (`numEmbeddings`, `embeddingDim`, `paddingIdx`, `weight`). As in Hugging Face PEFT,
 * `lora_dropout` is created but not applied to ids.
 *
 * @example
 * ```ts
 * const layer = new LoraEmbedding(new Embedding(100, 32));
 * layer.addAdapter('default', { adapterName: 'default', config: loraConfig({ r: 4 }), path: 'wte', targetKey: 'wte' });
 * layer.activeAdapters = ['default'];
 * const h = layer.forward(ids); // [..., 32]
 * ```
 */
export class LoraEmbedding extends AdapterLayer<LoraConfig, LoraSettings<LoraEmbedding>> implements DoraEmbeddingLayer {
  /** Per-adapter dropout modules (kept for Hugging Face parity; ids are not dropped). */
  readonly loraDropout = this.adapterTable('lora_dropout', new ModuleDict<UnaryModule>());
  private readonly tableA = this.adapterTable('lora_embedding_A', new ParameterDict());
  private readonly tableB = this.adapterTable('lora_embedding_B', new ParameterDict());
  /** DoRA magnitudes per adapter (only adapters with `use_dora`). */
  readonly loraMagnitudeVector = this.adapterTable('lora_magnitude_vector', new ModuleDict<DoraMagnitude>());

  constructor(base: Embedding) {
    super(base);
  }

  private get base(): Embedding {
    return this.baseLayer as Embedding;
  }

  /** Rows of the base table. */
  get numEmbeddings(): number {
    return this.base.numEmbeddings;
  }
  /** Width of the base table. */
  get embeddingDim(): number {
    return this.base.embeddingDim;
  }
  /** The base table's padding row, or null. */
  get paddingIdx(): number | null {
    return this.base.paddingIdx;
  }
  /** The base table. */
  get weight(): Parameter {
    return this.base.weight;
  }
  /** Always true: DoRA's rows (embedding dimensions) are the columns of the `[vocab, dim]` table. */
  get baseTransposed(): boolean {
    return true;
  }
  /** `lora_embedding_A` (adapter name → `[r, vocab]`). */
  get loraEmbeddingA(): ParameterDict {
    return this.tableA;
  }

  /**
   * Creates adapter `name`: B ~ N(0, 1); A zeros (so the adapter starts as a no-op), or N(0, 1) with
   * `init_lora_weights: false`. PiSSA / OLoRA do not apply to embeddings and get the default.
   *
   * @example
   * ```ts
   * layer.addAdapter('default', ctx);
   * ```
   */
  protected createAdapter(_name: string, ctx: LayerContext<LoraConfig>): { entries: Record<string, Parameter | UnaryModule>; settings: LoraSettings<LoraEmbedding> } {
    const c = ctx.config;
    if (c.loraBias) throw new ConfigError(`lora: lora_bias=true is not supported for embedding layers (${ctx.path})`);
    const r = ctx.rank ?? c.r;
    const alpha = ctx.alpha ?? c.loraAlpha;
    if (!Number.isInteger(r) || r < 1) throw new ConfigError(`lora: r must be a positive integer, got ${r} for ${ctx.path}`);
    const w = this.weight;
    const make = { backend: w.backend, dtype: adapterDType(w.dtype), generator: ctx.generator };
    const a = c.initLoraWeights === false ? randn([r, this.numEmbeddings], make) : zeros([r, this.numEmbeddings], make);
    const b = randn([this.embeddingDim, r], make);
    const entries = {
      lora_dropout: c.loraDropout > 0 ? new Dropout(c.loraDropout, { generator: ctx.generator }) : new Identity(),
      lora_embedding_A: new Parameter(a),
      lora_embedding_B: new Parameter(b),
    };
    const variant = c.useDora ? new DoraEmbeddingVariant() : undefined;
    return { entries, settings: { r, loraAlpha: alpha, scaling: loraScaling(alpha, r, c.useRslora), loraBias: false, variant } };
  }

  /** Creates the DoRA magnitudes from A and B. */
  protected override adapterAdded(name: string): void {
    this.settingsOf(name).variant?.init(this, name);
  }

  /** Frees the variant's own state (DoRA's merge-time norms). */
  protected override adapterDeleted(name: string): void {
    this.settingsOf(name).variant?.remove(this, name);
  }

  /**
   * Adapter `name`'s parameters by their saved names: `lora_embedding_A`, `lora_embedding_B`
   * (and `lora_magnitude_vector` with DoRA).
   *
   * @example
   * ```ts
   * [...layer.adapterState('default').keys()]; // ['lora_embedding_A', 'lora_embedding_B']
   * ```
   */
  adapterState(name: string): Map<string, Parameter> {
    const out = new Map<string, Parameter>([
      ['lora_embedding_A', this.tableA.get(name)],
      ['lora_embedding_B', this.tableB.get(name)],
    ]);
    for (const [k, p] of this.settingsOf(name).variant?.state(this, name) ?? []) out.set(k, p);
    return out;
  }

  /** Adapter `name`'s `lora_embedding_B` `[dim, r]`. @example `layer.loraEmbeddingB('default').shape` */
  loraEmbeddingB(name: string): Parameter {
    return this.tableB.get(name);
  }

  /** Adapter `name`'s scaling. @example `layer.scalingOf('default')` */
  scalingOf(name: string): number {
    return this.settingsOf(name).scaling;
  }

  /**
   * `Aᵀ[ids]` (`[..., r]`), looked up like the base table: the padding row gets no gradient.
   *
   * @example
   * ```ts
   * const h = layer.lookupA('default', ids);
   * ```
   */
  lookupA(name: string, ids: Tensor): Tensor {
    const a = this.tableA.get(name);
    const rows = embedding(transpose(a), ids);
    const pad = this.paddingIdx;
    if (pad === null || !a.requiresGrad || !isGradEnabled()) return rows;
    return where(unsqueeze(eq(ids, pad), -1), rows.detach(), rows);
  }

  /** `B·A` without scaling, `[dim, vocab]`. @example `layer.loraProduct('default').shape` */
  loraProduct(name: string): Tensor {
    return matmul(this.tableB.get(name), this.tableA.get(name));
  }

  /**
   * `scaling·(B·A)ᵀ`, `[vocab, dim]` like the base table.
   *
   * @example
   * ```ts
   * const delta = layer.deltaWeight('default');
   * ```
   */
  override deltaWeight(name: string): Tensor {
    return mul(matmul(transpose(this.tableA.get(name)), transpose(this.tableB.get(name))), this.scalingOf(name));
  }

  protected applyAdapter(name: string, ids: Tensor, result: Tensor): Tensor {
    const variant = this.settingsOf(name).variant;
    if (variant) return variant.forward(this, name, ids, result);
    const h = matmul(this.lookupA(name, ids), transpose(this.tableB.get(name)));
    return add(result, mul(h, this.scalingOf(name)));
  }

  /** Merges adapter `name` into the table (DoRA: the rescaled table). @example `layer.merge(['default'])` */
  override mergeAdapter(name: string): void {
    const variant = this.settingsOf(name).variant;
    if (variant) variant.merge(this, name);
    else super.mergeAdapter(name);
  }

  /** Takes adapter `name` back out of the table. @example `layer.unmerge()` */
  override unmergeAdapter(name: string): void {
    const variant = this.settingsOf(name).variant;
    if (variant) variant.unmerge(this, name);
    else super.unmergeAdapter(name);
  }

  override extraRepr(): string {
    const ranks = this.adapterNames.map((n) => `${n}: r=${this.settings.get(n)?.r}`).join(', ');
    return `${this.numEmbeddings}, ${this.embeddingDim}, ${ranks}`;
  }
}
