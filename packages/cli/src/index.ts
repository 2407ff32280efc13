/**
 * `@peft/cli`: the `peft` command (`peft forward`, `peft generate`, `peft inspect`), also callable
 * in-process through {@link main}.
 *
 * @packageDocumentation
 */
export { main, rootUsage } from './main.js';
export type { CliIO, TextSink } from './io.js';
export { processIO } from './io.js';
export type { Command, CommandContext } from './command.js';
export { UsageError } from './usage-error.js';
export { forwardCommand } from './commands/forward.js';
export { generateCommand } from './commands/generate.js';
export { inspectCommand, readTensorTable } from './commands/inspect.js';
export type { TensorRow } from './commands/inspect.js';
export { readInputFile, parseInputBatch } from './input-file.js';
export type { InputBatch } from './input-file.js';
