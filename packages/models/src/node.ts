/**
 * `@peft/models/node`: loading checkpoints and tokenizers from local folders. Node only.
 *
 * @packageDocumentation
 */
export { directorySource } from '@peft/core/node';
export { savePretrained, checkpointTensors } from './save-pretrained.js';
