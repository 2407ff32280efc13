import { FileFormatError, ShapeError, fmtShape } from '../../errors.js';
import type { Parameter } from '../../nn/parameter.js';
import { cast } from '../../ops/elementwise.js';
import { shapesEqual } from '../../shape.js';
import { tidy } from '../../scope.js';
import type { Tensor } from '../../tensor.js';
import type { PeftHost } from '../model/peft-host.js';
import { PROMPT_EMBEDDINGS_KEY } from '../prompt/prompt-adapter.js';

/** The prefix of every saved adapter tensor name (PEFT's `base_model.model.`). @example `SAVED_PREFIX + 'transformer.h.0.attn.c_attn.lora_A.weight'` */
export const SAVED_PREFIX = 'base_model.model.';

/** The prefix of a prompt-learning adapter's saved modules to save (`base_model.classifier.weight`). @example `PROMPT_SAVED_PREFIX + 'classifier.weight'` */
export const PROMPT_SAVED_PREFIX = 'base_model.';

/**
 * Adapter `name`'s parameters under their saved names: each adapter layer's `adapterState` under its
 * path, each module-to-save copy under the original module's names, and the method's saved extra
 * parameters.
 *
 * @example
 * ```ts
 * adapterStateDict(peft, 'default').keys(); // 'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight', …
 * ```
 */
export function adapterStateDict(peft: PeftHost, name: string): Map<string, Parameter> {
  const out = new Map<string, Parameter>();
  for (const [path, layer] of peft.layers()) {
    if (!layer.hasAdapter(name)) continue;
    for (const [k, p] of layer.adapterState(name)) out.set(`${SAVED_PREFIX}${path}.${k}`, p);
  }
  // PEFT saves a prompt-learning adapter's modules to save under `base_model.<path>` (its prompt model
  // holds the base model directly)
  const wrapperPrefix = peft.prompt_encoder?.has(name) ? PROMPT_SAVED_PREFIX : SAVED_PREFIX;
  for (const [path, w] of peft.wrappers()) {
    if (!w.hasAdapter(name)) continue;
    for (const [k, p] of w.adapterState(name)) out.set(`${wrapperPrefix}${path}.${k}`, p);
  }
  for (const e of peft.extraParameters(name)) if (e.saved) out.set(e.savedName ?? `${SAVED_PREFIX}${e.path}`, e.parameter);
  // a prompt-learning adapter saves one tensor; a plain table is that tensor itself
  const table = peft.prompt_encoder?.has(name) ? peft.prompt_encoder.get(name).savedParameter() : undefined;
  if (table) out.set(PROMPT_EMBEDDINGS_KEY, table);
  return out;
}

/**
 * Copies saved tensors into adapter `name`. Everything is checked before anything changes: adapter
 * tensors the config implies must be present (extra parameters such as biases may be absent, as in
 * files from PEFT 0.15), shapes must match, unexpected names are reported through `warn`.
 *
 * @example
 * ```ts
 * loadAdapterState(peft, 'default', tensors, { warn: console.warn, label: 'adapter_model.safetensors' });
 * ```
 */
export function loadAdapterState(
  peft: PeftHost,
  name: string,
  tensors: ReadonlyMap<string, Tensor>,
  opts: { warn: (message: string) => void; label?: string },
): void {
  const label = opts.label ?? 'loadAdapter';
  const expected = adapterStateDict(peft, name);
  const optional = new Set(peft.extraParameters(name).map((e) => e.savedName ?? `${SAVED_PREFIX}${e.path}`));
  // PEFT 0.15 saved no classifier with a SEQ_CLS prompt adapter: the copy then stays the base's
  if (peft.prompt_encoder?.has(name)) for (const k of expected.keys()) if (k !== PROMPT_EMBEDDINGS_KEY) optional.add(k);
  const missing = [...expected.keys()].filter((k) => !tensors.has(k) && !optional.has(k));
  if (missing.length) {
    throw new FileFormatError(
      `${label}: ${missing.length} tensor(s) the adapter config implies are missing, e.g. ${list(missing)}; the file has ${list([...tensors.keys()])}`,
    );
  }
  const unexpected = [...tensors.keys()].filter((k) => !expected.has(k));
  if (unexpected.length) opts.warn(`${label}: ignoring ${unexpected.length} tensor(s) the adapter does not have: ${list(unexpected)}`);
  const patterns = peft.peftConfig.get(name) as { rankPattern?: ReadonlyMap<string, number> } | undefined;
  const hint = patterns?.rankPattern?.size
    ? `; rank_pattern keys are applied in file order (the first match wins): a file whose pattern keys were re-sorted on save, as Python PEFT does, can imply other ranks than those it was trained with`
    : ' (do r and target_modules match the file?)';
  for (const [k, p] of expected) {
    const t = tensors.get(k);
    if (t && !shapesEqual(t.shape, p.shape)) {
      throw new ShapeError(`${label}: "${k}" has shape ${fmtShape(t.shape)} in the file, the adapter expects ${fmtShape(p.shape)}${hint}`);
    }
  }
  for (const [k, p] of expected) {
    const t = tensors.get(k);
    if (!t) continue;
    tidy(() => void p.assign(t.dtype === p.dtype ? t : cast(t, p.dtype)));
  }
}

function list(names: readonly string[]): string {
  const shown = names.slice(0, 4).map((n) => `"${n}"`).join(', ');
  return names.length > 4 ? `${shown} … (${names.length} in all)` : shown || 'none';
}
