import { savePretrained } from '@peft/models/node';
import { adapterFlags, applyAdapters } from '../adapters.js';
import { parseCommandArgs } from '../args.js';
import { openBackend, parseBackendChoice } from '../backend-choice.js';
import { checkpointFolder, loadModelFrom } from '../checkpoint.js';
import type { Command } from '../command.js';
import { UsageError } from '../usage-error.js';

const USAGE = `Usage: peft merge --model DIR|ID --adapter DIR|ID [--adapter DIR]... --out DIR [--backend webgpu|cpu]

Merges adapters into the base weights and writes a Hugging Face checkpoint folder (model.safetensors,
config.json and the tokenizer files) that loads without @peft or PEFT, in transformers too.

  --model DIR|ID  the base checkpoint folder, or a Hub id (org/name)
  --revision REV  for a Hub id: a branch, tag or commit (default main)
  --adapter DIR|ID a saved PEFT adapter (a folder or a Hub id); repeat it to merge several (their deltas add up)
  --out DIR       where the merged checkpoint goes (created; files there are replaced atomically)
  --backend B     webgpu (default; falls back to cpu) or cpu: the merge is exact on both
  -h, --help      this text
`;

/**
 * `peft merge`: merges one or more adapters into the base model and saves the result as a plain
 * checkpoint folder.
 *
 * @example
 * ```sh
 * peft merge --model ./gpt2 --adapter ./my-lora --out ./gpt2-merged
 * ```
 */
export const mergeCommand: Command = {
  name: 'merge',
  summary: 'merge adapters into the base model and write a Hugging Face checkpoint folder',
  usage: USAGE,
  async run(argv, { io }) {
    const { values } = parseCommandArgs('merge', argv, {
      model: { type: 'string' },
      revision: { type: 'string' },
      adapter: { type: 'string', multiple: true },
      out: { type: 'string' },
      backend: { type: 'string' },
    });
    if (values.model === undefined) throw new UsageError('merge: --model DIR is required');
    if (values.out === undefined) throw new UsageError('merge: --out DIR is required');
    if (values.adapter === undefined) throw new UsageError('merge: give at least one --adapter DIR to merge');
    const adapters = adapterFlags('merge', values.adapter, true);
    const choice = parseBackendChoice('merge', values.backend);
    const source = await checkpointFolder(values.model as string, values.revision as string | undefined);
    const session = await openBackend(choice, io);
    try {
      const base = await loadModelFrom(source, session.backend, io);
      const merged = await applyAdapters(base, adapters, { merge: true, io });
      const files = await savePretrained(merged, values.out as string, { copyFrom: source });
      io.stdout.write(`merged ${adapters.length} adapter(s) into ${values.model as string}; wrote ${files.join(', ')} to ${values.out as string}\n`);
      return 0;
    } finally {
      session.close();
    }
  },
};
