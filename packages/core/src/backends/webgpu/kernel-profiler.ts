/**
 * Per-kernel-family timing of the WebGPU backend's dispatches (`backend.startProfile()` /
 * `await backend.stopProfile()`).
 *
 * With the `timestamp-query` feature every dispatch runs in a compute pass of its own whose
 * beginning and end write GPU timestamps, resolved and read back after each batch: the times are
 * the device's own. Without it, every dispatch is submitted alone and timed on the CPU from its
 * submit (or the previous dispatch's completion, whichever is later) to the queue's completion
 * callback: coarser, and it includes the submit and callback overhead; the report says which.
 */

/** How a {@link KernelProfile} was measured. */
export type ProfileMethod = 'timestamp-query' | 'cpu-queue-wait';

/**
 * One kernel family's share of a profile.
 *
 * @example
 * ```ts
 * const e: KernelProfileEntry = { family: 'matmul-texture', ms: 12.5, dispatches: 40 };
 * ```
 */
export interface KernelProfileEntry {
  /** The kernel family: the cache key's prefix (`matmul`, `norm`, `softmax`, `map add`, …). */
  readonly family: string;
  /** Milliseconds summed over its dispatches. */
  readonly ms: number;
  readonly dispatches: number;
}

/**
 * What {@link KernelProfiler.report} returns: families sorted by time, most first.
 *
 * @example
 * ```ts
 * const p = await backend.stopProfile();
 * for (const e of p.entries) console.log(e.family, e.ms.toFixed(2));
 * ```
 */
export interface KernelProfile {
  readonly method: ProfileMethod;
  readonly entries: readonly KernelProfileEntry[];
  /** Sum of the entries' times. */
  readonly totalMs: number;
}

/**
 * The family of a kernel from its cache key: the part before the first `:`; element-wise kernels
 * (`map:{…}`) add their name and the start of their expression, so that one op's kernels group.
 *
 * @example
 * ```ts
 * kernelFamily('norm:layer:wb'); // 'norm'
 * kernelFamily('map:{"n":"binary","e":"a + b"}'); // 'map binary a + b'
 * ```
 */
export function kernelFamily(key: string): string {
  const head = key.split(':', 1)[0];
  if (head !== 'map' && head !== 'map4') return head;
  let sig: { n?: unknown; e?: unknown };
  try {
    sig = JSON.parse(key.slice(head.length + 1)) as { n?: unknown; e?: unknown };
  } catch {
    return head;
  }
  const expr = typeof sig.e === 'string' ? sig.e.replace(/\s+/g, ' ').trim() : '';
  const short = expr.length > 32 ? `${expr.slice(0, 31)}…` : expr;
  return [head, typeof sig.n === 'string' ? sig.n : '', short].filter(Boolean).join(' ');
}

/**
 * Collects dispatch times by family for the command batch that hands it each dispatch.
 *
 * @example
 * ```ts
 * const profiler = new KernelProfiler(device);
 * batch.profiler = profiler;   // … run a step …
 * const profile = await profiler.report();
 * ```
 */
export class KernelProfiler {
  /** How this profiler measures (timestamps when the device has them). */
  readonly method: ProfileMethod;
  private readonly totals = new Map<string, { ms: number; n: number }>();
  private readonly pending: Promise<void>[] = [];
  private querySet: GPUQuerySet | null = null;
  private labels: string[] = [];
  private lastDone: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly device: GPUDevice,
    /** Timestamp pairs one batch can hold (at least the batch's dispatch limit). */
    private readonly capacity = 512,
  ) {
    this.method = device.features.has('timestamp-query') ? 'timestamp-query' : 'cpu-queue-wait';
  }

  /** True when each dispatch must be submitted on its own (CPU-side timing). @example `if (p.submitEach) batch.submit()` */
  get submitEach(): boolean {
    return this.method === 'cpu-queue-wait';
  }

  /**
   * The timestamp writes for the pass of the next dispatch, labelled `family` (undefined in CPU mode
   * or when the batch's query set is full). `part` 'begin' / 'end' splits one span over two passes.
   *
   * @example
   * ```ts
   * encoder.beginComputePass({ timestampWrites: profiler.timestamps('norm') });
   * ```
   */
  timestamps(family: string, part: 'both' | 'begin' | 'end' = 'both'): GPUComputePassTimestampWrites | undefined {
    if (this.method !== 'timestamp-query') return undefined;
    if (part === 'end') {
      const i = this.labels.length - 1;
      return i >= 0 && this.querySet ? { querySet: this.querySet, endOfPassWriteIndex: 2 * i + 1 } : undefined;
    }
    if (this.labels.length >= this.capacity) return undefined;
    this.querySet ??= this.device.createQuerySet({ type: 'timestamp', count: 2 * this.capacity });
    const i = this.labels.length;
    this.labels.push(family);
    return part === 'begin'
      ? { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i }
      : { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Records the query resolution at the end of a batch's commands (timestamp mode). @example `profiler.resolve(encoder)` */
  resolve(encoder: GPUCommandEncoder): void {
    const qs = this.querySet;
    const labels = this.labels;
    if (!qs || labels.length === 0) return;
    this.querySet = null;
    this.labels = [];
    const bytes = labels.length * 16;
    const resolved = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const readable = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.resolveQuerySet(qs, 0, labels.length * 2, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, readable, 0, bytes);
    this.pending.push(
      // mapAsync waits for the submit that follows
      Promise.resolve().then(async () => {
        try {
          await readable.mapAsync(GPUMapMode.READ);
          const t = new BigUint64Array(readable.getMappedRange().slice(0));
          readable.unmap();
          labels.forEach((family, i) => {
            const ns = t[2 * i + 1] > t[2 * i] ? Number(t[2 * i + 1] - t[2 * i]) : 0;
            this.add(family, ns / 1e6);
          });
        } finally {
          readable.destroy();
          resolved.destroy();
          qs.destroy();
        }
      }),
    );
  }

  /** CPU mode: a dispatch labelled `family` was just submitted alone; times it to its completion. @example `profiler.submitted('norm')` */
  submitted(family: string): void {
    const submitAt = performance.now();
    const prev = this.lastDone;
    const done = this.device.queue.onSubmittedWorkDone();
    this.lastDone = Promise.all([prev, done]).then(([p]) => {
      const at = performance.now();
      this.add(family, at - Math.max(p, submitAt));
      return at;
    });
    this.pending.push(this.lastDone.then(() => undefined));
  }

  /** Waits for every outstanding measurement and returns the totals so far. @example `await profiler.report()` */
  async report(): Promise<KernelProfile> {
    while (this.pending.length) await Promise.all(this.pending.splice(0));
    const entries = [...this.totals].map(([family, t]) => ({ family, ms: t.ms, dispatches: t.n })).sort((a, b) => b.ms - a.ms);
    return { method: this.method, entries, totalMs: entries.reduce((s, e) => s + e.ms, 0) };
  }

  private add(family: string, ms: number): void {
    const t = this.totals.get(family) ?? { ms: 0, n: 0 };
    t.ms += ms;
    t.n++;
    this.totals.set(family, t);
  }
}
