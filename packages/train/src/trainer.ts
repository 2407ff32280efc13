import { AdamW, type AdapterFiles, type Backend, type Parameter, ConfigError, DeviceError, FileFormatError, PeftModel, type Tensor, clipGradNorm, defaultGenerator, manualSeed, setGradientCheckpointing, tidy } from '@peft/core';
import { validateShape } from '@peft/core/plugin';
import { CHECKPOINT_FILES, type CheckpointContents } from './checkpoint-codec.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { EarlyStopping } from './early-stopping.js';
import { type MicroBatchWeights, microBatchWeights } from './micro-batch-weights.js';
import { disposeBatch, evaluateModel } from './evaluate.js';
import { optimizerStateToTensors, restoreOptimizerState } from './optimizer-state.js';
import { decayParameterGroups, trainableParameters } from './parameter-groups.js';
import { type LrSchedule, createLrSchedule, resolveWarmupSteps } from './schedule/lr-schedule.js';
import { type TrainingArgs, resolveTrainingArgs } from './training-args.js';
import type { BatchSource, EvalMetrics, MetricsLine, ModelBatch, TrainResult } from './trainer-types.js';
import { TrainerStateSchema } from './trainer-state-schema.js';
import { HOOK_STATE_NAMES_SCHEMA } from './hook-state-schema.js';

/** Where the step loop was when an error came: before this step's update, during it, or after the step finished. */
interface FailurePoint {
  phase: 'before-update' | 'updating' | 'done';
  loader: unknown;
  rng: { seed: number; counter: number };
}

/**
 * What the trainer reports as it runs (all optional): every metrics line, every step (for progress
 * displays), and checkpoints written.
 *
 * @example
 * ```ts
 * const callbacks: TrainerCallbacks = { onLog: (line) => console.log(JSON.stringify(line)) };
 * ```
 */
export interface TrainerCallbacks {
  /** A metrics line (training lines every `loggingSteps`, evaluation lines after each evaluation). */
  onLog?(line: MetricsLine): void | Promise<void>;
  /** After every optimizer step, with the step's loss (token-weighted over its micro-batches for a language model) and the tokens it used. */
  onStep?(info: { step: number; totalSteps: number; loss: number; learningRate: number; tokens: number; epoch: number }): void;
  /** After a checkpoint folder was written. */
  onCheckpoint?(path: string, step: number): void | Promise<void>;
}

/**
 * How a {@link Trainer} is set up: hyperparameters, the training batches, held-out examples, where
 * checkpoints go, and callbacks.
 *
 * @example
 * ```ts
 * const opts: TrainerOptions<Example> = { args: { learningRate: 1e-3, maxSteps: 100 }, train: source, evalExamples, outputDir: 'out' };
 * ```
 */
export interface TrainerOptions<E = unknown> {
  readonly args?: Partial<TrainingArgs>;
  readonly train: BatchSource<E>;
  /** Held-out examples, evaluated every `evalSteps` and at the end. */
  readonly evalExamples?: readonly E[];
  /** Where checkpoints are saved every `saveSteps` and resumed from: `memoryCheckpointStore()` in a browser, `checkpointFileStore(dir)` in Node. */
  readonly checkpoints?: CheckpointStore;
  /**
   * Node only: checkpoints (`checkpoint-<step>/`) go to this folder, as with
   * `checkpoints: checkpointFileStore(outputDir)` (from `@peft/train/node`, loaded when first needed).
   */
  readonly outputDir?: string;
  readonly callbacks?: TrainerCallbacks;
}

/**
 * Trains the active adapters of a {@link PeftModel}: AdamW with Hugging Face's parameter groups (no
 * weight decay on biases and norm weights), a learning-rate schedule, gradient accumulation,
 * clipping, evaluation every `evalSteps` with early stopping, the methods' training hooks (AdaLoRA's
 * regulariser and rank allocation run without being asked), and checkpoints that resume bit-exactly
 * (adapter, optimizer state, step, data position and random state).
 *
 * With gradient accumulation, the micro-batches of a step are weighed as in Hugging Face
 * transformers' Trainer (its `num_items_in_batch`). For a language model (causal or encoder-decoder)
 * the step's loss is the sum of the token losses of all its micro-batches divided by all their label
 * tokens (labels other than -100, after the causal shift; completion-only masks count): the loss of
 * one batch holding every row. The trainer collates the step's micro-batches first, counts their
 * label tokens on the host, then backpropagates each micro-batch's mean loss times its share of the
 * step's label tokens. A classifier's micro-batches count equally (each mean loss scaled by
 * 1/`gradientAccumulationSteps`): the mean of their per-example means. The step's loss (in
 * `losses`, `onStep` and the metrics lines) follows the same definition and is computed before the
 * update; with one micro-batch per step it is that batch's mean loss. The training
 * forward asks for the loss alone (`returnLogits: false`), so a language model computes its head and
 * cross-entropy in chunks of tokens and the `[tokens, vocab]` logits never exist; evaluation still
 * computes logits (for accuracy).
 *
 * @example
 * ```ts
 * const trainer = new Trainer(peft, { args: { learningRate: 2e-3, maxSteps: 200 }, train: source, evalExamples });
 * const result = await trainer.train();
 * await peft.saveAdapter('out');
 * ```
 */
