import * as v from 'valibot';
import type { MetricsValue } from './metrics-log.js';

const METRICS_VALUE: v.GenericSchema<MetricsValue> = v.lazy(() =>
  v.union([v.number(), v.string(), v.boolean(), v.null(), v.array(METRICS_VALUE), v.record(v.string(), METRICS_VALUE)]),
);

/**
 * One line of `metrics.jsonl`: an object with a non-negative integer `step` and any named values
 * (numbers, strings, booleans, null, and lists or objects of them). Named values are open by design
 * (every run logs its own), so fields beyond `step` are never an error.
 *
 * @example
 * ```ts
 * const entry = validateShape(METRICS_ENTRY_SCHEMA, JSON.parse(line), { file: 'metrics.jsonl line 3' });
 * ```
 */
export const METRICS_ENTRY_SCHEMA = v.objectWithRest({ step: v.pipe(v.number(), v.safeInteger(), v.minValue(0)) }, METRICS_VALUE);
