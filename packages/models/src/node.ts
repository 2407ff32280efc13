/**
 * `@peft/models/node`: loading checkpoints and tokenizers from local folders. Node only.
 *
 * @packageDocumentation
 */
export { directorySource } from './directory-source.js';
