/** The PyTorch (CPU) side of the side-by-side run: bench/peers/torch_step.py as a child process. */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChildPeer } from './child-peer.js';
import type { Peer } from './peer.js';
import { WORKLOAD } from './workload.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'peers', 'torch_step.py');

/** Why a PyTorch peer cannot run here (no python3, or one of `modules` missing), or null when it can. */
export function torchUnavailable(python = process.env.PYTHON ?? 'python3', modules: readonly string[] = ['torch']): string | null {
  try {
    execFileSync(python, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore', timeout: 60_000 });
    return null;
  } catch {
    return `${python} with ${modules.join(', ')} is not available on this machine`;
  }
}

/** Starts the PyTorch peer (call {@link torchUnavailable} first). */
export function createTorchPeer(python = process.env.PYTHON ?? 'python3'): Promise<Peer> {
  return createChildPeer('pytorch cpu', python, [SCRIPT, JSON.stringify(WORKLOAD)]);
}
