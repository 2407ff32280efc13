/**
 * A mistake on the command line (unknown command or flag, a missing or malformed value): printed as
 * `peft: <message>` with a hint to `--help`, exit code 2.
 *
 * @example
 * ```ts
 * throw new UsageError('forward: --model is required');
 * ```
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
