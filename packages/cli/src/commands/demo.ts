import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PretrainedModel } from '@peft/core';
import { type PretrainedTokenizer, generate } from '@peft/models';
import { type CompletionAccuracy, completionAccuracy, evaluateModel, batchSource, parseTrainConfig } from '@peft/train';
import { numberFlag, parseCommandArgs } from '../args.js';
import { openBackend, parseBackendChoice } from '../backend-choice.js';
import type { Command } from '../command.js';
import type { CliIO } from '../io.js';
import { loadTraining, trainAndSave } from '../training-run.js';

const USAGE = `Usage: peft demo [--output_dir DIR] [--max_steps N] [--train_examples N] [--eval_examples N] [--backend webgpu|cpu] [--quiet]

Fine-tunes a LoRA adapter on the embedded base model (a small GPT-2 trained by this project) to label
e-mails as spam or ham, a task the base model cannot do. Prints the accuracy before and after, sample
generations with and without the adapter, and saves the adapter, metrics.jsonl and loss_curve.svg.
Nothing is downloaded.

  --output_dir DIR     where the adapter goes (default ./peft-demo)
  --max_steps N        optimizer steps (default 200)
  --train_examples N   use only the first N training examples (default: all)
  --eval_examples N    evaluate on the first N held-out examples (default: all)
  --backend B          webgpu (default; falls back to cpu) or cpu
  --quiet              no progress bar
  -h, --help           this text
`;

/** The folder of the embedded model and task (next to src/ or dist/). */
export function demoAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', 'assets'), join(here, '..', '..', 'assets')]) {
    if (existsSync(join(candidate, 'base-model', 'config.json'))) return candidate;
  }
  throw new Error(`peft demo: the embedded model is missing (looked for assets/base-model next to ${here}); reinstall @peft/cli`);
}

/**
 * `peft demo`: the main job end to end on embedded data — train a LoRA adapter, show what it learnt,
 * save it.
 *
 * @example
 * ```sh
 * peft demo --output_dir ./peft-demo
 * ```
 */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'fine-tune a LoRA adapter on the embedded model and task, and show before / after',
  usage: USAGE,
  async run(argv, { io, verbose }) {
    const { values } = parseCommandArgs('demo', argv, {
      output_dir: { type: 'string' },
      max_steps: { type: 'string' },
      train_examples: { type: 'string' },
      eval_examples: { type: 'string' },
      backend: { type: 'string' },
      quiet: { type: 'boolean' },
    });
    const assets = demoAssetsDir();
    const maxSteps = numberFlag('demo', '--max_steps', values.max_steps, { integer: true, min: 1 }) ?? 200;
    const trainN = numberFlag('demo', '--train_examples', values.train_examples, { integer: true, min: 1 });
    const evalN = numberFlag('demo', '--eval_examples', values.eval_examples, { integer: true, min: 1 });
    const outputDir = resolve((values.output_dir as string | undefined) ?? 'peft-demo');
    const recipe = JSON.parse(await readFile(join(assets, 'demo-task', 'recipe.json'), 'utf8')) as Record<string, unknown>;
    const cfg = parseTrainConfig(
      { ...recipe, model: 'base-model', data: { ...(recipe.data as object), train: 'demo-task/train.jsonl', eval: 'demo-task/eval.jsonl' }, output_dir: outputDir, max_steps: maxSteps },
      { label: 'demo recipe', baseDir: assets, resolvePath: (b, p) => (p === outputDir ? p : join(b, p)) },
    );
    const session = await openBackend(parseBackendChoice('demo', values.backend), io);
    try {
      const say = (s: string): void => void io.stdout.write(`${s}\n`);
      // notes about the embedded recipe (per-layer fan_in_fan_out) are not the user's to act on
      const setup = await loadTraining(cfg, session.backend, io, { warn: (m) => void (verbose ? io.stderr.write(`peft: note: ${m}\n`) : undefined) });
      const { peft, tokenizer } = setup;
      if (trainN !== undefined) setup.data.train.splice(trainN);
      if (evalN !== undefined) setup.data.eval?.splice(evalN);
      const pairs = (await readPairs(join(assets, 'demo-task', 'eval.jsonl'))).slice(0, evalN);
      say(`peft demo: LoRA (r ${String(cfg.method?.r)}) on the embedded ${peft.info.modelType} model (${formatParams(peft)}), ${setup.data.train.length} training and ${pairs.length} held-out e-mails`);
      const before = await peft.disableAdapter(() => measure(peft, tokenizer!, setup, pairs, cfg.args.perDeviceEvalBatchSize, session.backend));
      say(`before: accuracy ${pct(before.acc.accuracy)} (the base model does not answer "spam" or "ham"), eval loss ${before.loss.toFixed(3)}`);
      const { result } = await trainAndSave(cfg, setup, io.stderr, { quiet: values.quiet === true });
      const after = await measure(peft, tokenizer!, setup, pairs, cfg.args.perDeviceEvalBatchSize, session.backend);
      say(`after ${result.globalStep} steps (${result.seconds.toFixed(1)} s, ${Math.round(result.tokens / Math.max(result.seconds, 1e-9))} tokens/s): accuracy ${pct(after.acc.accuracy)}, eval loss ${after.loss.toFixed(3)}`);
      await samples(peft, tokenizer!, pairs.slice(0, 3), after.acc, io);
      say(`saved the adapter (adapter_config.json, adapter_model.safetensors), metrics.jsonl and loss_curve.svg to ${outputDir}`);
      say(`use it: peft generate --model ${join(assets, 'base-model')} --adapter ${outputDir} --prompt "…"`);
      return 0;
    } finally {
      session.close();
    }
  },
};

