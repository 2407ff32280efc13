/**
 * What one run of the demo does. The page reads these from its query string, so a test can ask for a
 * short run: `?steps=12&batch=4&eval=8&autostart=1`.
 *
 * @example
 * ```ts
 * const opts: DemoOptions = { ...DEFAULT_DEMO_OPTIONS, steps: 12 };
 * ```
 */
export interface DemoOptions {
  /** Optimizer steps (the CLI demo's default: 200). */
  readonly steps: number;
  /** Examples per step (the recipe's: 8). */
  readonly batch: number;
  /** Held-out e-mails whose label is generated before and after training. */
  readonly evalExamples: number;
  /** Held-out e-mails shown with the base model's and the adapter's continuation. */
  readonly samples: number;
  /** Start training as soon as the model is loaded. */
  readonly autostart: boolean;
  /** Use the CPU reference backend even where WebGPU exists. */
  readonly cpu: boolean;
  /** A Hub model id to load instead of the embedded model (prefills the page's field). */
  readonly model: string;
  /** The Hub's URL (default https://huggingface.co; a mirror, or a test's local server). */
  readonly hub: string | undefined;
  /** The adapter method. */
  readonly method: 'lora' | 'loha';
  /** The adapter's rank (alpha is twice it). */
  readonly rank: number;
}

/**
 * The full demo, as `peft demo` runs it.
 *
 * @example
 * ```ts
 * parseDemoOptions('') // DEFAULT_DEMO_OPTIONS
 * ```
 */
export const DEFAULT_DEMO_OPTIONS: DemoOptions = Object.freeze({ steps: 200, batch: 8, evalExamples: 40, samples: 3, autostart: false, cpu: false, model: '', hub: undefined, method: 'lora', rank: 8 });

/**
 * Reads {@link DemoOptions} from a query string; a missing or unusable value keeps its default.
 *
 * @example
 * ```ts
 * parseDemoOptions('?steps=12&autostart=1').steps // 12
 * ```
 */
export function parseDemoOptions(search: string): DemoOptions {
  const q = new URLSearchParams(search);
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const v = Number(q.get(key));
    return q.has(key) && Number.isInteger(v) && v >= min && v <= max ? v : fallback;
  };
  const flag = (key: string): boolean => q.has(key) && q.get(key) !== '0' && q.get(key) !== 'false';
  const d = DEFAULT_DEMO_OPTIONS;
  return {
    steps: int('steps', d.steps, 1, 10_000),
    batch: int('batch', d.batch, 1, 64),
    evalExamples: int('eval', d.evalExamples, 1, 200),
    samples: int('samples', d.samples, 0, 10),
    autostart: flag('autostart'),
    cpu: flag('cpu'),
    model: q.get('model')?.trim() ?? d.model,
    hub: q.get('hub')?.trim() || d.hub,
    method: q.get('method') === 'loha' ? 'loha' : d.method,
    rank: int('rank', d.rank, 1, 256),
  };
}
