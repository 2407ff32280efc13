import type { KernelProfile } from '../../packages/core/src/index.js';

/** What each side of the side-by-side run offers: timed training steps, forwards and generation. */

/** One implementation of the workload, measured in rounds interleaved with the others. */
export interface Peer {
  /** Short name for the table, e.g. `@peft webgpu`. */
  readonly name: string;
  /** The device it runs on (the adapter's description, or the CPU and thread count). */
  readonly device: string;
  /** Runs `n` training steps, each waiting for its loss; returns the ms of each. */
  trainSteps(n: number): Promise<number[]>;
  /** Runs `n` no-grad forwards of the batch (logits read back), the adapter unmerged or merged; ms of each. */
  forwards(merged: boolean, n: number): Promise<number[]>;
  /** Runs `n` greedy generations (batch rows, prompt then new tokens, KV cache); ms of each. Absent: not measured. */
  generations?(n: number): Promise<number[]>;
  /** Times one training step per kernel family (only @peft on WebGPU has it). */
  profileStep?(): Promise<KernelProfile | null>;
  /** The most memory the peer has held so far, when it reports it (the child-process peers do). */
  memory?(): PeerMemory | undefined;
  /** The last training step's loss (a sanity check: about ln(vocab) at the start). */
  lastLoss(): number;
  /** Frees the device resources (or ends the child process). */
  close(): Promise<void>;
}

/** Peak memory of a peer's process. */
export interface PeerMemory {
  /** The process's peak resident set (bytes). */
  readonly peakRssBytes: number;
  /** The most bytes its tensors held on the device at once (`backend.memory().peakBytes`), where it has one. */
  readonly peakDeviceBytes?: number;
}

/** Times `n` calls of `once`, each awaited on its own. */
export async function timeEach(n: number, once: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once();
    ms.push(performance.now() - t0);
  }
  return ms;
}
