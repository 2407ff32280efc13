/**
 * The real-size checkpoints that tools/real-models.py writes (published configs, random bf16
 * weights, a LoRA adapter and reference numbers from transformers + PEFT), and where they live.
 * Shared by `pnpm bench real-models` and tools/real-models-parity.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One checkpoint of the set. */
export interface RealModel {
  /** Its folder under the cache directory, and its name in tables and on the command line. */
  readonly name: string;
  /** The Hub model whose config it copies. */
  readonly hubId: string;
  /** Parameters, for the table (the Hub's rounded count). */
  readonly params: string;
}

/** The models, smallest first. */
export const REAL_MODELS: readonly RealModel[] = [
  { name: 'smollm2-135m', hubId: 'HuggingFaceTB/SmolLM2-135M', params: '135M' },
  { name: 'gpt2', hubId: 'openai-community/gpt2', params: '124M' },
  { name: 'qwen2.5-0.5b', hubId: 'Qwen/Qwen2.5-0.5B', params: '494M' },
  { name: 'llama3.2-1b', hubId: 'meta-llama/Llama-3.2-1B', params: '1.24B' },
];

/** The model whose QLoRA (NF4 base) step the benchmark measures. */
export const QLORA_MODEL = 'llama3.2-1b';

/** The command that writes the checkpoints. */
export const CREATE_COMMAND = 'python3 tools/real-models.py';

/** The cache directory: `$PEFT_REAL_MODELS`, else /tmp/peft-real-models (as tools/real-models.py). */
export function realModelsDir(): string {
  return process.env.PEFT_REAL_MODELS ?? '/tmp/peft-real-models';
}

/** The folder of model `name` (its adapter is `<folder>/adapter`). */
export function modelFolder(name: string, dir = realModelsDir()): string {
  return join(dir, name);
}

/** Why model `name` cannot be used (its folder or a file in it is missing), or null when it is there. */
export function missingCheckpoint(name: string, dir = realModelsDir()): string | null {
  const folder = modelFolder(name, dir);
  for (const f of ['config.json', 'model.safetensors', 'adapter/adapter_config.json', 'reference.json']) {
    if (!existsSync(join(folder, f))) return `${join(folder, f)} is missing; create it with \`${CREATE_COMMAND} --models ${name}\` (needs torch, transformers, peft)`;
  }
  return null;
}

/** One kept row of logits in reference.json: batch row, position, chosen columns and the row's log-sum-exp. */
export interface ReferenceRow {
  readonly row: number;
  readonly position: number;
  readonly values: number[];
  readonly logsumexp: number;
}

/** reference.json as tools/real-models.py writes it. */
export interface Reference {
  readonly model: string;
  readonly versions: Record<string, string>;
  readonly parameters: number;
  readonly input_ids: number[][];
  readonly columns: number[];
  readonly base_logits: ReferenceRow[];
  readonly adapter_logits: ReferenceRow[];
  readonly adamw: { lr: number; weight_decay: number; betas: [number, number]; eps: number };
  readonly loss_first_step: number;
  readonly loss_after_one_step: number;
}

/** Reads the reference numbers of model `name`. */
export function readReference(name: string, dir = realModelsDir()): Reference {
  return JSON.parse(readFileSync(join(modelFolder(name, dir), 'reference.json'), 'utf8')) as Reference;
}

/** The models named in a comma-separated `--models` value (all when absent); unknown names throw. */
export function selectModels(list: string | undefined): RealModel[] {
  if (!list) return [...REAL_MODELS];
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !REAL_MODELS.some((m) => m.name === n));
  if (unknown.length) throw new Error(`unknown model ${unknown.join(', ')}; choose from ${REAL_MODELS.map((m) => m.name).join(', ')}`);
  return REAL_MODELS.filter((m) => names.includes(m.name));
}
