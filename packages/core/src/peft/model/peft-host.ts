import type { CheckpointSource } from '../../io/checkpoint-source.js';
import type { PretrainedModel } from '../../models/pretrained-model.js';
import type { CompositionState } from '../composition/composition-state.js';
import type { AdapterLayer } from '../method/adapter-layer.js';
import type { PeftConfig } from '../method/config-schema.js';
import type { ExtraParameter, PeftMethod } from '../method/peft-method.js';
import type { PromptEncoders } from '../prompt/prompt-injection.js';
import type { ModulesToSaveWrapper } from './modules-to-save.js';

/**
 * What the helpers of a PeftModel (adapter files and state, composition, adapter activation) need
 * of it: its adapters' configs and layers, and the few operations they call back. `PeftModel`
 * fits it; the helpers depend on this shape, never on the class.
 *
 * @example
 * ```ts
 * function adapterNames(peft: PeftHost): string[] { return [...peft.peftConfig.keys()]; }
 * ```
 */
export interface PeftHost {
  /** The wrapped base model. */
  readonly model: PretrainedModel;
  /** Each adapter's config by adapter name. */
  readonly peftConfig: ReadonlyMap<string, PeftConfig>;
  /** The prompt-learning adapters' encoders, when there are any. */
  readonly prompt_encoder?: PromptEncoders;
  /**
   * The composition set with `setComposition`, or undefined (kept by the model, written by the
   * composition helpers).
   *
   * @internal
   */
  compositionState: CompositionState | undefined;
  /** Every adapter layer by module path. */
  layers(): [string, AdapterLayer][];
  /** Every modules-to-save wrapper by module path. */
  wrappers(): [string, ModulesToSaveWrapper][];
  /** The parameters an adapter's method keeps outside its layers. */
  extraParameters(name: string): ExtraParameter[];
  /** The registered method of a config. */
  methodOf(config: PeftConfig): PeftMethod;
  /** Makes these adapters the active ones (and forgets any composition). */
  setAdapter(names: string | readonly string[]): void;
  /** Loads a saved adapter under `name`. */
  loadAdapter(source: string | CheckpointSource, name: string, opts?: { isTrainable?: boolean }): Promise<void>;
}
