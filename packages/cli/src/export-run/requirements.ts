/**
 * The Python packages the exported project needs, with the versions `peft export-run`'s output was
 * checked with (a two-process CPU run of the exported project, see tools/export-run-roundtrip.sh;
 * TRL and datasets with a one-process run of the `--engine trl` project).
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

/** The versions of the packages only some projects need (TRL's engine, Hub datasets), as checked. */
const CHECKED_EXTRAS: Readonly<Record<string, string>> = Object.freeze({ trl: '1.13.0', datasets: '5.0.1' });

/**
 * requirements.txt for an exported project: the checked versions, plus TRL and datasets for
 * `--engine trl` (datasets also for Hub data files), bitsandbytes for QLoRA and DeepSpeed when it is
 * the engine (those two unpinned: not checked).
 *
 * @example
 * ```ts
 * requirementsTxt({ trl: true, bitsandbytes: false, deepspeed: false, datasets: false });
 * ```
 */
export function requirementsTxt(extra: { trl: boolean; bitsandbytes: boolean; deepspeed: boolean; datasets: boolean }): string {
  const lines = ['# versions the exported project was checked with (pip install -r requirements.txt)', ...Object.entries(CHECKED_VERSIONS).map(([name, v]) => `${name}==${v}`)];
  if (extra.trl) lines.push(`trl==${CHECKED_EXTRAS.trl}`);
  if (extra.datasets || extra.trl) lines.push(`datasets==${CHECKED_EXTRAS.datasets}`);
  if (extra.bitsandbytes || extra.deepspeed) lines.push('# not checked by the exporter (install a version that matches the ones above)');
  if (extra.bitsandbytes) lines.push('bitsandbytes');
  if (extra.deepspeed) lines.push('deepspeed');
  return `${lines.join('\n')}\n`;
}
