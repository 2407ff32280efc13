import { DeviceError } from '../../errors.js';
import { deviceLostError, gpuErrorToDeviceError } from './device-errors.js';

/**
 * Watches a device for the errors WebGPU reports asynchronously (device loss, uncaptured validation
 * and out-of-memory errors, errors from error scopes) and turns them into {@link DeviceError}s that
 * the backend throws on its next call, so nothing is swallowed.
 *
 * @example
 * ```ts
 * const state = new DeviceState(device);
 * state.check('matmul'); // throws DeviceError('DEVICE_LOST', …) once the device is gone
 * ```
 */
export class DeviceState {
  private lostInfo: { reason: string; message: string } | null = null;
  private destroyed = false;
  private readonly pending: DeviceError[] = [];

  constructor(device: GPUDevice) {
    void device.lost.then((info) => {
      this.lostInfo = { reason: info.reason, message: info.message };
    });
    device.addEventListener('uncapturederror', (ev) => this.record(gpuErrorToDeviceError(ev.error, 'webgpu')));
  }

  /** True once the device was lost or destroyed. @example `if (state.isLost) ...` */
  get isLost(): boolean {
    return this.destroyed || this.lostInfo !== null;
  }

  /** Marks a deliberate destroy (later calls say so instead of reporting a loss). @example `state.markDestroyed()` */
  markDestroyed(): void {
    this.destroyed = true;
  }

  /**
   * Queues an error for the next call. A `root` error (a kernel that failed to compile) goes first,
   * ahead of the errors it caused.
   *
   * @example
   * ```ts
   * state.record(new DeviceError('OUT_OF_MEMORY', msg));
   * ```
   */
  record(error: DeviceError, root = false): void {
    if (root) this.pending.unshift(error);
    else this.pending.push(error);
  }

  /**
   * The error the next call should throw: the device loss, else the first recorded error (the others
   * are summarised in its message and dropped).
   *
   * @example
   * ```ts
   * const e = state.takeError('read');
   * ```
   */
  takeError(op: string): DeviceError | null {
    if (this.destroyed) return new DeviceError('DEVICE_LOST', `webgpu ${op}: the backend was destroyed`);
    if (this.lostInfo) return deviceLostError(op, this.lostInfo);
    if (this.pending.length === 0) return null;
    let first = this.pending[0];
    const more = this.pending.length - 1;
    this.pending.length = 0;
    if (/Invalid (ShaderModule|ComputePipeline)/.test(first.message)) {
      // a kernel failed to compile; its WGSL error arrives asynchronously, on a later call
      first = new DeviceError('BACKEND', `${first.message}\n(a generated kernel failed to compile: its WGSL error is reported by the next call)`, { cause: first });
    }
    if (more === 0) return first;
    return new DeviceError(first.code as 'OUT_OF_MEMORY' | 'BACKEND', `${first.message} (and ${more} more device error${more > 1 ? 's' : ''})`, { cause: first });
  }

  /** Throws the pending error, if any. @example `state.check('fill')` */
  check(op: string): void {
    const e = this.takeError(op);
    if (e) throw e;
  }
}
