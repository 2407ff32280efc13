/** The PyTorch (CPU) side of the side-by-side run: bench/peers/torch_step.py as a child process. */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Peer } from './peer.js';
import { WORKLOAD } from './workload.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'peers', 'torch_step.py');

/** Why the PyTorch peer cannot run here (no python3, or no torch), or null when it can. */
export function torchUnavailable(python = process.env.PYTHON ?? 'python3'): string | null {
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    return null;
  } catch {
    return `${python} with torch is not available on this machine`;
  }
}

/** Starts the PyTorch peer (call {@link torchUnavailable} first). */
export async function createTorchPeer(python = process.env.PYTHON ?? 'python3'): Promise<Peer> {
  const child: ChildProcessWithoutNullStreams = spawn(python, [SCRIPT, JSON.stringify(WORKLOAD)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  async function reply(): Promise<Record<string, unknown>> {
    const next = await lines.next();
    if (next.done) throw new Error(`torch peer exited: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const msg = JSON.parse(next.value) as Record<string, unknown>;
    if (typeof msg.error === 'string') throw new Error(`torch peer: ${msg.error}`);
    return msg;
  }
  let loss = Number.NaN;
  async function ask(command: string): Promise<number[]> {
    child.stdin.write(`${command}\n`);
    const msg = await reply();
    loss = msg.loss as number;
    return msg.ms as number[];
  }
  const hello = await reply();
  return {
    name: 'pytorch cpu',
    device: String(hello.device),
    trainSteps: (n) => ask(`train ${n}`),
    forwards: (merged, n) => ask(`forward ${merged ? 'merged' : 'unmerged'} ${n}`),
    generations: (n) => ask(`generate ${n}`),
    lastLoss: () => loss,
    async close() {
      child.stdin.end('quit\n');
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
    },
  };
}
