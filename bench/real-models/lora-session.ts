/**
 * A real-size checkpoint of tools/real-models.py loaded with @peft: the model through
 * `loadPretrained`, its saved LoRA adapter through `PeftModel.fromPretrained` (trainable), optionally
 * with the base quantised to NF4 first (QLoRA), and AdamW over the adapter. Steps compute the loss
 * without the full logits (`returnLogits: false`), as `peft train` does. Used by the parity
 * check (tools/real-models-parity.ts) and by the @peft side of `pnpm bench real-models`.
 */
import { join } from 'node:path';
import {
  AdamW,
  type Backend,
  MethodRegistry,
  PeftModel,
  type Tensor,
  fromArray,
  noGrad,
  setGradientCheckpointing,
  tidy,
} from '../../packages/core/src/index.js';
import { directorySource } from '../../packages/core/src/node.js';
import { lora } from '../../packages/lora/src/index.js';
import { loadPretrained } from '../../packages/models/src/index.js';
import { prepareModelForKbitTraining, quantizeModel } from '../../packages/qlora/src/index.js';

/** Options of {@link openLoraSession}. */
export interface LoraSessionOptions {
  /** Quantise the base to NF4 with double quantisation and prepare it for k-bit training (QLoRA). */
  readonly qlora?: boolean;
  /** AdamW settings (default lr 1e-3, weight decay 0.01). */
  readonly adamw?: { lr: number; weightDecay: number; betas?: [number, number]; eps?: number };
  /** Train with the model in eval mode, dropout off, as the reference numbers of the parity check are taken. */
  readonly noDropout?: boolean;
  /** Receives loader notes (default: dropped). */
  readonly warn?: (message: string) => void;
  /** The weight dtype at load (default `auto`: the checkpoint's). */
  readonly weights?: 'auto' | 'f32';
  /** Gradient checkpointing on (each decoder layer recomputed in the backward). */
  readonly checkpointing?: boolean;
}

/** A loaded model with its adapter and optimiser. */
export interface LoraSession {
  readonly peft: PeftModel;
  /** Seconds the checkpoint and adapter took to load (and quantise). */
  readonly loadSeconds: number;
  /** The logits of `ids` `[B, T]`, read back, with the adapter on or (`base`) disabled. */
  logits(ids: number[][], opts?: { base?: boolean }): Promise<Float32Array>;
  /** One training step on `ids` (labels = ids): forward, backward, AdamW; resolves to the step's loss. */
  step(ids: number[][]): Promise<number>;
  /** The loss on `ids` without a step (in train mode unless `noDropout`). */
  loss(ids: number[][]): Promise<number>;
  dispose(): void;
}

function idsTensor(ids: number[][], backend: Backend): Tensor {
  return fromArray(ids.flat(), [ids.length, ids[0].length], { dtype: 'i32', backend });
}

/** Loads the checkpoint in `folder` and its `adapter/` on `backend`. */
export async function openLoraSession(folder: string, backend: Backend, opts: LoraSessionOptions = {}): Promise<LoraSession> {
  const t0 = performance.now();
  const warn = opts.warn ?? (() => {});
  const model = await loadPretrained(directorySource(folder), { backend, onWarning: warn, dtype: opts.weights ?? 'auto' });
  const registry = new MethodRegistry().register(lora);
  if (opts.qlora) {
    await quantizeModel(model, { quantType: 'nf4', doubleQuant: true });
    prepareModelForKbitTraining(model);
  }
  const peft = await PeftModel.fromPretrained(model, directorySource(join(folder, 'adapter')), { registry, isTrainable: true, warn });
  if (opts.checkpointing) setGradientCheckpointing(peft);
  const loadSeconds = (performance.now() - t0) / 1000;
  const params = [...peft.parameters()].filter((p) => p.requiresGrad);
  const a = opts.adamw ?? { lr: 1e-3, weightDecay: 0.01 };
  const opt = new AdamW(params, { lr: a.lr, weightDecay: a.weightDecay, ...(a.betas ? { betas: a.betas } : {}), ...(a.eps ? { eps: a.eps } : {}) });
  let mode: 'train' | 'eval' | null = null;
  const use = (m: 'train' | 'eval') => {
    if (mode === m) return;
    if (m === 'train') peft.train();
    else peft.eval();
    mode = m;
  };

  async function scalar(t: Tensor): Promise<number> {
    const [v] = await t.data();
    t.dispose();
    return v;
  }
  return {
    peft,
    loadSeconds,
    async logits(ids, { base = false } = {}) {
      use('eval');
      const x = idsTensor(ids, backend);
      const run = () => tidy(() => noGrad(() => peft.forward({ inputIds: x }).logits));
      const out = base ? peft.disableAdapter(run) : run();
      const data = await out.data<Float32Array>();
      out.dispose();
      x.dispose();
      return data;
    },
    async step(ids) {
      use(opts.noDropout ? 'eval' : 'train');
      const x = idsTensor(ids, backend);
      const l = tidy(() => {
        const out = peft.forward({ inputIds: x, labels: x, returnLogits: false });
        out.loss!.backward();
        return out.loss!.detach();
      });
      opt.step();
      opt.zeroGrad();
      x.dispose();
      return scalar(l);
    },
    async loss(ids) {
      use(opts.noDropout ? 'eval' : 'train');
      const x = idsTensor(ids, backend);
      const l = tidy(() => noGrad(() => peft.forward({ inputIds: x, labels: x, returnLogits: false }).loss!.detach()));
      x.dispose();
      return scalar(l);
    },
    dispose() {
      opt.dispose();
      peft.dispose();
    },
  };
}
