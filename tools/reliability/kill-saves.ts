/**
 * `node --conditions=@peft/source --import tsx tools/reliability/kill-saves.ts [--kills N] [--seed N]`:
 * SIGKILLs a process that saves adapters, checkpoints, training checkpoints and metrics in a loop, N
 * times, and checks after each kill that everything still loads (see kill-saves-run.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runKillSaves } from './kill-saves-run.js';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '100' }, seed: { type: 'string', default: '1' }, 'max-delay-ms': { type: 'string', default: '400' } } });
const dir = mkdtempSync(join(tmpdir(), 'peft-kill-'));
try {
  const report = await runKillSaves({ dir, kills: Number(values.kills), seed: Number(values.seed), maxDelayMs: Number(values['max-delay-ms']), onKill: (i) => process.stderr.write(`\rkill ${i + 1}/${values.kills}`) });
  process.stderr.write('\n');
  console.log(JSON.stringify(report, null, 2));
  process.exitCode = report.failures.length ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
