import { shapeSize } from '@peft/core/plugin';
import { type BufferHandle, type CpuBackend, type View, type WebGPUBackend, defineKernel } from '@peft/core/backend';
import { cpuMatmul4bit } from './cpu-matmul-4bit.js';
import type { Matmul4bit } from './matmul-4bit-spec.js';
import { encodeMatmul4bitTexture } from './matmul-4bit-texture.js';
import { matmul4bitKernel } from './matmul-4bit-wgsl.js';

/**
 * The 4-bit dequantising matmul as a registered kernel: `x` is a contiguous f32 view `[..., K]`,
 * `packed` a u32 view of the codes, `absmax` an f32 view with one scale per block (or, with
 * `q.nested`, a u32 view of 8-bit codes and `nestedAbsmax` an f32 view); the result is f32
 * `[..., N]` (see {@link Matmul4bit}). The CPU reference dequantises exactly and equals
 * dequantise-then-matmul bit for bit; on WebGPU a software adapter takes the subgroup/texture kernel
 * where it applies, everything else the plain kernel. Another backend adds its own with
 * `registerKernel(MATMUL_4BIT_KERNEL, name, impl)`.
 *
 * @example
 * ```ts
 * const out = runKernel(backend, MATMUL_4BIT_KERNEL, x.view(), packed.view(), absmax.view(), q, undefined);
 * ```
 */
export const MATMUL_4BIT_KERNEL = defineKernel<[x: View, packed: View, absmax: View, q: Matmul4bit, nestedAbsmax: View | undefined], BufferHandle>('matmul4bit', {
  cpu: (cpu: CpuBackend, x, packed, absmax, q, nestedAbsmax) => cpu.adopt(cpuMatmul4bit(x, packed, absmax, q, nestedAbsmax, cpu.wide)),
  webgpu: (gpu: WebGPUBackend, x, packed, absmax, q, nestedAbsmax) => {
    const ctx = gpu.kernelContext;
    const views = q.nested && nestedAbsmax ? [x, packed, absmax, nestedAbsmax] : [x, packed, absmax];
    const ins = views.map((v) => ctx.input(v, 'matmul4bit'));
    const k = x.shape[x.shape.length - 1];
    const n = (k === 0 ? 0 : shapeSize(x.shape) / k) * (q.transpose ? q.rows : q.cols);
    const out = ctx.output('matmul4bit', n, 'f32');
    if (n === 0) return out;
    // on CPU adapters the subgroup/texture kernel; elsewhere (or when it does not apply) the plain one
    const tuned = ctx.softwareAdapter && encodeMatmul4bitTexture(ctx.runner, { x, packed, absmax, nestedAbsmax }, ins, q, out.buffer);
    if (!tuned) ctx.run(matmul4bitKernel(x, packed, absmax, q, nestedAbsmax), [...ins, out.buffer]);
    return out;
  },
});
