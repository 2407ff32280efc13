import { type Bindable, BufferWindow, bindingResource } from './buffer-window.js';

/**
 * Reuses bind groups: creating one costs more than the dispatch it serves (tens of microseconds in
 * Dawn), and a training step binds the same pooled buffers in the same combinations every time. The
 * parameter block is bound with a dynamic offset, so a group depends only on its layout, the size of
 * the parameter block and the storage buffers. Entries that name a buffer are dropped when the
 * buffer is retired; the whole cache is cleared when it grows past its limit.
 *
 * @example
 * ```ts
 * const cache = new BindGroupCache(device, arena);
 * const group = cache.get(layout, 32, [x, out]);
 * pass.setBindGroup(0, group, [slotOffset]);
 * ```
 */
export class BindGroupCache {
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly ids = new WeakMap<GPUBuffer, number>();
  private readonly keysOf = new Map<number, string[]>();
  private readonly layoutIds = new WeakMap<GPUBindGroupLayout, number>();
  private nextId = 1;
  /** Lookups answered from the cache. */
  hits = 0;
  /** Bind groups created. */
  misses = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly uniforms: GPUBuffer,
    private readonly limit = 8192,
  ) {}

  /** Number of cached groups. @example `cache.size` */
  get size(): number {
    return this.groups.size;
  }

  /**
   * The bind group for `layout` with a `uniformBytes` parameter block (binding 0, dynamic offset)
   * and `buffers` (whole buffers or windows of one) as bindings 1..n.
   *
   * @example
   * ```ts
   * cache.get(layout, 16, [a, b, out]);
   * ```
   */
  get(layout: GPUBindGroupLayout, uniformBytes: number, buffers: readonly Bindable[]): GPUBindGroup {
    let key = `${this.idOfLayout(layout)}:${uniformBytes}`;
    for (const b of buffers) key += b instanceof BufferWindow ? `,${this.idOf(b.buffer)}@${b.offset}+${b.size}` : `,${this.idOf(b)}`;
    const hit = this.groups.get(key);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    if (this.groups.size >= this.limit) this.clear();
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.uniforms, offset: 0, size: uniformBytes } }];
    for (let i = 0; i < buffers.length; i++) entries.push({ binding: i + 1, resource: bindingResource(buffers[i]) });
    const group = this.device.createBindGroup({ layout, entries });
    this.groups.set(key, group);
    for (const b of buffers) {
      const id = this.idOf(bindingResource(b).buffer);
      let list = this.keysOf.get(id);
      if (!list) this.keysOf.set(id, (list = []));
      list.push(key);
    }
    return group;
  }

  /** Drops every group that binds `buffer` (call before destroying it). @example `cache.forget(b)` */
  forget(buffer: GPUBuffer): void {
    const id = this.ids.get(buffer);
    if (id === undefined) return;
    for (const key of this.keysOf.get(id) ?? []) this.groups.delete(key);
    this.keysOf.delete(id);
    this.ids.delete(buffer);
  }

  /** Drops every cached group. @example `cache.clear()` */
  clear(): void {
    this.groups.clear();
    this.keysOf.clear();
  }

  private idOf(buffer: GPUBuffer): number {
    let id = this.ids.get(buffer);
    if (id === undefined) this.ids.set(buffer, (id = this.nextId++));
    return id;
  }

  private idOfLayout(layout: GPUBindGroupLayout): number {
    let id = this.layoutIds.get(layout);
    if (id === undefined) this.layoutIds.set(layout, (id = this.nextId++));
    return id;
  }
}