export class Trainer<E = unknown> {
  /** The resolved hyperparameters. */
  readonly args: TrainingArgs;
  /** Optimizer steps done so far. */
  globalStep = 0;
  private readonly optimizer: AdamW;
  private readonly schedule: LrSchedule;
  private readonly early: EarlyStopping;
  private readonly backend: Backend;
  private readonly params: Map<string, Parameter>;
  private fileStore: CheckpointStore | undefined;

  constructor(
    readonly model: PeftModel,
    readonly options: TrainerOptions<E>,
  ) {
    if (!(model instanceof PeftModel)) throw new ConfigError('Trainer: expected a PeftModel (getPeftModel or PeftModel.fromPretrained with isTrainable), got a plain model');
    this.args = resolveTrainingArgs(options.args);
    const params = trainableParameters(model);
    if (params.size === 0) throw new ConfigError(`Trainer: the model has no trainable parameters (active adapters: ${model.activeAdapters.join(', ')}; an adapter loaded for inference does not train: load it with isTrainable)`);
    this.params = params;
    this.backend = params.values().next().value!.backend;
    const a = this.args;
    if (a.gradientCheckpointing) setGradientCheckpointing(model);
    this.optimizer = new AdamW(decayParameterGroups(model, a.weightDecay), { lr: a.learningRate, betas: [a.adamBeta1, a.adamBeta2], eps: a.adamEpsilon, weightDecay: a.weightDecay });
    const total = this.totalSteps;
    const warmup = resolveWarmupSteps({ warmupSteps: a.warmupSteps, warmupRatio: a.warmupRatio, totalSteps: total });
    this.schedule = createLrSchedule({ type: a.lrSchedulerType, baseLr: a.learningRate, warmupSteps: warmup, totalSteps: total });
    this.early = new EarlyStopping(a.earlyStoppingPatience, a.earlyStoppingThreshold);
    if (a.earlyStoppingPatience > 0 && !options.evalExamples?.length) throw new ConfigError('Trainer: earlyStoppingPatience needs held-out examples (evalExamples) to watch');
  }

  /** Optimizer steps of the whole run: `maxSteps`, or the epochs' worth of batches. @example `trainer.totalSteps // 120` */
  get totalSteps(): number {
    const a = this.args;
    if (a.maxSteps > 0) return a.maxSteps;
    const perEpoch = Math.max(1, Math.ceil(this.options.train.loader.batchesPerEpoch / a.gradientAccumulationSteps));
    return Math.max(1, Math.ceil(perEpoch * a.numTrainEpochs));
  }

