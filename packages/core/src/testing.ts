/**
 * `@peft/core/testing`: helpers the test suites of `@peft` packages share: the backends every test
 * runs on, host-side inputs, and closeness checks.
 *
 * @example
 * ```ts
 * import { testBackends, expectClose } from '@peft/core/testing';
 * ```
 *
 * @packageDocumentation
 */
import { installTensorMethods } from './tensor-methods.js';

// Tensor's chainable methods call the op and autograd functions, which tensor.ts cannot import (they
// import it): every entry point connects them when it loads.
installTensorMethods();

export { testBackends, testWebGPU } from './test-support/backends.js';
export { checkGradients } from './test-support/gradcheck.js';
export type { GradCheckOptions } from './test-support/gradcheck.js';
export { host, toTensor, readF64, expectClose, testRandom, rand, randInt, liveBuffers } from './test-support/numeric.js';
export type { HostTensor, Tolerance } from './test-support/numeric.js';
