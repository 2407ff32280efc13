/**
 * The real-models benchmark's workload: batch shape, rounds, optimiser, and the token ids every peer
 * trains on (the same ids in @peft and in PyTorch, so that their first losses agree).
 */

/** What one run measures per model. */
export interface RealWorkload {
  readonly batch: number;
  readonly seq: number;
  /** Interleaved rounds, and timed training steps per peer per round. */
  readonly rounds: number;
  readonly stepsPerRound: number;
  /** Untimed steps per peer first (pipeline compilation, allocator warm-up). */
  readonly warmup: number;
  readonly lr: number;
  readonly weightDecay: number;
}

/** The full run: batch 4 × 256. */
export const FULL: RealWorkload = { batch: 4, seq: 256, rounds: 4, stepsPerRound: 2, warmup: 1, lr: 1e-3, weightDecay: 0.01 };

/** `--quick`: batch 4 × 128, two rounds of one step. */
export const QUICK: RealWorkload = { batch: 4, seq: 128, rounds: 2, stepsPerRound: 1, warmup: 1, lr: 1e-3, weightDecay: 0.01 };

/**
 * Token ids `[batch, seq]` spread over the vocabulary by a multiplicative hash of the position
 * (`(i + 1) · 2654435761 mod 2³² mod vocab`); bench/peers/real_models_step.py computes the same.
 */
export function tokenIds(vocab: number, batch: number, seq: number): number[][] {
  return Array.from({ length: batch }, (_, b) =>
    Array.from({ length: seq }, (_, t) => Number(((BigInt(b * seq + t + 1) * 2654435761n) % 4294967296n) % BigInt(vocab))),
  );
}