  /**
   * Runs training to `totalSteps` (or until early stopping). With `resumeFrom` (a checkpoint folder, or
   * `'latest'` for the newest under `outputDir`) it first restores that checkpoint and continues as
   * if never interrupted.
   *
   * @example
   * ```ts
   * await trainer.train({ resumeFrom: 'latest' });
   * ```
   */
  async train(opts?: { resumeFrom?: string }): Promise<TrainResult> {
    const a = this.args;
    const { loader } = this.options.train;
    const callbacks = this.options.callbacks ?? {};
    const store = await this.checkpointStore();
    if (store) await store.removeStale();
    if (opts?.resumeFrom) await this.resume(opts.resumeFrom);
    else manualSeed(a.seed);
    const started = Date.now();
    const losses: number[] = [];
    const evaluations: (EvalMetrics & { step: number })[] = [];
    let tokens = 0;
    let stoppedEarly = false;
    let epoch = 0;
    this.model.train();
    const total = this.totalSteps;
    // where the step loop is, so that a device error can be answered with a checkpoint of the last finished step
    let at: FailurePoint = { phase: 'done', loader: loader.state(), rng: defaultGenerator().state() };
    let savedStep = opts?.resumeFrom ? this.globalStep : -1;
    try {
      while (this.globalStep < total) {
        const step = this.globalStep;
        at = { phase: 'before-update', loader: loader.state(), rng: defaultGenerator().state() };
        // every micro-batch of the step is collated first: their label tokens (counted on the host) weigh their losses
        const batches: ModelBatch[] = [];
        const microLosses: Tensor[] = [];
        let weights: MicroBatchWeights;
        let stepTokens = 0;
        try {
          for (let micro = 0; micro < a.gradientAccumulationSteps; micro++) {
            const next = loader.next();
            epoch = next.epoch;
            batches.push(this.options.train.collate(next.batch, this.backend));
          }
          weights = microBatchWeights(batches);
          if (weights.total === 0) {
            throw new ConfigError(`Trainer: the micro-batches of step ${step + 1} hold no label tokens (every label is -100), so there is no loss to train on; check completion_only_loss / assistant_only_loss and max_length (a truncated completion leaves no labels)`);
          }
          batches.forEach((batch, i) => {
            stepTokens += batch.tokens;
            // a micro-batch without label tokens adds nothing to the step's loss (its mean would be 0/0)
            if (weights.counts[i] > 0) microLosses.push(this.forwardBackward(batch, weights.counts[i] / weights.total));
          });
        } finally {
          for (const batch of batches) disposeBatch(batch);
        }
        let gradNorm: Tensor | undefined;
        if (a.maxGradNorm !== null && a.maxGradNorm > 0) gradNorm = clipGradNorm(this.params.values(), a.maxGradNorm);
        const lr = this.schedule.at(step);
        this.optimizer.lr = lr;
        at.phase = 'updating';
        this.optimizer.step();
        // one wait per step: the micro-batch losses are read back together once the step is queued
        const loss = stepLoss(await readAll(microLosses), weights.counts.filter((c) => c > 0), weights.total);
        await this.model.afterOptimizerStep(step);
        this.optimizer.zeroGrad();
        this.globalStep = step + 1;
        at.phase = 'done';
        losses.push(loss);
        tokens += stepTokens;
        const fractionalEpoch = epoch + this.epochProgress();
        callbacks.onStep?.({ step: this.globalStep, totalSteps: total, loss, learningRate: lr, tokens: stepTokens, epoch: fractionalEpoch });
        if (this.globalStep % a.loggingSteps === 0 || this.globalStep === 1 || this.globalStep === total) {
          const norm = gradNorm ? await gradNorm.item() : undefined;
          const seconds = (Date.now() - started) / 1000;
          await callbacks.onLog?.({ step: this.globalStep, epoch: round(fractionalEpoch), loss, learning_rate: lr, ...(norm !== undefined ? { grad_norm: norm } : {}), tokens_per_second: seconds > 0 ? Math.round(tokens / seconds) : 0 });
        }
        gradNorm?.dispose();
        if (!Number.isFinite(loss)) throw new ConfigError(`Trainer: the training loss became ${loss} at step ${this.globalStep}; lower learning_rate or enable max_grad_norm`);
        const evalNow = this.options.evalExamples?.length && ((a.evalSteps > 0 && this.globalStep % a.evalSteps === 0) || this.globalStep === total);
        if (evalNow) {
          const m = await this.evaluate();
          evaluations.push({ ...m, step: this.globalStep });
          await callbacks.onLog?.({ step: this.globalStep, eval_loss: m.loss, eval_perplexity: m.perplexity, ...(m.accuracy !== undefined ? { eval_accuracy: m.accuracy } : {}) });
          stoppedEarly = this.early.update(m.loss);
        }
        if (store && a.saveSteps > 0 && (this.globalStep % a.saveSteps === 0 || stoppedEarly)) {
          const path = await this.saveCheckpoint();
          savedStep = this.globalStep;
          await callbacks.onCheckpoint?.(path, this.globalStep);
        }
        if (stoppedEarly) break;
      }
    } catch (e) {
      throw await this.checkpointOnDeviceError(e, at, savedStep);
    }
    this.model.eval();
    return { globalStep: this.globalStep, losses, evaluations, stoppedEarly, seconds: (Date.now() - started) / 1000, tokens };
  }

