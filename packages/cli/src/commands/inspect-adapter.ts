import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, DEFAULT_ADAPTER, FileFormatError, PeftModel, type TargetExplanation, readSafetensorsHeader } from '@peft/core';
import type { CheckpointSource } from '@peft/models';
import { openBackend } from '../backend-choice.js';
import { checkpointFolder, loadModelFrom } from '../checkpoint.js';
import type { CliIO } from '../io.js';
import { cliRegistry } from '../methods.js';
import { formatCount, formatTable } from '../format.js';

/** A saved adapter as `peft inspect` reports it (the `--json` object). @example `const r: AdapterReport = await describeAdapter(source);` */
export interface AdapterReport {
  kind: 'adapter';
  adapter: string;
  /** `peft_type` of adapter_config.json. */
  peftType: string;
  /** The package of the method when the CLI knows the type, else null. */
  method: string | null;
  /** adapter_config.json with its keys sorted. */
  config: Record<string, unknown>;
  targetModules: unknown;
  rank: unknown;
  alpha: unknown;
  /** Elements of every tensor in adapter_model.safetensors. */
  parameters: number;
  tensors: { name: string; shape: number[]; dtype: string }[];
  /** With `--model`: the adapter loaded on that model. */
  model?: { checkpoint: string; trainableParameters: string; trainable: number; all: number; wraps: { path: string; className: string; key: string | null }[] };
}

/**
 * Reads an adapter folder's config and safetensors header (no weights) into an {@link AdapterReport}.
 *
 * @example
 * ```ts
 * const report = await describeAdapter(await checkpointFolder('./my-lora'));
 * ```
 */
export async function describeAdapter(source: CheckpointSource): Promise<AdapterReport> {
  const where = `${source.label}/${ADAPTER_CONFIG_FILE}`;
  const text = (await source.readText(ADAPTER_CONFIG_FILE)) ?? '';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(`inspect: ${where}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FileFormatError(`inspect: ${where}: expected a JSON object`);
  const json = raw as Record<string, unknown>;
  if (typeof json.peft_type !== 'string') throw new FileFormatError(`inspect: ${where}: expected "peft_type" to be a string such as "LORA", got ${JSON.stringify(json.peft_type ?? null)}`);
  if (!(await source.has(ADAPTER_WEIGHTS_FILE))) throw new FileFormatError(`inspect: ${source.label}/${ADAPTER_WEIGHTS_FILE} not found (only safetensors adapters can be inspected)`);
  const header = await source.withBytes(ADAPTER_WEIGHTS_FILE, (bytes) => readSafetensorsHeader(bytes));
  const tensors = [...header.tensors].map(([name, e]) => ({ name, shape: [...e.shape], dtype: e.dtype }));
  const config = Object.fromEntries(Object.keys(json).sort().map((k) => [k, json[k]]));
  return {
    kind: 'adapter',
    adapter: source.label,
    peftType: json.peft_type,
    method: cliRegistry().find(json.peft_type)?.packageName ?? null,
    config,
    targetModules: json.target_modules ?? null,
    rank: json.r ?? null,
    alpha: json.lora_alpha ?? json.alpha ?? null,
    parameters: tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0),
    tensors,
  };
}

/**
 * Loads the adapter onto the model in `modelDir` (CPU backend) and adds to `report` the line Python
 * PEFT's `print_trainable_parameters` prints for it (loaded as trainable) and the modules its config
 * wraps (from `explainTargets`, before loading). The method must be known to the CLI.
 *
 * @example
 * ```ts
 * await addModelFacts(report, './gpt2', io);
 * report.model?.trainableParameters; // 'trainable params: 1,024 || all params: …'
 * ```
 */
export async function addModelFacts(report: AdapterReport, adapter: CheckpointSource, modelDir: string, io: CliIO): Promise<void> {
  const warn = (message: string): void => void io.stderr.write(`peft: note: ${message}\n`);
  const registry = cliRegistry();
  const method = registry.get(report.peftType, 'inspect');
  const session = await openBackend('cpu', io);
  try {
    const source = await checkpointFolder(modelDir);
    const peft = new PeftModel(await loadModelFrom(source, session.backend, io), { registry, warn });
    const config = method.schema.parse(report.config, { warn, where: `${report.adapter}/${ADAPTER_CONFIG_FILE}` });
    const wraps = peft.explainTargets(config).filter((e: TargetExplanation) => e.matched);
    await peft.loadAdapter(adapter, DEFAULT_ADAPTER, { isTrainable: true });
    const { trainable, all } = peft.trainableParameters();
    const line = peft.printTrainableParameters(() => {});
    report.model = { checkpoint: source.label, trainableParameters: line, trainable, all, wraps: wraps.map((e) => ({ path: e.path, className: e.className, key: e.key ?? null })) };
  } finally {
    session.close();
  }
}

/**
 * The human-readable text of an {@link AdapterReport}.
 *
 * @example
 * ```ts
 * io.stdout.write(formatAdapterReport(report));
 * ```
 */
export function formatAdapterReport(r: AdapterReport): string {
  const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  const lines = [
    `adapter         ${r.adapter}`,
    `method          ${r.peftType} (${r.method ?? 'no method for it in this CLI'})`,
    `target modules  ${Array.isArray(r.targetModules) ? r.targetModules.join(', ') : show(r.targetModules)}`,
    `rank / alpha    ${show(r.rank)} / ${show(r.alpha)}`,
    `parameters      ${formatCount(r.parameters)}${r.parameters >= 10_000 ? ` (${r.parameters})` : ''} in ${r.tensors.length} tensors`,
  ];
  if (r.model) {
    lines.push(`on model        ${r.model.checkpoint}: ${r.model.trainableParameters}`, '', `wraps ${r.model.wraps.length} modules:`);
    lines.push(...r.model.wraps.map((w) => `  ${w.path} (${w.className}, matched ${JSON.stringify(w.key)})`));
  }
  lines.push('', 'config:', ...Object.entries(r.config).map(([k, v]) => `  ${k} = ${JSON.stringify(v)}`), '');
  const rows = r.tensors.map((t) => [t.name, t.dtype, `[${t.shape.join(', ')}]`]);
  return `${lines.join('\n')}\n${formatTable([['name', 'dtype', 'shape'], ...rows])}`;
}
