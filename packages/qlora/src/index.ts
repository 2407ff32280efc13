/**
 * `@peft/qlora`: QLoRA — base weights in 4 bits (NF4 / FP4, bitsandbytes' layout and numerics),
 * dequantised inside this package's `matmul4bit` kernel (registered for the CPU and WebGPU backends), with float32 adapters (LoRA and the other dense-layer
 * methods) on top.
 *
 * @example
 * ```ts
 * import { quantizeModel, prepareModelForKbitTraining } from '@peft/qlora';
 * await quantizeModel(model, { quantType: 'nf4', doubleQuant: true });
 * prepareModelForKbitTraining(model);
 * const peft = await getPeftModel(model, loraConfig({ r: 8, targetModules: 'all-linear' }));
 * ```
 *
 * @packageDocumentation
 */
export * from './codebooks.js';
export * from './blockwise.js';
export * from './quantize.js';
export * from './quantized-linear.js';
export * from './quantize-model.js';
export * from './quantization-forecast.js';
export * from './prepare-kbit.js';
export * from './merge.js';
export * from './memory.js';
export { matmul4bit } from './matmul-4bit.js';
export type { Matmul4bit } from './kernels/matmul-4bit-spec.js';
export { MATMUL_4BIT_KERNEL } from './kernels/matmul-4bit-kernel.js';
