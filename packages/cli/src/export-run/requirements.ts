/**
 * The Python packages the exported project needs, with the versions `peft export-run`'s output was
 * checked with (a two-process CPU run of the exported project, see tools/export-run-roundtrip.sh).
 * TRL was not installed where it was checked, so it is pinned only from below.
 *
 * @example
 * ```ts
 * CHECKED_VERSIONS.peft; // '0.21.0'
 * ```
 */
export const CHECKED_VERSIONS: Readonly<Record<string, string>> = Object.freeze({
  torch: '2.13.0',
  transformers: '5.18.0',
  peft: '0.21.0',
  accelerate: '1.15.0',
  safetensors: '0.8.0',
});

/**
 * requirements.txt for an exported project: the checked versions, plus TRL for `--engine trl`,
 * bitsandbytes for QLoRA and DeepSpeed when it is the engine (those three unpinned: not checked).
 *
 * @example
 * ```ts
 * requirementsTxt({ trl: true, bitsandbytes: false, deepspeed: false });
 * ```
 */
export function requirementsTxt(extra: { trl: boolean; bitsandbytes: boolean; deepspeed: boolean; datasets: boolean }): string {
  const lines = ['# versions the exported project was checked with (pip install -r requirements.txt)', ...Object.entries(CHECKED_VERSIONS).map(([name, v]) => `${name}==${v}`)];
  if (extra.trl || extra.bitsandbytes || extra.deepspeed || extra.datasets) lines.push('# not checked by the exporter (install a version that matches the ones above)');
  if (extra.datasets || extra.trl) lines.push('datasets');
  if (extra.trl) lines.push('trl>=0.20');
  if (extra.bitsandbytes) lines.push('bitsandbytes');
  if (extra.deepspeed) lines.push('deepspeed');
  return `${lines.join('\n')}\n`;
}
