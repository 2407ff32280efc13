/**
 * The @peft peer of another checkout as a child process (`pnpm bench side-by-side --baseline DIR`):
 * it loads DIR's `bench/targets.ts` and `bench/side-by-side/peft-peer.ts` (so DIR's packages run,
 * from source) and answers the protocol of child-peer.ts on stdout. Run from this repository's root:
 * `node --conditions=@peft/source --import tsx bench/side-by-side/peft-child.ts DIR`.
 */
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { Peer } from './peer.js';

type OpenTargets = (names: readonly string[]) => Promise<{ available: { backend: unknown; adapter: string }[] }>;
type CreatePeftPeer = (name: string, backend: unknown, device: string) => Promise<Peer>;

const dir = resolve(process.argv[2] ?? '.');
const load = (rel: string) => import(pathToFileURL(join(dir, rel)).href);
const { openTargets } = (await load('bench/targets.ts')) as { openTargets: OpenTargets };
const { createPeftPeer } = (await load('bench/side-by-side/peft-peer.ts')) as { createPeftPeer: CreatePeftPeer };
const webgpu = (await openTargets(['webgpu'])).available[0];
if (!webgpu) {
  process.stdout.write(`${JSON.stringify({ error: `no WebGPU adapter for the baseline in ${dir}` })}\n`);
  process.exit(1);
}
const peer = await createPeftPeer('@peft baseline', webgpu.backend, webgpu.adapter);
const say = (msg: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(msg)}\n`);
say({ device: `${peer.device} (${dir})` });
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, a, b] = line.trim().split(/\s+/);
  try {
    if (cmd === 'quit') break;
    let ms: number[];
    if (cmd === 'train') ms = await peer.trainSteps(Number(a));
    else if (cmd === 'forward') ms = await peer.forwards(a === 'merged', Number(b));
    else if (cmd === 'generate' && peer.generations) ms = await peer.generations(Number(a));
    else throw new Error(`unknown command ${JSON.stringify(line)}`);
    say({ ms, loss: peer.lastLoss() });
  } catch (e) {
    say({ error: e instanceof Error ? e.message : String(e) });
  }
}
await peer.close();
process.exit(0);
