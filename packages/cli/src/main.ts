import { PeftError } from '@peft/core';
import type { Command } from './command.js';
import { demoCommand } from './commands/demo.js';
import { exportRunCommand } from './commands/export-run.js';
import { forwardCommand } from './commands/forward.js';
import { generateCommand } from './commands/generate.js';
import { inspectCommand } from './commands/inspect.js';
import { mergeCommand } from './commands/merge.js';
import { methodsCommand } from './commands/methods.js';
import { pushCommand } from './commands/push.js';
import { trainCommand } from './commands/train.js';
import { enableCliHub } from './hub.js';
import { type CliIO, processIO } from './io.js';
import { UsageError } from './usage-error.js';

/** The built-in commands, in the order `peft --help` lists them. */
const COMMANDS: readonly Command[] = [trainCommand, demoCommand, forwardCommand, generateCommand, inspectCommand, mergeCommand, pushCommand, exportRunCommand, methodsCommand];

/**
 * The text of `peft --help`.
 *
 * @example
 * ```ts
 * process.stdout.write(rootUsage());
 * ```
 */
export function rootUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: peft <command> [options]

Fine-tune adapters on Hugging Face checkpoints, and run, generate with, merge and inspect them,
with @peft (WebGPU, or the CPU backend).

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  -h, --help   show help (also after a command: peft forward --help)
  --verbose    print stack traces of errors
`;
}

/**
 * Runs the `peft` command line in-process and resolves to the exit code: 0 on success, 1 for an error
 * of the library (a `PeftError`, printed as `peft: <message>` on stderr; the stack only with
 * `--verbose`), 2 for a usage mistake (unknown command or flag, missing argument).
 *
 * @example
 * ```ts
 * const code = await main(['inspect', './gpt2', '--json'], { stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((a) => a !== '--verbose');
  try {
    const [name, ...rest] = args;
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
      if (name === undefined) {
        io.stderr.write(rootUsage());
        return 2;
      }
      io.stdout.write(topic ? topic.usage : rootUsage());
      return 0;
    }
    if (name.startsWith('-')) throw new UsageError(`unknown option "${name}" before the command`);
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command "${name}"; the commands are ${COMMANDS.map((c) => c.name).join(', ')}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(command.usage);
      return 0;
    }
    enableCliHub(io);
    return await command.run(rest, { io, verbose });
  } catch (e) {
    return report(e, io, verbose, args);
  }
}

function report(e: unknown, io: CliIO, verbose: boolean, argv: readonly string[]): number {
  if (e instanceof UsageError) {
    io.stderr.write(`peft: ${e.message}\nRun "peft --help" (or "peft <command> --help") for usage.\n`);
    return 2;
  }
  if (e instanceof PeftError) {
    // a model larger than the GPU's buffers (software adapters bind at most 128 MiB) still runs on the CPU
    const hint = e.code === 'OUT_OF_MEMORY' && !argv.includes('cpu') ? ' (the CPU backend has no such limit: add --backend cpu)' : '';
    io.stderr.write(`peft: ${e.message}${hint}\n`);
    if (verbose && e.stack) io.stderr.write(`${e.stack}\n`);
    return 1;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as NodeJS.ErrnoException).code;
  io.stderr.write(`peft: ${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}\n`);
  if (verbose && err.stack) io.stderr.write(`${err.stack}\n`);
  return 1;
}
