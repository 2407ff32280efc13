/**
 * The TensorFlow.js side of the side-by-side run: the same GPT-2-shaped model with LoRA on the
 * attention projections, written with tfjs ops and trained through `tf.variableGrads`, on
 * `@tensorflow/tfjs-backend-webgpu` over the same Dawn instance @peft uses (exposed as
 * `navigator.gpu` before the backend registers). Bench-only: tfjs is a devDependency of the root.
 */
import { register } from 'node:module';
import { nodeGPU } from '../../packages/core/src/node.js';
import { type Peer, timeEach } from './peer.js';
import { WORKLOAD as W } from './workload.js';

type TF = typeof import('@tensorflow/tfjs-core');
type TTensor = import('@tensorflow/tfjs-core').Tensor;
type TVariable = import('@tensorflow/tfjs-core').Variable;

/** Loads tfjs with its WebGPU backend on Dawn's adapter; throws when the backend does not start. */
async function loadTf(): Promise<TF> {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu: nodeGPU() }, configurable: true, writable: true });
  else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: nodeGPU(), configurable: true });
  const tf = await import('@tensorflow/tfjs-core');
  // The CommonJS build Node loads lacks the gradient table; its ESM file registers it into the same
  // global registry (tfjs keeps its engine and registries on globalThis).
  register(new URL('./tfjs-esm-hook.mjs', import.meta.url));
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend did not initialise');
  await tf.ready();
  return tf;
}