interface Measured {
  readonly acc: CompletionAccuracy;
  readonly loss: number;
}

async function measure(model: PretrainedModel, tokenizer: PretrainedTokenizer, setup: Awaited<ReturnType<typeof loadTraining>>, pairs: readonly Pair[], batchSize: number, backend: Parameters<typeof evaluateModel>[4]): Promise<Measured> {
  const acc = await completionAccuracy(model, tokenizer, pairs, { batchSize });
  const source = batchSource(setup.data.eval ?? [], { batchSize, shuffle: false, seed: 0, tokenizer });
  const loss = setup.data.eval?.length ? (await evaluateModel(model, setup.data.eval, batchSize, (r, b) => source.collate(r, b), backend)).loss : Number.NaN;
  return { acc, loss };
}

/** Three held-out e-mails: the base model's continuation and the adapter's. */
async function samples(peft: Awaited<ReturnType<typeof loadTraining>>['peft'], tokenizer: PretrainedTokenizer, pairs: readonly Pair[], after: CompletionAccuracy, io: CliIO): Promise<void> {
  io.stdout.write('samples (held out):\n');
  for (const [i, p] of pairs.entries()) {
    const ids = tokenizer.encode(p.prompt);
    const base = await peft.disableAdapter(() => generate(peft, [ids], { maxNewTokens: 6 }));
    const text = (seq: number[]): string => JSON.stringify(tokenizer.decode(seq.slice(ids.length), { skipSpecialTokens: true }));
    const excerpt = p.prompt.replace(/\s+/g, ' ').slice(0, 70);
    io.stdout.write(`  ${JSON.stringify(excerpt)}…\n    expected ${JSON.stringify(p.completion)}; base model ${text(base.sequences[0])}; with the adapter ${JSON.stringify(after.predictions[i].generated)}\n`);
  }
}

interface Pair {
  readonly prompt: string;
  readonly completion: string;
}

async function readPairs(path: string): Promise<Pair[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Pair);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function formatParams(peft: { trainableParameters(): { trainable: number; all: number } }): string {
  const { trainable, all } = peft.trainableParameters();
  return `${(all / 1e6).toFixed(2)}M parameters, ${trainable.toLocaleString('en-US')} trainable`;
}
