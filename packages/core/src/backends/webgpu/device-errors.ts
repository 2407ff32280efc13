import { DeviceError } from '../../errors.js';

/**
 * Maps an error WebGPU reports (an uncaptured error event, or one popped from an error scope) to a
 * {@link DeviceError}: `GPUOutOfMemoryError` becomes `OUT_OF_MEMORY` (whose message says how to fit),
 * anything else `BACKEND`.
 *
 * @example
 * ```ts
 * device.addEventListener('uncapturederror', (ev) => record(gpuErrorToDeviceError(ev.error, 'webgpu')));
 * ```
 */
export function gpuErrorToDeviceError(error: GPUError, where: string): DeviceError {
  const oom = (typeof GPUOutOfMemoryError !== 'undefined' && error instanceof GPUOutOfMemoryError) || error.constructor?.name === 'GPUOutOfMemoryError';
  return new DeviceError(oom ? 'OUT_OF_MEMORY' : 'BACKEND', `${where}: ${oom ? 'out of memory' : 'device error'}: ${error.message}`);
}

/**
 * The error of a call after the device was lost (its message says what to do next).
 *
 * @example
 * ```ts
 * throw deviceLostError('matmul', { reason: 'unknown', message: 'the GPU process crashed' });
 * ```
 */
export function deviceLostError(op: string, info: { reason: string; message: string }): DeviceError {
  return new DeviceError('DEVICE_LOST', `webgpu ${op}: the device was lost (reason: ${info.reason}${info.message ? `: ${info.message}` : ''})`);
}
