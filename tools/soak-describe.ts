import type { Backend } from '../packages/core/src/index.js';

/** A readable backend name for the soak report. @example `describeBackend(gpu) // 'webgpu (llvmpipe …)'` */
export function describeBackend(backend: Backend): string {
  const d = (backend as { description?: string }).description;
  return d ? `${backend.name} (${d})` : backend.name;
}
