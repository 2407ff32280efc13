import * as v from 'valibot';

/**
 * The tensor names of a checkpoint's `training_hooks.safetensors`: each `<adapter>.<key>` (AdaLoRA's
 * `default.ipt.<module>` sensitivity averages, say), as `PeftModel.trainingState()` writes them. The
 * method's hook checks its own keys and shapes when it restores them.
 *
 * @example
 * ```ts
 * validateShape(HOOK_STATE_NAMES_SCHEMA, [...hooks.keys()], { file: 'checkpoint-10/training_hooks.safetensors' });
 * ```
 */
export const HOOK_STATE_NAMES_SCHEMA = v.array(v.pipe(v.string(), v.regex(/^[^.]+\.[^.].*$/, 'a name of the form <adapter>.<key>')));
