import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAdapterFiles } from '../../packages/core/src/peft/files/adapter-files.js';
import { loadPretrained } from '../../packages/models/src/index.js';
import { directorySource } from '../../packages/models/src/node.js';
import { listCheckpoints, readCheckpoint } from '../../packages/train/src/checkpoint.js';
import { parseMetricsJsonl } from '../../packages/train/src/index.js';

/** The base model the kill test saves (the models' fixture GPT-2). */
export const BASE_MODEL = fileURLToPath(new URL('../../packages/models/test/fixtures/gpt2', import.meta.url));

/** Which save each kind of file on disk came from. @example `{ adapter: 100004, model: 100004, checkpoints: [100003, 100004], metrics: [100000, …], leftovers: 0 }` */
export interface SavedVersions {
  readonly adapter: number | undefined;
  readonly model: number | undefined;
  readonly checkpoints: number[];
  readonly metrics: number[];
  /** Temporary files and folders a killed save left behind (removed by the next save or run). */
  readonly leftovers: number;
}

/** The one value every element of the tensors holds; throws when they differ (a file mixing two saves). */
async function oneValue(what: string, tensors: Iterable<{ data(): Promise<ArrayLike<number>> }>): Promise<number> {
  let value: number | undefined;
  for (const t of tensors) {
    for (const x of Array.from(await t.data())) {
      value ??= x;
      if (x !== value) throw new Error(`${what}: holds values of two saves (${value} and ${x})`);
    }
  }
  if (value === undefined) throw new Error(`${what}: holds no values`);
  return value;
}

/**
 * Loads everything the save loop wrote under `dir` the way a user would, and says which save each
 * file came from. Throws when a file does not load, or mixes two saves.
 *
 * @example
 * ```ts
 * const v = await inspectSaves('/tmp/kill-test');
 * ```
 */
export async function inspectSaves(dir: string): Promise<SavedVersions> {
  let leftovers = 0;
  const count = (d: string): void => {
    if (existsSync(d)) leftovers += readdirSync(d).filter((n) => n.endsWith('.tmp') || n.endsWith('.old')).length;
  };
  let adapter: number | undefined;
  if (existsSync(join(dir, 'adapter'))) {
    const files = await readAdapterFiles(join(dir, 'adapter'));
    adapter = await oneValue('adapter', files.tensors.values());
    count(join(dir, 'adapter'));
  }
  let model: number | undefined;
  if (existsSync(join(dir, 'model'))) {
    const m = await loadPretrained(directorySource(join(dir, 'model')), { onWarning: () => undefined });
    model = await oneValue('model transformer.ln_f.bias', [m.stateDict().get('transformer.ln_f.bias')!]);
    count(join(dir, 'model'));
  }
  const checkpoints: number[] = [];
  if (existsSync(join(dir, 'checkpoints'))) {
    const listed = await listCheckpoints(join(dir, 'checkpoints'));
    // pruning renames a folder out of the checkpoint-<step> namespace before deleting it: every listed one loads
    for (const { step, path } of listed) {
      const c = await readCheckpoint(path);
      const params = await oneValue(`checkpoint-${step} parameters`, c.params.values());
      const saved = await oneValue(`checkpoint-${step} adapter`, (await readAdapterFiles(path)).tensors.values());
      if (params !== step || saved !== step || c.state.global_step !== step) throw new Error(`checkpoint-${step}: holds step ${String(c.state.global_step)}, parameters ${params}, adapter ${saved}`);
      checkpoints.push(step);
    }
    count(join(dir, 'checkpoints'));
  }
  const metricsPath = join(dir, 'metrics.jsonl');
  const metrics = existsSync(metricsPath) ? parseMetricsJsonl(readFileSync(metricsPath, 'utf8')).map((e) => e.step) : [];
  count(dir);
  return { adapter, model, checkpoints, metrics, leftovers };
}
