/**
 * A peer that runs in a child process and answers one line per command on stdout: first a hello
 * `{"device": …}`, then `{"ms": [...], "loss": …}` (or `{"error": …}`) for `train N`,
 * `forward merged|unmerged N` and `generate N`; `quit` ends it. A reply may also carry `peakRssBytes`
 * and `peakDeviceBytes`, the process's memory so far. The PyTorch peer and the baseline
 * @peft peer (another checkout, `--baseline DIR`) speak it.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Peer, PeerMemory } from './peer.js';

/** Starts `command args…` and wraps it as a {@link Peer} named `name`. */
export async function createChildPeer(name: string, command: string, args: readonly string[], opts: { cwd?: string } = {}): Promise<Peer> {
  const child: ChildProcessWithoutNullStreams = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  async function reply(): Promise<Record<string, unknown>> {
    const next = await lines.next();
    if (next.done) throw new Error(`${name} peer exited: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const msg = JSON.parse(next.value) as Record<string, unknown>;
    if (typeof msg.error === 'string') throw new Error(`${name} peer: ${msg.error}`);
    return msg;
  }
  let loss = Number.NaN;
  let memory: PeerMemory | undefined;
  async function ask(cmd: string): Promise<number[]> {
    child.stdin.write(`${cmd}\n`);
    const msg = await reply();
    loss = msg.loss as number;
    if (typeof msg.peakRssBytes === 'number') {
      memory = { peakRssBytes: msg.peakRssBytes, peakDeviceBytes: typeof msg.peakDeviceBytes === 'number' ? msg.peakDeviceBytes : undefined };
    }
    return msg.ms as number[];
  }
  const hello = await reply();
  return {
    name,
    device: String(hello.device),
    trainSteps: (n) => ask(`train ${n}`),
    forwards: (merged, n) => ask(`forward ${merged ? 'merged' : 'unmerged'} ${n}`),
    generations: (n) => ask(`generate ${n}`),
    lastLoss: () => loss,
    memory: () => memory,
    async close() {
      child.stdin.end('quit\n');
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
    },
  };
}
