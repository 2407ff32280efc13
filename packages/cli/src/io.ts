/**
 * Where a command writes: text for stdout and stderr. `main` takes one, so tests capture output
 * in-process.
 *
 * @example
 * ```ts
 * const out: string[] = [];
 * const io: CliIO = { stdout: { write: (s) => void out.push(s) }, stderr: { write: () => {} } };
 * ```
 */
export interface CliIO {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

/** Something text can be written to (`process.stdout` is one). @example `const sink: TextSink = process.stdout;` */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * The process's own streams.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), processIO());
 * ```
 */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr };
}
