import type { Backend, BufferHandle } from '../backend-interface.js';
import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';

/**
 * Wraps a kernel's fresh, contiguous output buffer in a tensor that owns it (no autograd node; wrap
 * the call in `customFunction` for gradients). For kernel authors whose ops return tensors.
 *
 * @example
 * ```ts
 * const y = tensorFromBuffer(backend, runKernel(backend, MY_KERNEL, x.view('myOp')), x.shape, 'f32');
 * ```
 */
export function tensorFromBuffer(backend: Backend, buffer: BufferHandle, shape: Shape, dtype: DType): Tensor {
  return new Tensor(new Storage(backend, buffer), shape, dtype);
}
