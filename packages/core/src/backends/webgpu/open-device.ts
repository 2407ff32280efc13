import { DeviceError } from '../../errors.js';

/**
 * Requests an adapter and a device for compute: `shader-f16` when the adapter offers it (unless
 * `f16: false`), and the adapter's own maxima for buffer sizes and storage bindings (the defaults
 * are far smaller than most adapters allow).
 *
 * @example
 * ```ts
 * const { device, info } = await openDevice({ gpu: navigator.gpu });
 * ```
 */
export async function openDevice(opts: {
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  f16?: boolean;
}): Promise<{ device: GPUDevice; info: GPUAdapterInfo | undefined }> {
  const gpu = opts.gpu ?? (typeof navigator !== 'undefined' ? (navigator as { gpu?: GPU }).gpu : undefined);
  if (!gpu) throw new DeviceError('BACKEND', 'webgpu: no WebGPU entry point (pass `gpu`, e.g. nodeGPU() in Node or navigator.gpu in a browser)');
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference });
  if (!adapter) throw new DeviceError('BACKEND', 'webgpu: no adapter found (requestAdapter returned null)');
  const features: GPUFeatureName[] = [];
  if (opts.f16 !== false && adapter.features.has('shader-f16')) features.push('shader-f16');
  // subgroups let the texture matmul share operands between lanes on CPU adapters (kernels/matmul-select.ts)
  if (adapter.features.has('subgroups')) features.push('subgroups');
  // timestamps let the kernel profiler (backend.startProfile) time dispatches on the device itself
  if (adapter.features.has('timestamp-query')) features.push('timestamp-query');
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: features,
    requiredLimits: {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxTextureDimension2D: l.maxTextureDimension2D,
    },
  });
  return { device, info: adapter.info };
}

/**
 * A readable adapter name from `adapter.info`, e.g. "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) (mesa, software)".
 *
 * @example
 * ```ts
 * describeAdapter(adapter.info);
 * ```
 */
export function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'webgpu (unknown adapter)';
  const name = info.description || info.device || 'unknown adapter';
  const extra = [info.vendor, info.architecture].filter((s) => s && !name.includes(s));
  return extra.length ? `${name} (${extra.join(', ')})` : name;
}

/**
 * True for adapters that run on the CPU (Mesa lavapipe/llvmpipe, SwiftShader, WARP, or any the
 * browser marks as a fallback), where other kernels pay off than on GPUs.
 *
 * @example
 * ```ts
 * isSoftwareAdapter(adapter.info); // true on lavapipe
 * ```
 */
export function isSoftwareAdapter(info: GPUAdapterInfo | undefined): boolean {
  if (!info) return false;
  if ((info as { isFallbackAdapter?: boolean }).isFallbackAdapter) return true;
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  return /llvmpipe|lavapipe|swiftshader|\bwarp\b|software|\bcpu\b/i.test(text);
}
