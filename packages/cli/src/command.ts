import type { CliIO } from './io.js';

/**
 * What every command gets besides its own arguments.
 *
 * @example
 * ```ts
 * const ctx: CommandContext = { io: processIO(), verbose: false };
 * ```
 */
export interface CommandContext {
  readonly io: CliIO;
  /** `--verbose`: print stack traces of errors and extra notes. */
  readonly verbose: boolean;
}

/**
 * One `peft` sub-command (one file under `src/commands/`).
 *
 * @example
 * ```ts
 * const hello: Command = { name: 'hello', summary: 'says hi', usage: 'peft hello', run: async (_, { io }) => { io.stdout.write('hi\n'); return 0; } };
 * ```
 */
export interface Command {
  readonly name: string;
  /** One line for the command list of `peft --help`. */
  readonly summary: string;
  /** The full text of `peft <name> --help`. */
  readonly usage: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: readonly string[], ctx: CommandContext): Promise<number>;
}
