import { pushAdapter } from '@peft/hub/node';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../usage-error.js';

const USAGE = `Usage: peft push DIR --repo USER/NAME [--private] [--revision BRANCH] [--message TEXT]

Pushes a saved adapter to the Hugging Face Hub in one commit: creates the repository when it does not
exist, then uploads adapter_config.json, adapter_model.safetensors, the subfolders of named adapters
and the model card (README.md: the one peft train wrote, or one made from the adapter's config, with
PEFT's metadata: library_name: peft, base_model, tags). Needs a token with write access: HF_TOKEN or
the file the Hugging Face CLI's login writes. HF_ENDPOINT points it at another Hub.

  --repo USER/NAME   the repository to push to
  --private          create the repository private (when it does not exist yet)
  --revision BRANCH  the branch to commit to (default main; created when missing)
  --message TEXT     the commit title (default "Upload <PEFT type> adapter")
  -h, --help         this text
`;

/**
 * `peft push`: uploads an adapter folder to the Hub with its model card.
 *
 * @example
 * ```sh
 * peft push ./out/my-lora --repo me/my-lora --private
 * ```
 */
export const pushCommand: Command = {
  name: 'push',
  summary: 'push an adapter folder to the Hugging Face Hub with a model card',
  usage: USAGE,
  async run(argv, { io }) {
    const { values, positionals } = parseCommandArgs(
      'push',
      argv,
      { repo: { type: 'string' }, private: { type: 'boolean' }, revision: { type: 'string' }, message: { type: 'string' } },
      1,
    );
    if (positionals.length === 0) throw new UsageError('push: the adapter folder DIR is required');
    if (values.repo === undefined) throw new UsageError('push: --repo USER/NAME is required');
    const result = await pushAdapter(positionals[0], {
      repo: values.repo as string,
      private: values.private === true,
      revision: values.revision as string | undefined,
      commitMessage: values.message as string | undefined,
      progress: io.stderr,
    });
    io.stdout.write(`pushed ${result.files.join(', ')} to ${result.url}${result.commit ? ` (commit ${result.commit.slice(0, 12)})` : ''}\n`);
    return 0;
  },
};