/** Builds the tfjs peer. */
export async function createTfjsPeer(): Promise<Peer> {
  const tf = await loadTf();
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } }).adapterInfo;
  const device = `tfjs-backend-webgpu ${tf.version_core}${info ? ` (${[info.vendor, info.architecture, info.description].filter(Boolean).join(' ')})` : ''}`;
  const d = W.dModel;
  const dh = d / W.heads;
  const scale = W.alpha / W.rank;
  const normal = (shape: number[]) => tf.randomNormal(shape, 0, 0.02, 'float32', 3);
  const frozen = (t: TTensor) => tf.keep(t);
  const wte = frozen(normal([W.vocab, d]));
  const wpe = frozen(normal([W.positions, d]));
  const ones = (n: number) => frozen(tf.ones([n]));
  const zeros = (n: number) => frozen(tf.zeros([n]));
  const layers = Array.from({ length: W.layers }, () => ({
    ln1g: ones(d), ln1b: zeros(d), ln2g: ones(d), ln2b: zeros(d),
    qkvW: frozen(normal([d, 3 * d])), qkvB: zeros(3 * d),
    outW: frozen(normal([d, d])), outB: zeros(d),
    fcW: frozen(normal([d, W.inner])), fcB: zeros(W.inner),
    projW: frozen(normal([W.inner, d])), projB: zeros(d),
  }));
  const lnfg = ones(d);
  const lnfb = zeros(d);
  const bound = 1 / Math.sqrt(d);
  const lora = layers.map(() => ({
    qkvA: tf.variable(tf.randomUniform([W.rank, d], -bound, bound, 'float32', 5)),
    qkvB: tf.variable(tf.zeros([3 * d, W.rank])),
    outA: tf.variable(tf.randomUniform([W.rank, d], -bound, bound, 'float32', 6)),
    outB: tf.variable(tf.zeros([d, W.rank])),
  }));
  const trainable: TVariable[] = lora.flatMap((l) => [l.qkvA, l.qkvB, l.outA, l.outB]);
  const ids = frozen(tf.tensor2d(randomRows(7, W.batch, W.seq), [W.batch, W.seq], 'int32'));
  const mask = frozen(tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([W.seq, W.seq]), -1, 0)), -1e9));
  const positions = frozen(tf.range(0, W.seq, 1, 'int32'));

  const layerNorm = (x: TTensor, g: TTensor, b: TTensor) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
  };
  const gelu = (x: TTensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));
  // x [n, in] · W [in, out] + b, plus scale · (x · Aᵀ) · Bᵀ when an adapter is given (unmerged)
  const linear = (x: TTensor, w: TTensor, b: TTensor, a?: TTensor, bb?: TTensor) => {
    const y = tf.add(tf.matMul(x, w), b);
    return a && bb ? tf.add(y, tf.mul(tf.matMul(tf.matMul(x, a, false, true), bb, false, true), scale)) : y;
  };

  /** Logits [B·T, vocab] with the adapters applied unmerged, or merged weights when given. */
  function logits(mergedW?: { qkv: TTensor; out: TTensor }[]): TTensor {
    const n = W.batch * W.seq;
    let h = tf.reshape(tf.add(tf.gather(wte, ids), tf.gather(wpe, positions)), [n, d]);
    layers.forEach((p, i) => {
      const l = lora[i];
      const x = layerNorm(h, p.ln1g, p.ln1b);
      const qkv = mergedW ? linear(x, mergedW[i].qkv, p.qkvB) : linear(x, p.qkvW, p.qkvB, l.qkvA, l.qkvB);
      const heads = tf.transpose(tf.reshape(qkv, [W.batch, W.seq, 3, W.heads, dh]), [2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(heads);
      const att = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), mask));
      const ctx = tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [n, d]);
      h = tf.add(h, mergedW ? linear(ctx, mergedW[i].out, p.outB) : linear(ctx, p.outW, p.outB, l.outA, l.outB));
      const y = layerNorm(h, p.ln2g, p.ln2b);
      h = tf.add(h, linear(gelu(linear(y, p.fcW, p.fcB)), p.projW, p.projB));
    });
    return tf.matMul(layerNorm(h, lnfg, lnfb), wte, false, true);
  }
  const labels = frozen(tf.oneHot(tf.reshape(tf.slice(ids, [0, 1], [W.batch, W.seq - 1]), [-1]), W.vocab));
  const lossOf = () => {
    const lg = tf.reshape(logits(), [W.batch, W.seq, W.vocab]);
    const shifted = tf.reshape(tf.slice(lg, [0, 0, 0], [W.batch, W.seq - 1, W.vocab]), [-1, W.vocab]);
    return tf.losses.softmaxCrossEntropy<TTensor, import('@tensorflow/tfjs-core').Scalar>(labels, shifted);
  };
  const adam = tf.train.adam(W.lr, 0.9, 0.999, 1e-8);
  let loss = Number.NaN;

  async function step(): Promise<void> {
    const value = tf.tidy(() => {
      for (const v of trainable) v.assign(tf.mul(v, 1 - W.lr * W.weightDecay)); // AdamW: decoupled decay first
      const { value, grads } = tf.variableGrads(lossOf, trainable);
      // variableGrads names the gradients by variable name, as applyGradients looks them up
      adam.applyGradients(grads as unknown as Parameters<typeof adam.applyGradients>[0]);
      return value;
    });
    [loss] = await value.data();
    value.dispose();
  }
  /** The adapters merged into copies of the base weights: W + scale · Aᵀ · Bᵀ (weights are [in, out]). */
  const mergeWeights = () =>
    tf.tidy(() =>
      layers.map((p, i) => ({
        qkv: tf.keep(tf.add(p.qkvW, tf.mul(tf.matMul(lora[i].qkvA, lora[i].qkvB, true, true), scale))),
        out: tf.keep(tf.add(p.outW, tf.mul(tf.matMul(lora[i].outA, lora[i].outB, true, true), scale))),
      })),
    );
  async function forwards(merged: boolean, n: number): Promise<number[]> {
    const m = merged ? mergeWeights() : undefined;
    try {
      return await timeEach(n, async () => {
        const out = tf.tidy(() => logits(m));
        await out.data();
        out.dispose();
      });
    } finally {
      for (const w of m ?? []) tf.dispose([w.qkv, w.out]);
    }
  }
  return {
    name: 'tfjs webgpu',
    device,
    trainSteps: (n) => timeEach(n, step),
    forwards,
    lastLoss: () => loss,
    async close() {
      tf.disposeVariables();
      adam.dispose();
      tf.engine().reset();
    },
  };
}

/** Seeded token ids (a small LCG: the peers need ids in range, not the same ids). */
function randomRows(seed: number, rows: number, cols: number): number[][] {
  let s = seed >>> 0;
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s % W.vocab;
    }),
  );
}