  /**
   * After a device error (out of memory, a failed kernel) in the step loop, saves a checkpoint of the
   * last finished step when the parameters still hold it: the error came before this step's optimizer
   * update (the loader and random state are wound back to the step's start) or after the step
   * finished. Nothing is saved after a device loss (the parameters were on the lost device) or during
   * the update (some parameters may have changed). The error is returned with a note of what was
   * saved and how to resume; other errors are returned unchanged.
   */
  private async checkpointOnDeviceError(e: unknown, at: FailurePoint, savedStep: number): Promise<unknown> {
    if (!(e instanceof DeviceError) || (!this.options.outputDir && !this.options.checkpoints)) return e;
    const resume = "resume with trainer.train({ resumeFrom: 'latest' }) (peft train --resume)";
    const last = savedStep >= 0 ? `checkpoint-${savedStep}` : undefined;
    let note: string;
    if (e.code === 'DEVICE_LOST' || at.phase === 'updating') {
      const why = e.code === 'DEVICE_LOST' ? 'the parameters were on the lost device' : 'the error came during the optimizer update';
      note = last ? `no checkpoint was written now (${why}); ${resume} to continue from ${last}` : `no checkpoint was written (${why}), and none exists yet: set save_steps to checkpoint periodically`;
    } else if (savedStep === this.globalStep) {
      note = `the last finished step, ${this.globalStep}, is already in ${last}; ${resume}`;
    } else {
      try {
        if (at.phase === 'before-update') {
          this.options.train.loader.restore(at.loader);
          defaultGenerator().setState(at.rng);
          this.optimizer.zeroGrad();
        }
        const path = await this.saveCheckpoint();
        note = `the trainer saved the last finished step, ${this.globalStep}, to ${path}; ${resume}`;
      } catch (saveError) {
        note = `saving a checkpoint of step ${this.globalStep} failed too (${(saveError as Error).message})${last ? `; ${resume} to continue from ${last}` : ''}`;
      }
    }
    return new DeviceError(e.code as 'DEVICE_LOST' | 'OUT_OF_MEMORY' | 'BACKEND', `${e.message}\n(${note})`, { cause: e });
  }

  /**
   * Evaluates the model on the held-out examples (see {@link evaluateModel}).
   *
   * @example
   * ```ts
   * const { loss, perplexity, accuracy } = await trainer.evaluate();
   * ```
   */
  async evaluate(examples: readonly E[] | undefined = this.options.evalExamples): Promise<EvalMetrics> {
    if (!examples?.length) throw new ConfigError('Trainer.evaluate: no held-out examples (pass evalExamples)');
    return evaluateModel(this.model, examples, this.args.perDeviceEvalBatchSize, (rows, b) => this.options.train.collate(rows, b), this.backend);
  }

  /**
   * Writes a checkpoint of the current state to `outputDir/checkpoint-<step>` (atomically) and prunes
   * old ones past `saveTotalLimit`.
   *
   * @example
   * ```ts
   * const path = await trainer.saveCheckpoint();
   * ```
   */
  async saveCheckpoint(): Promise<string> {
    const store = await this.checkpointStore();
    if (!store) throw new ConfigError('Trainer.saveCheckpoint: no checkpoints store or outputDir was given');
    const opt = optimizerStateToTensors(this.optimizer);
    const contents: CheckpointContents = {
      params: this.params,
      optimizer: opt,
      hooks: this.model.trainingState(),
      state: {
        global_step: this.globalStep,
        total_steps: this.totalSteps,
        loader: this.options.train.loader.state(),
        rng: defaultGenerator().state(),
        early_stopping: this.early.state(),
        adapters: this.model.activeAdapters,
      },
    };
    try {
      const adapters = new Map<string, AdapterFiles>();
      for (const name of this.model.peftConfig.keys()) adapters.set(name, await this.model.adapterFiles(name));
      const path = await store.save(this.globalStep, contents, adapters);
      if (this.args.saveTotalLimit !== null) await store.prune(this.args.saveTotalLimit);
      return path;
    } finally {
      for (const t of opt.tensors.values()) t.dispose();
    }
  }

