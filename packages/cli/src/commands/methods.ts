import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { CLI_METHODS } from '../methods.js';

const USAGE = `Usage: peft methods [--json]

Lists the adapter methods this command knows: their peft_type (as in adapter_config.json) and the
package that provides each.

  --json      print [{"peft_type": …, "package": …}, …]
  -h, --help  this text
`;

/**
 * `peft methods`: the registered adapter methods with their packages.
 *
 * @example
 * ```sh
 * peft methods
 * ```
 */
export const methodsCommand: Command = {
  name: 'methods',
  summary: 'list the adapter methods (peft_type) this command knows and their packages',
  usage: USAGE,
  async run(argv, { io }) {
    const { values } = parseCommandArgs('methods', argv, { json: { type: 'boolean' } });
    const rows = CLI_METHODS.map((m) => ({ peft_type: m.peftType, package: m.packageName }));
    if (values.json) {
      io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    const width = Math.max(9, ...rows.map((r) => r.peft_type.length));
    io.stdout.write(`${'peft_type'.padEnd(width)}  package\n${rows.map((r) => `${r.peft_type.padEnd(width)}  ${r.package}`).join('\n')}\n`);
    return 0;
  },
};
