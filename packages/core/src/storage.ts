import type { Backend, BufferHandle } from './backend-interface.js';

/**
 * A reference-counted hold on one backend buffer. Several tensors (a tensor and its views) share one
 * Storage; the buffer goes back to the backend's pool when the last of them is disposed.
 *
 * @example
 * ```ts
 * const s = new Storage(backend, backend.upload(new Float32Array(4), 'f32'));
 * s.retain(); // a view now shares it
 * s.release(); s.release(); // buffer returned to the pool
 * ```
 */
export class Storage {
  private refs = 1;
  private handle: BufferHandle | null;

  constructor(
    readonly backend: Backend,
    buffer: BufferHandle,
  ) {
    this.handle = buffer;
  }

  /** The buffer, or null once released. */
  get buffer(): BufferHandle | null {
    return this.handle;
  }

  /** Number of tensors holding this storage. */
  get refCount(): number {
    return this.refs;
  }

  /** Adds a holder. */
  retain(): void {
    this.refs++;
  }

  /** Drops a holder; the last one returns the buffer to the backend. */
  release(): void {
    if (this.refs <= 0) return;
    this.refs--;
    if (this.refs === 0 && this.handle) {
      this.backend.release(this.handle);
      this.handle = null;
    }
  }
}