  /** Restores a checkpoint folder (or the latest under outputDir). */
  private async resume(from: string): Promise<void> {
    let folder = from;
    const store = await this.checkpointStore();
    if (from === 'latest') {
      const latest = store ? (await store.list()).at(-1) : undefined;
      if (!latest) throw new ConfigError(`Trainer: resume_from_checkpoint "latest" but ${store?.label ?? 'outputDir'} holds no checkpoint-<step> folder`);
      folder = latest.path;
    }
    const cp = store ? await store.load(folder, this.backend) : await (await nodeCheckpoints()).checkpointFileStore(folder).load(folder, this.backend);
    try {
      for (const [name, p] of this.params) {
        const saved = cp.params.get(name);
        if (!saved) throw new ConfigError(`Trainer: checkpoint ${folder} has no parameter "${name}"; it was written for another model or adapter`);
        p.assign(saved);
      }
      const extra = [...cp.params.keys()].filter((k) => !this.params.has(k));
      if (extra.length) throw new ConfigError(`Trainer: checkpoint ${folder} has parameters this model does not train: ${extra.slice(0, 3).join(', ')}`);
      restoreOptimizerState(this.optimizer, cp.optimizer.tensors, cp.optimizer.meta, folder);
      validateShape(HOOK_STATE_NAMES_SCHEMA, [...cp.hooks.keys()], { file: `${folder}/training_hooks.safetensors (tensor names)` });
      if (cp.hooks.size) this.model.loadTrainingState(cp.hooks);
      const file = `${folder}/${CHECKPOINT_FILES.state}`;
      const s = validateShape(TrainerStateSchema, cp.state, { file });
      this.globalStep = s.global_step;
      try {
        this.options.train.loader.restore(s.loader);
      } catch (e) {
        throw e instanceof FileFormatError ? new FileFormatError(`${file}: field "loader": ${e.message}`, { cause: e }) : e;
      }
      defaultGenerator().setState(s.rng);
      this.early.restore(s.early_stopping);
    } finally {
      for (const m of [cp.params, cp.optimizer.tensors, cp.hooks]) for (const t of m.values()) t.dispose();
    }
  }

  /** The checkpoint store: the one given, or the file store on `outputDir` (Node), or none. */
  private async checkpointStore(): Promise<CheckpointStore | undefined> {
    if (this.options.checkpoints) return this.options.checkpoints;
    if (!this.options.outputDir) return undefined;
    this.fileStore ??= (await nodeCheckpoints()).checkpointFileStore(this.options.outputDir);
    return this.fileStore;
  }

  /** One micro-batch forward + backward of its mean loss times `scale`; the (unscaled) mean loss, detached, still on the device. */
  private forwardBackward(batch: ModelBatch, scale: number): Tensor {
    return tidy(() => {
      // the loss alone: a language model computes its head and loss in chunks of tokens, without [tokens, vocab] logits
      const out = this.model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, labels: batch.labels, returnLogits: false });
      if (!out.loss) throw new ConfigError('Trainer: the model returned no loss for a batch with labels');
      (scale === 1 ? out.loss : out.loss.mul(scale)).backward();
      return out.loss.detach();
    });
  }

  /** How far through the current epoch the loader is (0…1). */
  private epochProgress(): number {
    const s = this.options.train.loader.state() as { index?: number } | undefined;
    const per = this.options.train.loader.batchesPerEpoch;
    return typeof s?.index === 'number' && per > 0 ? Math.min(1, s.index / per) : 0;
  }
}

/**
 * `@peft/train/node`, loaded only when a run names an `outputDir` (or resumes from a folder without a
 * store). The specifier is a variable so that browser bundlers leave the Node file code out.
 */
async function nodeCheckpoints(): Promise<typeof import('./node.js')> {
  const entry = '@peft/train/node';
  try {
    return (await import(/* @vite-ignore */ entry)) as typeof import('./node.js');
  } catch (e) {
    throw new ConfigError(`Trainer: outputDir needs the Node file system (${(e as Error).message}); in a browser pass checkpoints: memoryCheckpointStore()`);
  }
}

/**
 * The step's loss from its micro-batches' mean losses and their weights: `Σ lossᵢ · countᵢ / total`
 * (one micro-batch: its loss as it is).
 */
function stepLoss(losses: readonly number[], counts: readonly number[], total: number): number {
  if (losses.length === 1 && counts[0] === total) return losses[0];
  return losses.reduce((s, l, i) => s + l * counts[i], 0) / total;
}

/** Reads scalar tensors back together and frees them. */
async function readAll(tensors: Tensor[]): Promise<number[]> {
  try {
    return await Promise.all(tensors.map((t) => t.item()));
  } finally {
    for (const t of tensors) t.dispose();
  }
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
