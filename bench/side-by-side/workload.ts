/**
 * The headline workload every peer of the side-by-side run implements: a GPT-2-shaped decoder with
 * LoRA on the attention projections, trained with AdamW on the causal-LM loss; and the FLOP count
 * that turns its ms/step into GFLOP/s.
 */

/** The model and batch shape, shared by the @peft, TensorFlow.js and PyTorch peers. */
export const WORKLOAD = {
  vocab: 512,
  dModel: 128,
  layers: 4,
  heads: 4,
  /** MLP hidden width (4 × dModel). */
  inner: 512,
  positions: 128,
  seq: 64,
  batch: 8,
  /** LoRA rank and alpha on the fused qkv (`attn.c_attn`) and the output projection (`attn.c_proj`). */
  rank: 8,
  alpha: 16,
  lr: 1e-3,
  weightDecay: 0.01,
  /** Generation: prompt length and new tokens per row (batch rows at once, greedy, KV cache). */
  genPrompt: 8,
  genNew: 32,
} as const;

/** Tokens in one step's batch. */
export const TOKENS = WORKLOAD.batch * WORKLOAD.seq;

/** Parameters of the dense matmuls the forward pass runs (per layer qkv, out, fc, proj; then the tied LM head). */
export function matmulParams(w = WORKLOAD): number {
  const d = w.dModel;
  return w.layers * (d * 3 * d + d * d + d * w.inner + w.inner * d) + d * w.vocab;
}

/** LoRA parameters: per layer A [r, d] and B [3d, r] on qkv, A [r, d] and B [d, r] on the output projection. */
export function loraParams(w = WORKLOAD): number {
  const d = w.dModel;
  return w.layers * (w.rank * d + 3 * d * w.rank + w.rank * d + d * w.rank);
}

/**
 * FLOPs of one forward pass: `2·tokens·(N + N_lora)` for the dense and LoRA matmuls plus
 * `4·L·B·T²·d` for attention's QKᵀ and PV products (multiply-add = 2 FLOPs; norms, softmax and
 * element-wise work are not counted).
 */
export function forwardFlops(w = WORKLOAD): number {
  const tokens = w.batch * w.seq;
  return 2 * tokens * (matmulParams(w) + loraParams(w)) + 4 * w.layers * w.batch * w.seq * w.seq * w.dModel;
}

/**
 * FLOPs of one LoRA training step: the forward, then the backward's activation gradients (the same
 * count as the forward: every matmul and attention product once more) and the LoRA weight gradients
 * (`2·tokens·N_lora`). The frozen base weights get no gradient, so the usual `6·N·tokens` rule would
 * overstate the work: here it is `4·tokens·(N + N_lora) + 2·tokens·N_lora + 8·L·B·T²·d`.
 */
export function trainStepFlops(w = WORKLOAD): number {
  const tokens = w.batch * w.seq;
  return 2 * forwardFlops(w) + 2 * tokens * loraParams(w);
}

/** The formula as printed under the table and written to the docs. */
export const FLOP_FORMULA =
  'train step = 4·tokens·(N + N_lora) + 2·tokens·N_lora + 8·L·B·T²·d; forward = 2·tokens·(N + N_lora) + 4·L·B·T²·d ' +
  '(N = dense matmul weights incl. the tied LM head, N_lora = LoRA weights, tokens = B·T; a multiply-add counts 2)';
