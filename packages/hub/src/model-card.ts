/**
 * What an adapter's model card says: the adapter's config (as saved) and, when known, what it was
 * trained on and with.
 *
 * @example
 * ```ts
 * const info: ModelCardInfo = { adapterConfig: JSON.parse(configText), datasets: ['org/data'], training: { steps: 200, learningRate: 2e-4 } };
 * ```
 */
export interface ModelCardInfo {
  /** The parsed `adapter_config.json`. */
  readonly adapterConfig: Readonly<Record<string, unknown>>;
  /** Hub dataset ids (listed in the card's `datasets` metadata) or file names it was trained on. */
  readonly datasets?: readonly string[];
  /** Training facts for the card's table. */
  readonly training?: {
    readonly steps?: number;
    readonly epochs?: number;
    readonly learningRate?: number;
    readonly batchSize?: number;
    readonly finalLoss?: number;
    readonly evalLoss?: number;
    readonly backend?: string;
  };
  /** The version of `@peft` that trained it. */
  readonly libraryVersion?: string;
}

const PIPELINE: Readonly<Record<string, string>> = {
  CAUSAL_LM: 'text-generation',
  SEQ_CLS: 'text-classification',
  SEQ_2_SEQ_LM: 'text2text-generation',
  TOKEN_CLS: 'token-classification',
  FEATURE_EXTRACTION: 'feature-extraction',
};

function yamlString(s: string): string {
  return /^[\w./:@-]+$/.test(s) && !/^(true|false|null|yes|no|~|[\d.]+)$/i.test(s) ? s : JSON.stringify(s);
}

const HUB_DATASET = /^(?:hf:\/\/datasets\/)?([A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*)/;

/**
 * An adapter's `README.md` as PEFT writes it for the Hub: YAML metadata with `library_name: peft`,
 * `base_model`, tags (`base_model:adapter:<base>`, the method, `peft`), `pipeline_tag` from the task
 * type and `datasets` for Hub datasets; then what the adapter is, what it was trained on and with,
 * and how to load it in Python and in TypeScript.
 *
 * @example
 * ```ts
 * const readme = adapterModelCard({ adapterConfig: { peft_type: 'LORA', base_model_name_or_path: 'gpt2', r: 8 } });
 * ```
 */
export function adapterModelCard(info: ModelCardInfo, repo?: string): string {
  const cfg = info.adapterConfig;
  const base = typeof cfg.base_model_name_or_path === 'string' && cfg.base_model_name_or_path ? cfg.base_model_name_or_path : undefined;
  const method = typeof cfg.peft_type === 'string' ? cfg.peft_type : 'UNKNOWN';
  const task = typeof cfg.task_type === 'string' ? cfg.task_type : undefined;
  const hubDatasets = [...new Set((info.datasets ?? []).map((d) => HUB_DATASET.exec(d)?.[1]).filter((d): d is string => d !== undefined && !d.startsWith('.')))];
  const meta: string[] = ['---'];
  if (base) meta.push(`base_model: ${yamlString(base)}`);
  meta.push('library_name: peft');
  if (task && PIPELINE[task]) meta.push(`pipeline_tag: ${PIPELINE[task]}`);
  const tags = [...(base ? [`base_model:adapter:${base}`] : []), method.toLowerCase(), 'peft', 'peft-js'];
  meta.push('tags:', ...tags.map((t) => `- ${yamlString(t)}`));
  if (hubDatasets.length) meta.push('datasets:', ...hubDatasets.map((d) => `- ${yamlString(d)}`));
  meta.push('---');
  const hyper: [string, unknown][] = [
    ['PEFT type', method],
    ['Task type', task],
    ['Rank (r)', cfg.r],
    ['Alpha', cfg.lora_alpha ?? cfg.alpha],
    ['Dropout', cfg.lora_dropout ?? cfg.rank_dropout],
    ['Target modules', Array.isArray(cfg.target_modules) ? cfg.target_modules.join(', ') : cfg.target_modules],
    ['Virtual tokens', cfg.num_virtual_tokens],
  ];
  const t = info.training ?? {};
  const trained: [string, unknown][] = [
    ['Data', info.datasets?.length ? info.datasets.join(', ') : undefined],
    ['Steps', t.steps],
    ['Epochs', t.epochs],
    ['Learning rate', t.learningRate],
    ['Batch size', t.batchSize],
    ['Final training loss', t.finalLoss === undefined ? undefined : Number(t.finalLoss.toFixed(4))],
    ['Final evaluation loss', t.evalLoss === undefined ? undefined : Number(t.evalLoss.toFixed(4))],
    ['Backend', t.backend],
  ];
  const table = (rows: [string, unknown][]): string[] => {
    const kept = rows.filter(([, v]) => v !== undefined && v !== null && v !== '');
    return kept.length ? ['| | |', '| --- | --- |', ...kept.map(([k, v]) => `| ${k} | ${String(v as string | number).replace(/\|/g, '\\|')} |`)] : ['Not recorded.'];
  };
  const id = repo ?? 'this-repo';
  const lines = [
    ...meta,
    '',
    `# ${repo ?? 'Adapter'}`,
    '',
    `A ${method} adapter${base ? ` for [${base}](https://huggingface.co/${base})` : ''}, trained with @peft (parameter-efficient fine-tuning in TypeScript). The files are those Hugging Face PEFT reads and writes.`,
    '',
    '## Adapter',
    '',
    ...table(hyper),
    '',
    '## Training',
    '',
    ...table(trained),
    '',
    '## Use',
    '',
    'Python (Hugging Face PEFT):',
    '',
    '```python',
    'from peft import AutoPeftModelForCausalLM',
    `model = AutoPeftModelForCausalLM.from_pretrained("${id}")`,
    '```',
    '',
    'TypeScript (@peft):',
    '',
    '```ts',
    `const peft = await PeftModel.fromPretrained(await loadPretrained(${JSON.stringify(base ?? 'BASE_MODEL')}), ${JSON.stringify(id)});`,
    '```',
    '',
    '### Framework versions',
    '',
    `- @peft ${info.libraryVersion ?? '0.x'}`,
    '',
  ];
  return lines.join('\n');
}
